import type { MethodCheckResult } from "./method-check.js";

/** What happened to one stage of the demo. */
export interface StageResult {
  name: string;
  status: "done" | "skipped" | "missing" | "failed";
  detail: string;
  seconds: number;
  outputs: string[];
}

const pct = (x: number | null): string => (x === null ? "n/a" : `${(100 * x).toFixed(1)}%`);

/** The demo's Markdown report: stages, outcomes, the method check, and where to look next. */
export function demoReport(s: {
  sealign_version: string;
  created_at: string;
  config: {
    samples: number;
    seed: number;
    threshold: number;
    min_visits: number;
    sim: Record<string, unknown>;
  };
  stages: StageResult[];
  trajectories: number;
  resolved: number;
  pairs: number;
  method_check: MethodCheckResult;
  view: string;
  evalMarkdown: string | null;
}): string {
  const m = s.method_check;
  const lines = [
    "# sealign demo report",
    "",
    `sealign ${s.sealign_version}, ${s.created_at}. Teacher: the **simulated teacher** (\`--model sim\`), a scripted`,
    "noisy expert that knows each task's gold patch. It is a simulator for trying the pipeline without a",
    "model, not a model: the numbers below describe the pipeline, not a model's skill.",
    "",
    `Settings: ${s.config.samples} samples per task, seed ${s.config.seed}, pair threshold ${s.config.threshold}, min visits ${s.config.min_visits}; simulator ${JSON.stringify(s.config.sim)}.`,
    "",
    "## Stages",
    "",
    "| stage | status | what | seconds |",
    "|---|---|---|---|",
    ...s.stages.map(
      (st) => `| ${st.name} | ${st.status} | ${st.detail.replace(/\|/g, "\\|")} | ${st.seconds.toFixed(1)} |`,
    ),
    "",
    "## Outcome",
    "",
    `- ${s.trajectories} episodes, ${s.resolved} resolved (${pct(s.trajectories ? s.resolved / s.trajectories : null)})`,
    `- ${s.pairs} critical pairs`,
    "",
    "## Method check (pairs against the simulator's ground truth)",
    "",
    "Definitions: docs/method-check.md. A pair is correct when its rejected action is one of the simulator's",
    "mistakes and its chosen action is not; recall counts the decisions that doomed failed episodes (where the",
    "tree had an alternative to compare with) that some pair rejects.",
    "",
    `| model turns | pairs | correct | precision | doomed decisions (detectable) | found | recall | recall over all |`,
    "|---|---|---|---|---|---|---|---|",
    `| ${m.modelTurns} | ${m.pairs} | ${m.correctPairs} | ${pct(m.precision)} | ${m.decisions} (${m.detectableDecisions}) | ${m.coveredDecisions} | ${pct(m.recall)} | ${pct(m.recallAll)} |`,
    "",
    ...(s.evalMarkdown ? ["## Eval", "", s.evalMarkdown.replace(/^# /gm, "### "), ""] : []),
    "## Next",
    "",
    `- Look at runs, trees and pairs: \`${s.view}\``,
    "- Swap the simulator for a real model: `sealign collect --tasks tasks.jsonl --model openai:MODEL ...` (docs/demo.md)",
    "",
  ];
  return lines.join("\n");
}
