import type { ContentPart } from "./trajectory.js";

/** The text of a message's content, whether it is a string, a list of parts or null. */
export function contentText(content: string | ContentPart[] | null | undefined): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => (typeof part.text === "string" ? part.text : "")).join("");
}
