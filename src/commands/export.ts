import { type Command, Option } from "commander";
import { InputError } from "../errors.js";
import { EXPORT_FORMATS, type ExportFormat } from "../export/formats.js";
import { type ExportOptions, type ExportSummary, exportDpo, exportSft } from "../export/run.js";
import { checkInputFiles, ensureOutputFile, refuseOutputAmongInputs } from "../io/paths.js";
import { addOutputOption, numberOption, outputOf } from "./options.js";

interface ExportCliOptions {
  format: ExportFormat;
  out: string;
  output?: string;
  model?: string;
  tokenizer?: string;
  chatTemplate?: string;
  templateKwargs?: string;
  maxLength?: number;
  preview?: number;
  kind: "all" | "critical" | "trajectory";
  skipInvalid?: boolean;
  json?: boolean;
}

const wholeNumber = (flag: string) => numberOption(flag, { integer: true, min: 0 });

function optionsOf(o: ExportCliOptions): ExportOptions {
  let templateKwargs: Record<string, unknown> | undefined;
  if (o.templateKwargs) {
    try {
      templateKwargs = JSON.parse(o.templateKwargs) as Record<string, unknown>;
    } catch (error) {
      throw new InputError(`--template-kwargs is not JSON: ${(error as Error).message}`);
    }
  }
  return {
    format: o.format,
    out: o.out,
    ...(o.model ? { model: o.model } : {}),
    ...(o.tokenizer ? { tokenizer: o.tokenizer } : {}),
    ...(o.chatTemplate ? { chatTemplate: o.chatTemplate } : {}),
    ...(templateKwargs ? { templateKwargs } : {}),
    ...(o.maxLength ? { maxLength: o.maxLength } : {}),
    ...(o.preview ? { preview: o.preview, previewColor: process.stdout.isTTY === true } : {}),
    ...(o.skipInvalid ? { skipInvalid: true } : {}),
    ...(o.kind !== "all" ? { kinds: [o.kind] } : {}),
    onProgress: (line) => process.stderr.write(`${line}\n`),
  };
}

function report(summary: ExportSummary, json: boolean | undefined): void {
  const card = summary.card;
  if (json) {
    process.stdout.write(`${JSON.stringify(card, null, 2)}\n`);
    return;
  }
  const m = card.max_length;
  const lines = [
    `wrote ${card.counts.exported} ${card.kind.toUpperCase()} examples (${card.format}) to ${summary.out}`,
    `tokens per example: median ${card.tokens.per_example.median}, max ${card.tokens.per_example.max}; trained share ${(100 * card.tokens.trained_share).toFixed(1)}%`,
  ];
  if (card.tokens.prefix_recompute_share !== undefined)
    lines.push(
      `shared prompt recomputed: ${(100 * card.tokens.prefix_recompute_share).toFixed(1)}% of DPO forward tokens`,
    );
  if (m.limit !== null)
    lines.push(
      `max_length ${m.limit}: ${m.shortened} shortened (${m.observations_cut} observations, ${m.observation_tokens_cut} tokens cut), ${m.truncated} still truncated, ${m.dropped} dropped`,
    );
  for (const note of card.notes) lines.push(`note: ${note}`);
  lines.push(`card: ${summary.cardPath}`);
  process.stderr.write(`${lines.join("\n")}\n`);
}

export function registerExport(program: Command): void {
  const command = program
    .command("export")
    .description(
      "training data: SFT from successful trajectories, DPO from preference pairs (TRL, LLaMA-Factory, OpenAI)",
    );
  for (const kind of ["sft", "dpo"] as const) {
    const sub = command
      .command(kind)
      .description(
        kind === "sft"
          ? "successful trajectories -> SFT rows (actions trained; system, task and observations masked)"
          : "preference pairs (sealign.pair/1, critical and trajectory-level) -> DPO rows",
      )
      .argument("<inputs...>", kind === "sft" ? "trajectory files (.jsonl[.gz|.zst])" : "pair files (.jsonl)")
      .addOption(new Option("--format <format>", "output format").choices([...EXPORT_FORMATS]).default("trl"))
      .option(
        "--model <dir>",
        "Hugging Face model folder whose tokenizer and chat template the trainer will use",
      )
      .option("--tokenizer <path>", "a tokenizer.json (or folder) instead of the model's (default: Qwen3's)")
      .option("--chat-template <file>", "a Jinja chat template instead of the model's (default: TRL's Qwen3)")
      .option("--template-kwargs <json>", 'extra chat template variables, e.g. {"enable_thinking": false}')
      .option(
        "--max-length <n>",
        "the trainer's max_length: observations are shortened to fit",
        wholeNumber("--max-length"),
      )
      .option(
        "--preview <n>",
        "print n examples with trained spans marked ⟦...⟧",
        wholeNumber("--preview"),
        0,
      )
      .option("--skip-invalid", "skip bad records and report them instead of stopping at the first")
      .option("--json", "print the dataset card as JSON on stdout");
    if (kind === "dpo")
      sub.addOption(
        new Option("--kind <kind>", "which pairs: critical, trajectory-level (ablation), or all")
          .choices(["all", "critical", "trajectory"])
          .default("all"),
      );
    else sub.setOptionValueWithSource("kind", "all", "default");
    addOutputOption(sub, "file", "output JSONL; the dataset card goes beside it (<name>.card.json/.md)", {
      required: true,
    });
    sub.action(async (inputs: string[], o: ExportCliOptions) => {
      o.out = outputOf(o);
      await checkInputFiles(inputs);
      await refuseOutputAmongInputs(o.out, inputs, "--output");
      await ensureOutputFile(o.out, "--output");
      const options = optionsOf(o);
      const summary = kind === "sft" ? await exportSft(inputs, options) : await exportDpo(inputs, options);
      report(summary, o.json);
    });
  }
}
