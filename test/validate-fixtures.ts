import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cloneWorkspace, diffAgainstBase, prepareBase, removeWorkspace } from "../src/sandbox/workspace.js";
import type { Task } from "../src/schema/task.js";
import { parseTask } from "../src/schema/validate.js";
import { sharedData } from "./helpers/paths.js";

/** The HumanEvalFix tasks of one or both languages, from ../shared/data. */
export function humanEvalFixTasks(language: "python" | "js"): Task[] {
  return readFileSync(sharedData(`humanevalfix-${language}.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l, i) => parseTask(JSON.parse(l), { file: `humanevalfix-${language}.jsonl`, line: i + 1 }));
}

/** Write both languages' tasks into one task file. */
export function writeAllTasks(dir: string): string {
  const path = join(dir, "tasks.jsonl");
  writeFileSync(
    path,
    ["python", "js"]
      .map((l) => readFileSync(sharedData(`humanevalfix-${l}.jsonl`), "utf8").trimEnd())
      .join("\n") + "\n",
  );
  return path;
}

/** A patch that changes nothing a test sees: a comment line on top of the task's one file. */
export function touchPatch(task: Task): string {
  const [name, content] = Object.entries(task.files ?? {})[0]!;
  const comment = name.endsWith(".py") ? "# touched" : "// touched";
  const context = content.split("\n").slice(0, 3);
  return [
    `diff --git a/${name} b/${name}`,
    `--- a/${name}`,
    `+++ b/${name}`,
    `@@ -1,${context.length} +1,${context.length + 1} @@`,
    `+${comment}`,
    ...context.map((l) => ` ${l}`),
    "",
  ].join("\n");
}

/** Hand-written fixes: [instance id, buggy text, fixed text]. */
export const HAND_FIXES: [string, string, string][] = [
  ["humanevalfix-python-0", "distance = elem - elem2", "distance = abs(elem - elem2)"],
  ["humanevalfix-python-2", "return number % 1.0 + 1.0", "return number % 1.0"],
  ["humanevalfix-python-3", "if balance == 0:", "if balance < 0:"],
  ["humanevalfix-python-4", "for x in numbers) / mean", "for x in numbers) / len(numbers)"],
  // One of the four that loop forever, fixed: it must then pass, not time out.
  [
    "humanevalfix-python-10",
    "while not is_palindrome(string):",
    "while not is_palindrome(string[beginning_of_suffix:]):",
  ],
  [
    "humanevalfix-javascript-0",
    "let distance = numbers[i] - numbers[j];",
    "let distance = Math.abs(numbers[i] - numbers[j]);",
  ],
  ["humanevalfix-javascript-2", "return number % 1.0 + 1.0;", "return number % 1.0;"],
  ["humanevalfix-javascript-3", "if (balance == 0) {", "if (balance < 0) {"],
];

/** The patch an agent would produce by making one text replacement in the task's file. */
export async function replacementPatch(task: Task, from: string, to: string): Promise<string> {
  const [name, content] = Object.entries(task.files ?? {})[0]!;
  if (!content.includes(from)) throw new Error(`${task.instance_id}: "${from}" not in ${name}`);
  const base = await prepareBase(task);
  const ws = await cloneWorkspace(base);
  try {
    writeFileSync(join(ws, name), content.replace(from, to));
    return await diffAgainstBase(ws, base.baseCommit);
  } finally {
    await removeWorkspace(ws);
    await removeWorkspace(base.dir);
  }
}

/** A SWE-bench prediction line. */
export function prediction(instanceId: string, patch: string | null, model = "test-model"): string {
  return JSON.stringify({ instance_id: instanceId, model_name_or_path: model, model_patch: patch });
}
