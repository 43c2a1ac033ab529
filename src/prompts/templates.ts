import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InputError } from "../errors.js";
import type { Task } from "../schema/task.js";

/** The prompt templates shipped with sealign (prompts/ at the package root). */
export const BUILTIN_PROMPTS_DIR = fileURLToPath(new URL("../../prompts/", import.meta.url));

/** Which template a task gets: the HumanEvalFix one for single-file tasks, else the SWE-bench one. */
export type TaskTemplateKind = "swe" | "humanevalfix";

/** The templates of one run; each may come from a user file. */
export interface PromptTemplates {
  system: string;
  task: Record<TaskTemplateKind, string>;
  /** The scaffold's reply to an assistant turn without a tool call. */
  continueNudge: string;
  /** Where each template came from (for the manifest). */
  sources: Record<string, string>;
}

/** User overrides: paths of template files. */
export interface PromptOverrides {
  system?: string;
  /** One task template for every task (overrides both built-ins). */
  task?: string;
  continueNudge?: string;
}

function readTemplate(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(`cannot read the ${what} template: ${(error as Error).message}`, { file: path });
  }
}

/** Load the built-in templates, replaced by the user's files where given. */
export function loadPromptTemplates(overrides: PromptOverrides = {}): PromptTemplates {
  const builtin = (name: string) => `${BUILTIN_PROMPTS_DIR}${name}`;
  const systemPath = overrides.system ?? builtin("system.md");
  const swePath = overrides.task ?? builtin("task-swe.md");
  const hefPath = overrides.task ?? builtin("task-humanevalfix.md");
  const nudgePath = overrides.continueNudge ?? builtin("continue.md");
  return {
    system: readTemplate(systemPath, "system prompt"),
    task: { swe: readTemplate(swePath, "task prompt"), humanevalfix: readTemplate(hefPath, "task prompt") },
    continueNudge: readTemplate(nudgePath, "continue nudge"),
    sources: { system: systemPath, task_swe: swePath, task_humanevalfix: hefPath, continue: nudgePath },
  };
}

/** HumanEvalFix-style tasks: inline, one `main.*` file, a test command. */
export function taskTemplateKind(task: Task): TaskTemplateKind {
  const files = Object.keys(task.files ?? {});
  return files.length === 1 && /^main\.[a-z]+$/.test(files[0] as string) ? "humanevalfix" : "swe";
}

/**
 * Fill `{{name}}` placeholders. Unknown names are an error (a typo in a user template should not
 * silently send "{{problem_statment}}" to the model).
 */
export function renderTemplate(template: string, vars: Record<string, string>, what = "template"): string {
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      throw new InputError(
        `unknown placeholder {{${name}}} in the ${what} (known: ${Object.keys(vars).join(", ")})`,
      );
    }
    return value;
  });
}

/** The variables a template may use for a task. */
export function taskVariables(task: Task, workspace: string): Record<string, string> {
  const files = Object.keys(task.files ?? {});
  return {
    workspace,
    instance_id: task.instance_id,
    repo: task.repo,
    base_commit: task.base_commit,
    problem_statement: task.problem_statement,
    hints_text: task.hints_text,
    language: task.language ?? "",
    main_file: files.length === 1 ? (files[0] as string) : "",
  };
}

/** The system and first user message of an episode. */
export function episodePrompts(
  templates: PromptTemplates,
  task: Task,
  workspace: string,
): { system: string; user: string } {
  const vars = taskVariables(task, workspace);
  return {
    system: renderTemplate(templates.system, vars, "system prompt").trim(),
    user: renderTemplate(templates.task[taskTemplateKind(task)], vars, "task prompt").trim(),
  };
}
