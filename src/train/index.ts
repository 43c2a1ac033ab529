/** Train stage: TRL SFT then DPO in the project's venv, metrics, report, resume, GGUF. */
export {
  ACCELERATE_STRATEGIES,
  type AcceleratePlan,
  AcceleratePlanSchema,
  accelerateConfigPath,
  accelerateConfigYaml,
} from "./accelerate-config.js";
export { loadTrainConfig, resolveTrainConfig, type TrainConfig, TrainConfigSchema } from "./config.js";
export { convertToGguf, ensureLlamaCpp, GGUF_OUT_TYPES, type GgufOutType, llamaCppBundle } from "./gguf.js";
export { type LoraConfig, LoraSchema, loraTrlFields } from "./lora.js";
export { latestPerStep, type MetricRecord, parseMetricsLine } from "./metrics.js";
export { cacheDir, venvDir, venvPython } from "./paths.js";
export { choosePrefixSharing, type PrefixSharingChoice } from "./prefix-sharing.js";
export { type ProcessResult, runChecked, runProcess } from "./process.js";
export { type StageSummary, summariseStage, writeTrainReport } from "./report.js";
export { maxLengthFromCard, runTraining, type TrainOptions, type TrainResult } from "./run.js";
export { latestCheckpoint, trlStageConfig } from "./trl-config.js";
export { ensureTrainerVenv, trainerRequirements, trainerVenvReady } from "./venv.js";
