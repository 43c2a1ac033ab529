/**
 * sealign's library API. Every pipeline stage is importable from here:
 * tasks -> collect -> validate -> tree -> pairs -> export -> train -> eval -> view.
 */

export {
  EPISODE_DEFAULTS,
  Episode,
  type EpisodeConfig,
  EpisodeExit,
  type EpisodeOptions,
  type EpisodeResult,
  type EpisodeTimings,
  runEpisode,
  runEpisodeTimed,
} from "./agent/episode.js";
export { ReplayDiverged, type ReplayDivergence, type ReplaySpec } from "./agent/replay.js";
export { openHandsStuckLabels, paperStuck, STUCK_LABELS } from "./agent/stuck.js";
export {
  type BuiltinSelection,
  builtinTasksDir,
  loadBuiltinTask,
  loadBuiltinTasks,
} from "./builtin/load.js";
export * from "./charts/index.js";
export {
  COLLECT_DEFAULTS,
  type CollectConfig,
  CollectConfigSchema,
  type CollectOverride,
  readCollectConfigFile,
  resolveCollectConfig,
} from "./collect/config.js";
export {
  type CollectEpisodeSettings,
  type CollectJobContext,
  type CollectJobData,
  type CollectJobResult,
  failedJobTrajectory,
  type PortableProviderOptions,
  runCollectJob,
} from "./collect/job.js";
export { episodeSeed, type RunManifest } from "./collect/manifest.js";
export { ProgressDisplay, type ProgressState } from "./collect/progress.js";
export { type CollectOptions, type CollectStrategy, type CollectSummary, collect } from "./collect/run.js";
export { type MethodCheckResult, methodCheck } from "./demo/method-check.js";
export { type DemoOptions, type DemoResult, runDemo, type StageResult } from "./demo/run.js";
export { EXIT, InputError } from "./errors.js";
export * from "./eval/index.js";
export * from "./export/index.js";
export {
  type BaseImage,
  type BaseImageOptions,
  ensureBaseImage,
  hostDebianRelease,
} from "./images/base.js";
export {
  type BuildImagesOptions,
  type BuildImagesReport,
  buildInstanceImages,
  type InstanceBuildResult,
  repoDirOf,
} from "./images/build.js";
export { ENV_FIXES, type EnvFix } from "./images/env-fixes.js";
export { LayerBuilder, type LayerBuilderOptions, type LayerImage } from "./images/layers.js";
export { instanceImageName, SWEBENCH_NAMESPACE, swegymImageName } from "./images/naming.js";
export {
  detectImporter,
  IMPORT_FORMATS,
  IMPORTERS,
  type Importer,
  type ImportFileResult,
  type ImportFormat,
  type ImportOptions,
  importerFor,
  importFile,
  importFiles,
} from "./importers/index.js";
export { JsonlAppender } from "./io/append.js";
export { AtomicWriter, JsonlWriter, writeFileAtomic, writeJsonlAtomic } from "./io/atomic.js";
export { type JsonlRecord, parseJsonLine, type ReadJsonlOptions, readJsonl } from "./io/jsonl.js";
export { type Line, openDecompressed, readErrorOf, readLines } from "./io/lines.js";
export { safeFileName } from "./io/names.js";
export { readParquetRows } from "./io/parquet.js";
export {
  checkInputDir,
  checkInputFile,
  checkInputFiles,
  ensureOutputDir,
  ensureOutputFile,
  pathErrorAsInputError,
  refuseOutputAmongInputs,
} from "./io/paths.js";
export {
  type ReadRecordsOptions,
  readJsonDocument,
  readParsed,
  readRecords,
  type SourceRecord,
} from "./io/records.js";
export { SkipLog, type SkipReason } from "./io/skip-log.js";
export * from "./pairs/index.js";
export {
  episodePrompts,
  loadPromptTemplates,
  type PromptOverrides,
  type PromptTemplates,
  renderTemplate,
} from "./prompts/templates.js";
export {
  createProvider,
  type ProviderFactory,
  type ProviderOptions,
  parseModelSpec,
  providerPrefixes,
  registerProvider,
} from "./providers/registry.js";
export {
  type CompletionContext,
  type CompletionRequest,
  type CompletionResult,
  ModelError,
  type ModelProvider,
  type Sampling,
  type TokenUsage,
} from "./providers/types.js";
export {
  checkQueueName,
  connectionOptions,
  DEFAULT_QUEUE_NAME,
  type JobKind,
  jobIdOf,
  parseQueueUrl,
  type QueueAddress,
} from "./queue/connection.js";
export {
  type CoordinatorOptions,
  JobCoordinator,
  type JobOutcome,
  type QueueRunOptions,
  type QueueStatus,
  type QueueUnit,
  type WorkerResult,
} from "./queue/coordinator.js";
export * from "./render/index.js";
export {
  DockerEnvironment,
  type DockerLimits,
  DockerRuntime,
  type DockerRuntimeOptions,
  type DockerTaskBase,
  DockerUnavailableError,
  ImageMissingError,
  taskImageName,
} from "./runtime/docker.js";
export {
  LocalEnvironment,
  type LocalEnvironmentOptions,
  LocalRuntime,
  type LocalRuntimeOptions,
  type LocalTaskBase,
} from "./runtime/local.js";
export { PersistentShell, type ShellOptions, type ShellResult } from "./runtime/local-shell.js";
export { MarkerShell, type ShellTransport } from "./runtime/marker-shell.js";
export { chooseRuntime, makeRuntime, parseRuntimeName, type RuntimeName } from "./runtime/select.js";
export type {
  Environment,
  ExecOptions,
  ExecResult,
  OpenOptions,
  PidsLimitMechanism,
  Runtime,
  Shell,
  ShellLimits,
  TaskBase,
} from "./runtime/types.js";
export {
  computePatch,
  type FileOp,
  type FileOpResult,
  fileOp,
  writeFiles as writeFilesInside,
} from "./runtime/workspace-ops.js";
export {
  bwrapAvailable,
  DEFAULT_LIMITS,
  DEFAULT_MOUNT_POINT,
  type RunResult,
  runSandboxed,
  type SandboxLimits,
  type SandboxOptions,
  sandboxArgv,
} from "./sandbox/bwrap.js";
export {
  type BaseWorkspace,
  cloneWorkspace,
  diffAgainstBase,
  type PrepareOptions,
  prepareBase,
  removeWorkspace,
} from "./sandbox/workspace.js";
export { contentText } from "./schema/content.js";
export { PAIR_SCHEMA_VERSION, type Pair, type PairMeta, PairMetaSchema, PairSchema } from "./schema/pair.js";
export {
  type ActionCall,
  modelTurns,
  type Observation,
  type Step,
  steps,
  stepsOfMessages,
} from "./schema/steps.js";
export { isInlineTask, TASK_SCHEMA_VERSION, type Task, type TaskInput, TaskSchema } from "./schema/task.js";
export * from "./schema/trajectory.js";
export { parsePair, parseTask, parseTrajectory, type Where } from "./schema/validate.js";
export { branchReplay } from "./search/branch.js";
export { defaultBudget, INITIAL_SAMPLES, initialSamples } from "./search/budget.js";
export { type SearchCollectOptions, type SearchCollectSummary, searchCollect } from "./search/collect.js";
export { readSearchLog, SEARCH_FILE, type SearchRecord } from "./search/log.js";
export { type BranchChoice, chooseBranch, SIDE_GAP, SIDE_WEIGHT } from "./search/select.js";
export {
  SearchResumeMismatch,
  type SearchUnit,
  searchTask,
  type TaskSearchOptions,
  type TaskSearchResult,
  type UnitOutcome,
} from "./search/task-search.js";
export { type SimGroundTruth, simGroundTruth } from "./sim/ground-truth.js";
export { type FileEdit, parseUnifiedDiff } from "./sim/patch.js";
export {
  DEFAULT_SIM_CONFIG,
  type DecisionName,
  type SimAction,
  type SimConfig,
  type SimDecision,
  simPolicy,
} from "./sim/policy.js";
export {
  createSimProvider,
  parseSimSpec,
  SIM_VERSION,
  SimProvider,
  type SimTurnRecord,
} from "./sim/provider.js";
export {
  type CorpusStats,
  formatStats,
  type GroupStats,
  StatsCollector,
  trajectoryTokens,
} from "./stats/corpus.js";
export {
  type EvalScriptSpec,
  type GradeRequest,
  type HarnessGrade,
  HarnessServer,
  type HarnessSpec,
  HarnessUnavailableError,
  harnessGrade,
  harnessSpecs,
  type ResolutionStatus,
  type SpecRequest,
  type SwebenchInstance,
} from "./swebench/harness.js";
export {
  applyMutation,
  MUTATION_KINDS,
  type Mutation,
  type MutationKind,
  mutationsOf,
} from "./synth/mutate.js";
export {
  detectTestCommand,
  isTestFile,
  type SynthOptions,
  type SynthResult,
  synthesizeTasks,
} from "./synth/synth.js";
export { loadTasks } from "./tasks/load.js";
export type { ToolObservation } from "./tools/observation.js";
export { CODEACT_TOOLS } from "./tools/schemas.js";
export { Toolbox, type ToolboxOptions } from "./tools/toolbox.js";
export * from "./train/index.js";
export { buildTrajectory, contentId, countTurns, type TrajectoryDraft } from "./trajectories/build.js";
export { type ReadTrajectoriesOptions, readTrajectories } from "./trajectories/read.js";
export * from "./tree/index.js";
export {
  HarnessRoute,
  type HarnessValidationReport,
  validateInContainer,
  WarmContainers,
} from "./validate/harness-eval.js";
export * from "./validate/index.js";
export { runValidateJob, type ValidateJobData, type ValidateJobResult } from "./validate/job.js";
export { QueuedValidations, validateRunId } from "./validate/queued.js";
export { SEALIGN_VERSION } from "./version.js";
export * from "./view/index.js";
export {
  type QueueWorker,
  type QueueWorkerOptions,
  startQueueWorker,
  type WorkerStats,
} from "./worker/worker.js";
