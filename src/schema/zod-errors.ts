import type { z } from "zod";

/** The first issue of a zod error as a dotted field path and a message, for InputError. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: "", message: "invalid value" };
  const field = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".");
  return { field: field.replace(/\.\[/g, "["), message: issue.message };
}
