import type { CountStats } from "./stats.js";

/**
 * The dataset card written beside every export (`<out>.card.json` and `<out>.card.md`): what
 * went in, what came out, token statistics measured with the trainer's template and tokenizer,
 * what max_length cost, and provenance.
 */
export const DATASET_CARD_SCHEMA = "sealign.dataset-card/1";

export interface DatasetCard {
  schema_version: typeof DATASET_CARD_SCHEMA;
  kind: "sft" | "dpo";
  format: string;
  file: string;
  created_at: string;
  sealign_version: string;
  inputs: string[];
  options: Record<string, unknown>;
  render: Record<string, string>;
  counts: Record<string, number>;
  tasks: number;
  tokens: {
    /** Per example: SFT whole conversation; DPO prompt + longer completion. */
    per_example: CountStats;
    trained: CountStats;
    /** Trained tokens / all tokens (SFT), or completion tokens / forward tokens (DPO). */
    trained_share: number;
    prompt?: CountStats;
    chosen?: CountStats;
    rejected?: CountStats;
    /** DPO: share of forward tokens spent on the prompt's second copy (prompt + chosen, prompt + rejected). */
    prefix_recompute_share?: number;
  };
  max_length: {
    limit: number | null;
    fits: number;
    shortened: number;
    truncated: number;
    dropped: number;
    observations_cut: number;
    observation_tokens_cut: number;
    /** Tokens TRL will still cut off the end (SFT), and how many of them are trained. */
    truncated_tokens: number;
    trained_tokens_lost: number;
    /** Ids of examples still truncated or dropped. */
    affected_ids: string[];
  };
  notes: string[];
}

export function cardMarkdown(card: DatasetCard): string {
  const t = card.tokens;
  const row = (name: string, s: CountStats | undefined) =>
    s
      ? `| ${name} | ${s.count} | ${s.total} | ${s.mean} | ${s.min} | ${s.median} | ${s.p90} | ${s.max} |`
      : "";
  const m = card.max_length;
  const lines = [
    `# Dataset card: ${card.file}`,
    "",
    `${card.kind.toUpperCase()} data in ${card.format} format, written by sealign ${card.sealign_version} on ${card.created_at}.`,
    "",
    "## Counts",
    "",
    "| what | count |",
    "|---|---|",
    ...Object.entries(card.counts).map(([k, v]) => `| ${k} | ${v} |`),
    `| tasks | ${card.tasks} |`,
    "",
    "## Tokens",
    "",
    `Measured with tokenizer \`${card.render.tokenizer}\` and template \`${card.kind === "sft" ? card.render.sft_template : card.render.dpo_template}\` (what TRL trains with).`,
    "",
    "| tokens | examples | total | mean | min | median | p90 | max |",
    "|---|---|---|---|---|---|---|---|",
    row("per example", t.per_example),
    row("trained", t.trained),
    row("prompt", t.prompt),
    row("chosen", t.chosen),
    row("rejected", t.rejected),
    "",
    `Trained-token share: ${(100 * t.trained_share).toFixed(1)}%.`,
    ...(t.prefix_recompute_share !== undefined
      ? [
          `Share of DPO forward tokens spent recomputing the shared prompt (second copy): ${(100 * t.prefix_recompute_share).toFixed(1)}%.`,
        ]
      : []),
    "",
    "## max_length",
    "",
    m.limit === null
      ? "No limit given."
      : `Limit ${m.limit}: ${m.fits} fit, ${m.shortened} fit after shortening ${m.observations_cut} observations ` +
        `(${m.observation_tokens_cut} tokens cut), ${m.truncated} still truncated by the trainer ` +
        `(${m.truncated_tokens} tokens, ${m.trained_tokens_lost} of them trained), ${m.dropped} dropped.`,
    ...(m.affected_ids.length ? ["", `Still truncated or dropped: ${m.affected_ids.join(", ")}`] : []),
    ...(card.notes.length ? ["", "## Notes", "", ...card.notes.map((n) => `- ${n}`)] : []),
    "",
    "## Provenance",
    "",
    "```json",
    JSON.stringify({ inputs: card.inputs, options: card.options, render: card.render }, null, 2),
    "```",
    "",
  ];
  return lines.filter((l, i, all) => !(l === "" && all[i - 1] === "")).join("\n");
}
