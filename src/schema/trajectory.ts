import { z } from "zod";

/**
 * The trajectory: the one contract between pipeline stages (see docs/schema.md).
 *
 * A trajectory is the whole record of one agent episode on one task: the tools the model was
 * offered, the conversation in OpenAI chat format (assistant `tool_calls`, `tool` results),
 * the final patch, the outcome and where it came from. Steps (action, observation) are derived
 * from `messages` by `steps()` and never stored twice.
 */
export const TRAJECTORY_SCHEMA_VERSION = "sealign.trajectory/1";

/** A function tool offered to the model, as in the OpenAI `tools` request field. */
export const ToolSchema = z
  .object({
    type: z.literal("function"),
    function: z
      .object({
        name: z.string().min(1),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
      })
      .passthrough(),
  })
  .passthrough();
export type Tool = z.infer<typeof ToolSchema>;

/** A text or image content part (OpenAI multi-part content). */
export const ContentPartSchema = z.object({ type: z.string(), text: z.string().optional() }).passthrough();
export type ContentPart = z.infer<typeof ContentPartSchema>;

const content = z.union([z.string(), z.array(ContentPartSchema), z.null()]);

export const ToolCallSchema = z
  .object({
    id: z.string(),
    type: z.literal("function").default("function"),
    function: z.object({
      name: z.string(),
      /** The arguments exactly as the model produced them: a JSON string, possibly malformed. */
      arguments: z.string(),
    }),
  })
  .passthrough();
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const SystemMessageSchema = z
  .object({ role: z.literal("system"), content, name: z.string().optional() })
  .passthrough();
export const UserMessageSchema = z
  .object({ role: z.literal("user"), content, name: z.string().optional() })
  .passthrough();
export const AssistantMessageSchema = z
  .object({
    role: z.literal("assistant"),
    content: content.default(null),
    /** Separate reasoning text when the server returns it (e.g. `reasoning_content` of vLLM). */
    reasoning_content: z.string().optional(),
    tool_calls: z.array(ToolCallSchema).optional(),
  })
  .passthrough();
export const ToolMessageSchema = z
  .object({
    role: z.literal("tool"),
    tool_call_id: z.string(),
    name: z.string().optional(),
    content,
  })
  .passthrough();

export const MessageSchema = z.discriminatedUnion("role", [
  SystemMessageSchema,
  UserMessageSchema,
  AssistantMessageSchema,
  ToolMessageSchema,
]);
export type Message = z.infer<typeof MessageSchema>;
export type AssistantMessage = z.infer<typeof AssistantMessageSchema>;
export type ToolMessage = z.infer<typeof ToolMessageSchema>;

/** Why an episode ended. `unknown` when the source does not say. */
export const EXIT_REASONS = [
  "finished",
  "max_turns",
  "context",
  "stuck",
  "time_limit",
  "cost_limit",
  "model_error",
  "sandbox_error",
  "unknown",
] as const;
export const ExitReasonSchema = z.enum(EXIT_REASONS);
export type ExitReason = z.infer<typeof ExitReasonSchema>;

/** Pass/fail lists per test group, as in SWE-bench's `tests_status`. */
const testGroup = z.object({ success: z.array(z.string()), failure: z.array(z.string()) });

/** The result of running a task's tests on the trajectory's patch (filled by `validate`). */
export const TestReportSchema = z
  .object({
    patch_is_None: z.boolean().default(false),
    patch_exists: z.boolean(),
    patch_successfully_applied: z.boolean(),
    resolved: z.boolean(),
    /** How the patch was applied: git apply, git apply --reject, patch --fuzz. */
    apply_method: z.string().nullable().default(null),
    timed_out: z.boolean().default(false),
    tests_status: z
      .object({ FAIL_TO_PASS: testGroup, PASS_TO_PASS: testGroup })
      .partial()
      .passthrough()
      .default({}),
    /** Test command exit code, when the tests ran. */
    exit_code: z.number().int().nullable().default(null),
    duration_s: z.number().nonnegative().nullable().default(null),
    log_path: z.string().optional(),
    /** True when this verdict came from the validation cache. */
    cached: z.boolean().default(false),
    /** Which parser read the test log: junit, pytest, unittest, node or exit-code; null when no test ran. */
    parser: z.string().nullable().default(null),
    /** A failure of the validation harness itself (not of the patch); the verdict is then unknown. */
    error: z.string().nullable().default(null),
  })
  .passthrough();
