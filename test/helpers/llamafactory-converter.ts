/**
 * LLaMA-Factory's own acceptance rules for sharegpt rows, followed line by line (a test double of
 * the consumer, in test/ only; LLaMA-Factory itself needs torch, gradio and more, too heavy for
 * the test environment). Source, LLaMA-Factory v0.9.5 (hiyouga/LLaMA-Factory):
 *
 * - src/llamafactory/data/converter.py, `SharegptDatasetConverter.__call__`: a leading `system`
 *   turn is taken out; then turn i must be user/observation when i is even and
 *   assistant/function when odd ("Invalid role tag"); an SFT row needs an even number of turns,
 *   a ranking row an odd one ("Invalid message count"); either failure skips the row ("Skipping
 *   this abnormal example"). Ranking rows' `chosen` / `rejected` must be dicts with an
 *   assistant or function tag.
 * - src/llamafactory/data/formatter.py, `FunctionFormatter.apply`: a function turn's content is
 *   searched for `tool_call_words` (default `<tool_call>` / `</tool_call>`, data/template.py
 *   `register_template`); when found the JSON inside is parsed and the text around it kept,
 *   otherwise the whole content (less a `thought_words` block) must be JSON: an object or a
 *   list of objects with `name` and `arguments`, else RuntimeError "Invalid JSON format in
 *   function message".
 * - data/parser.py defaults for `formatting: sharegpt`: role tag `from`, content tag `value`,
 *   tags human / gpt / observation / function_call / system.
 */

export interface ConverterResult {
  rows: number;
  skipped: number;
  reasons: string[];
  /** function_call turns and how many kept text beside the calls. */
  functionTurns: number;
  functionTurnsWithText: number;
}

type Turn = { from: string; value: string };
const ODD = ["human", "observation"];
const EVEN = ["gpt", "function_call"];

/** FunctionFormatter.apply's parsing of one function turn: the text kept, or an error. */
export function parseFunctionTurn(content: string): {
  text: string;
  calls: { name: string; arguments: unknown }[];
} {
  const match = /<tool_call>([\s\S]*?)<\/tool_call>/.exec(content);
  const json = match ? match[1]! : content.replace(/<think>\n[\s\S]*?\n<\/think>\n\n/, "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`Invalid JSON format in function message: ${content.slice(0, 80)}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const calls = list.map((c) => {
    const call = c as { name?: unknown; arguments?: unknown };
    // Python: tc["name"], tc["arguments"] raise KeyError when missing
    if (typeof call !== "object" || call === null || !("name" in call) || !("arguments" in call))
      throw new Error(`function call without name/arguments: ${json.slice(0, 80)}`);
    return { name: String(call.name), arguments: call.arguments };
  });
  return { text: match ? content.replace(match[0], "") : "", calls };
}

/** Run the converter's checks over rows as LLaMA-Factory loads them. */
export function convertSharegpt(rows: Record<string, unknown>[], ranking: boolean): ConverterResult {
  const result: ConverterResult = {
    rows: rows.length,
    skipped: 0,
    reasons: [],
    functionTurns: 0,
    functionTurnsWithText: 0,
  };
  for (const row of rows) {
    let messages = row.conversations as Turn[];
    if (messages.length > 0 && messages[0]!.from === "system") messages = messages.slice(1);
    let broken = "";
    messages.forEach((m, i) => {
      if (!broken && !(i % 2 === 0 ? ODD : EVEN).includes(m.from)) broken = `Invalid role tag at turn ${i}`;
    });
    if (!broken && ((!ranking && messages.length % 2 !== 0) || (ranking && messages.length % 2 === 0)))
      broken = "Invalid message count";
    const sides: Turn[] = [];
    if (!broken && ranking) {
      for (const side of [row.chosen, row.rejected] as Turn[]) {
        if (typeof side !== "object" || side === null || !EVEN.includes(side.from))
          broken = "Invalid role tag in chosen/rejected";
        else sides.push(side);
      }
    }
    if (broken) {
      result.skipped++;
      result.reasons.push(broken);
      continue;
    }
    for (const turn of [...messages, ...sides]) {
      if (turn.from !== "function_call") continue;
      const parsed = parseFunctionTurn(turn.value); // throws as the formatter would
      result.functionTurns++;
      if (parsed.text.trim()) result.functionTurnsWithText++;
    }
    if (typeof row.tools === "string" && row.tools) JSON.parse(row.tools);
  }
  return result;
}
