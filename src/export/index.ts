/** Export stage: SFT / DPO datasets for TRL, LLaMA-Factory and OpenAI, with dataset cards. */
export { cardMarkdown, DATASET_CARD_SCHEMA, type DatasetCard } from "./card.js";
export { type DpoResult, dpoExample, prepareDpo } from "./dpo.js";
export {
  type DpoExample,
  dpoRow,
  EXPORT_FORMATS,
  type ExportFormat,
  FormatSkip,
  llamafactoryDatasetInfo,
  type SftExample,
  sftRow,
  sharegpt,
} from "./formats.js";
export { toChatMessages, toToolSchemas } from "./messages.js";
export { cardPaths, type ExportOptions, type ExportSummary, exportDpo, exportSft } from "./run.js";
export { loadRenderSetup, type RenderSetup, type RenderSetupOptions } from "./setup.js";
export { type LengthStatus, prepareSft, type SftResult, sftExample } from "./sft.js";
export { type CountStats, countStats } from "./stats.js";