export type TestReport = z.infer<typeof TestReportSchema>;

export const OutcomeSchema = z
  .object({
    /** true / false when tests (or the source) decided it; null when unknown. */
    resolved: z.boolean().nullable().default(null),
    exit_reason: ExitReasonSchema.default("unknown"),
    /** The source's own wording of the exit reason, kept verbatim. */
    exit_detail: z.string().optional(),
    report: TestReportSchema.nullable().default(null),
    /** Labels such as OpenHands' stuck rules (`stuck:repeated_action_observation`). */
    labels: z.array(z.string()).default([]),
  })
  .passthrough();
export type Outcome = z.infer<typeof OutcomeSchema>;

export const SamplingSchema = z
  .object({
    temperature: z.number().optional(),
    top_p: z.number().optional(),
    max_tokens: z.number().int().optional(),
    seed: z.number().int().optional(),
  })
  .passthrough();

/** Where a branched episode came from (`provenance.branch`). */
export const BranchSchema = z.object({
  /** The trajectory whose prefix was replayed. */
  trajectory_id: z.string().min(1),
  /** Assistant turns replayed from it (the model generated the turns from this one on). */
  turn: z.number().int().nonnegative(),
  /** The search round that chose this branch (1 = the first after the initial samples). */
  round: z.number().int().nonnegative(),
});
export type Branch = z.infer<typeof BranchSchema>;

export const ProvenanceSchema = z
  .object({
    /** Agent scaffold that produced the run: sealign, openhands, swe-agent, mini-swe-agent, ... */
    scaffold: z.string(),
    scaffold_version: z.string().optional(),
    model: z.string().default("unknown"),
    sampling: SamplingSchema.default({}),
    run_id: z.string().optional(),
    /** Index of this sample among the task's samples in its run. */
    sample_index: z.number().int().nonnegative().optional(),
    sealign_version: z.string(),
    created_at: z.string().optional(),
    /** Where an imported trajectory came from. */
    source: z.object({ format: z.string(), file: z.string(), line: z.number().int().optional() }).optional(),
    /**
     * Set on an episode that a tree search started from another trajectory's state
     * (docs/search.md): its first `turn` assistant turns were replayed from `trajectory_id`
     * (messages copied as recorded), the model generated the turns from `turn` on; `round` is the
     * search round that chose the branch.
     */
    branch: BranchSchema.optional(),
  })
  .passthrough();
export type Provenance = z.infer<typeof ProvenanceSchema>;

export const UsageSchema = z
  .object({
    /** Assistant turns. */
    turns: z.number().int().nonnegative(),
    prompt_tokens: z.number().int().nonnegative().nullable().default(null),
    completion_tokens: z.number().int().nonnegative().nullable().default(null),
    total_tokens: z.number().int().nonnegative().nullable().default(null),
    /** True when token figures were estimated rather than reported by the model server. */
    tokens_estimated: z.boolean().default(false),
    cost_usd: z.number().nonnegative().nullable().default(null),
    seconds: z.number().nonnegative().nullable().default(null),
    /** Tool invocations that failed to parse or named an unknown tool or missed an argument. */
    tool_errors: z.number().int().nonnegative().default(0),
  })
  .passthrough();
export type Usage = z.infer<typeof UsageSchema>;

export const TrajectorySchema = z
  .object({
    schema_version: z.literal(TRAJECTORY_SCHEMA_VERSION),
    id: z.string().min(1),
    task_id: z.string().min(1),
    provenance: ProvenanceSchema,
    tools: z.array(ToolSchema),
    /** Empty only for patch-only records (SWE-bench predictions), marked metadata.patch_only. */
    messages: z.array(MessageSchema),
    /** Final patch as a unified diff; "" when no file was changed; null when unknown. */
    patch: z.string().nullable(),
    outcome: OutcomeSchema,
    usage: UsageSchema,
    /** What an importer could not map from its source, one line each. */
    import_notes: z.array(z.string()).default([]),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough();
export type Trajectory = z.infer<typeof TrajectorySchema>;
export type TrajectoryInput = z.input<typeof TrajectorySchema>;
