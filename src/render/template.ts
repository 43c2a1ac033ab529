import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { Template } from "@huggingface/jinja";
import { InputError } from "../errors.js";
import { venvDir } from "../package-paths.js";

/**
 * Chat templates as the trainer uses them. TRL's SFT with `assistant_only_loss` needs
 * `{% generation %}` markers: when the model's template has none, TRL swaps in its own training
 * template for the known families (Qwen2.5, Qwen3, ...). sealign does the same lookup on the
 * templates of the installed TRL package (never a copy), so its masks are the trainer's.
 * TRL's DPO renders with the model's template unchanged.
 */
export interface ChatTemplate {
  /** Where it came from: a file path, or `trl:<name>.jinja`. */
  source: string;
  text: string;
}

const GENERATION_TAG = /{%(-?)\s*(end)?generation\s*(-?)%}/g;

/** True when the template marks assistant output with `{% generation %}` blocks. */
export function hasGenerationMarkers(text: string): boolean {
  return /{%-?\s*generation\s*-?%}/.test(text);
}

/** The `chat_templates` folder of TRL installed in the trainer's venv (or null). */
export function trlChatTemplatesDir(venv = venvDir()): string | null {
  const lib = join(venv, "lib");
  if (!existsSync(lib)) return null;
  for (const python of readdirSync(lib)) {
    const dir = join(lib, python, "site-packages", "trl", "chat_templates");
    if (existsSync(dir)) return dir;
  }
  return null;
}

function requireTrlTemplates(): string {
  const dir = trlChatTemplatesDir();
  if (!dir)
    throw new InputError(
      "TRL's chat templates are not installed: run scripts/setup-trainer.sh (or sealign train once), " +
        "or give --chat-template FILE",
    );
  return dir;
}

/** One of TRL's shipped templates by name, e.g. `qwen3` or `qwen3_training`. */
export function trlTemplate(name: string): ChatTemplate {
  const path = join(requireTrlTemplates(), `${name}.jinja`);
  if (!existsSync(path)) throw new InputError(`TRL ships no chat template named ${name}`, { file: path });
  return { source: `trl:${name}.jinja`, text: readFileSync(path, "utf8") };
}

/** A model folder's own template: chat_template.jinja, else tokenizer_config.json's. */
export function modelChatTemplate(modelDir: string): ChatTemplate | null {
  const file = join(modelDir, "chat_template.jinja");
  if (existsSync(file)) return { source: file, text: readFileSync(file, "utf8") };
  const configPath = join(modelDir, "tokenizer_config.json");
  if (!existsSync(configPath)) return null;
  let config: { chat_template?: unknown };
  try {
    config = JSON.parse(readFileSync(configPath, "utf8")) as { chat_template?: unknown };
  } catch (error) {
    throw new InputError(`malformed JSON: ${(error as Error).message}`, { file: configPath });
  }
  const template = config.chat_template;
  if (typeof template === "string") return { source: `${configPath}#chat_template`, text: template };
  if (Array.isArray(template)) {
    const named = template.find((t: { name?: string }) => t?.name === "default") as
      | { template?: string }
      | undefined;
    if (typeof named?.template === "string")
      return { source: `${configPath}#chat_template`, text: named.template };
  }
  return null;
}

/**
 * The template TRL's SFT trains with: the template itself when it has generation markers,
 * else TRL's `<family>_training.jinja` for a template identical to TRL's `<family>.jinja`.
 */
export function sftTrainingTemplate(template: ChatTemplate): ChatTemplate {
  if (hasGenerationMarkers(template.text)) return template;
  const dir = requireTrlTemplates();
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".jinja") || file.endsWith("_training.jinja")) continue;
    const training = join(dir, file.replace(/\.jinja$/, "_training.jinja"));
    if (!existsSync(training)) continue;
    if (readFileSync(join(dir, file), "utf8") === template.text)
      return { source: `trl:${basename(training)}`, text: readFileSync(training, "utf8") };
  }
  throw new InputError(
    "the chat template has no {% generation %} markers and is not one TRL knows a training template for; " +
      "give --chat-template FILE with generation markers",
    { file: template.source },
  );
}

/** Characters that mark generation spans in the rendered text; never in real chat data. */
const OPEN = "\uE000";
const CLOSE = "\uE001";

/** A rendered conversation and the [start, end) character spans of its generation blocks. */
export interface Rendered {
  text: string;
  spans: [number, number][];
}

/**
 * A compiled chat template that reports `{% generation %}` spans the way transformers'
 * AssistantTracker does. Each generation tag becomes a block that prints a sentinel, so the
 * tag's whitespace control and trim/lstrip behaviour stay exactly as they were.
 */
export class CompiledTemplate {
  readonly source: string;
  private readonly template: Template;

  constructor(template: ChatTemplate) {
    this.source = template.source;
    const text = template.text.replace(
      GENERATION_TAG,
      (_m, left: string, end: string | undefined, right: string) =>
        end
          ? `{%${left} if true %}${CLOSE}{% endif ${right}%}`
          : `{%${left} if true %}${OPEN}{% endif ${right}%}`,
    );
    try {
      this.template = new Template(text);
    } catch (error) {
      throw new InputError(`chat template does not parse: ${(error as Error).message}`, {
        file: template.source,
      });
    }
  }

  /** Render messages (and tools) as `apply_chat_template(..., tokenize=False)` would. */
  render(context: {
    messages: unknown[];
    tools?: unknown[] | null;
    add_generation_prompt?: boolean;
    special?: Record<string, string | null>;
    extra?: Record<string, unknown>;
  }): Rendered {
    let raw: string;
    try {
      raw = this.template.render({
        ...(context.special ?? {}),
        ...(context.extra ?? {}),
        messages: context.messages,
        tools: context.tools && context.tools.length > 0 ? context.tools : null,
        documents: null,
        add_generation_prompt: context.add_generation_prompt ?? false,
        // raise_exception and strftime_now are globals of @huggingface/jinja already.
      });
    } catch (error) {
      throw new InputError(`rendering with the chat template failed: ${(error as Error).message}`, {
        file: this.source,
      });
    }
    return stripSentinels(raw);
  }
}

/**
 * The text without the generation sentinels, and the spans they marked. Slices between
 * sentinels instead of appending character by character: on a 50 MB conversation the latter
 * built a rope of millions of string pieces (hundreds of MB) before it was flattened.
 */
function stripSentinels(raw: string): Rendered {
  const pieces: string[] = [];
  const spans: [number, number][] = [];
  let length = 0;
  let open = -1;
  let from = 0;
  for (;;) {
    const nextOpen = raw.indexOf(OPEN, from);
    const nextClose = raw.indexOf(CLOSE, from);
    const at = nextOpen < 0 ? nextClose : nextClose < 0 ? nextOpen : Math.min(nextOpen, nextClose);
    if (at < 0) break;
    pieces.push(raw.slice(from, at));
    length += at - from;
    if (at === nextOpen) open = length;
    else {
      if (open >= 0) spans.push([open, length]);
      open = -1;
    }
    from = at + 1;
  }
  pieces.push(raw.slice(from));
  return { text: pieces.length === 1 ? raw : pieces.join(""), spans };
}

/** Fails when chat data itself contains the private sentinels (they would corrupt the spans). */
export function assertNoSentinels(value: string, where: string): void {
  if (value.includes(OPEN) || value.includes(CLOSE))
    throw new InputError("text contains private-use characters U+E000/U+E001, reserved by sealign", {
      field: where,
    });
}
