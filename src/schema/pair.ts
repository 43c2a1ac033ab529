import { z } from "zod";
import { AssistantMessageSchema, MessageSchema, ToolSchema } from "./trajectory.js";

/**
 * A preference pair, the output of `sealign pairs` and the input of `sealign export dpo`
 * (see docs/schema.md). It is already in TRL's conversational preference shape
 * (`prompt` / `chosen` / `rejected` / `tools`) plus metadata.
 *
 * - `critical`: METHOD.md section 1 step 7. `prompt` is the shared prefix up to a critical
 *   decision; `chosen` and `rejected` each hold exactly one assistant message, the two next
 *   actions exactly as the model produced them (thought and tool calls).
 * - `trajectory`: the "w/o fine-grained score" ablation: the task prompt, then a whole successful
 *   continuation vs a whole failed one (assistant, tool and user messages).
 */
export const PAIR_SCHEMA_VERSION = "sealign.pair/1";

export const PairMetaSchema = z
  .object({
    /** Step keys from the root to the decision node (the parent of both actions). */
    node_path: z.array(z.string()).default([]),
    /** Number of assistant actions in the shared prefix (0 = decision at the first step). */
    depth: z.number().int().nonnegative(),
    chosen_score: z.number().min(0).max(1),
    rejected_score: z.number().min(0).max(1),
    gap: z.number().min(0).max(1),
    parent_visits: z.number().int().nonnegative(),
    chosen_visits: z.number().int().nonnegative(),
    rejected_visits: z.number().int().nonnegative(),
    /** Trajectories whose path runs through the chosen / rejected child. */
    chosen_trajectory_ids: z.array(z.string()).default([]),
    rejected_trajectory_ids: z.array(z.string()).default([]),
    /** Tool names of the chosen and rejected actions. */
    chosen_tools: z.array(z.string()).default([]),
    rejected_tools: z.array(z.string()).default([]),
  })
  .passthrough();
export type PairMeta = z.infer<typeof PairMetaSchema>;

export const PairSchema = z
  .object({
    schema_version: z.literal(PAIR_SCHEMA_VERSION),
    id: z.string().min(1),
    task_id: z.string().min(1),
    kind: z.enum(["critical", "trajectory"]),
    prompt: z.array(MessageSchema).min(1),
    chosen: z.array(MessageSchema).min(1),
    rejected: z.array(MessageSchema).min(1),
    tools: z.array(ToolSchema),
    meta: PairMetaSchema,
    /** Options and versions that produced this pair. */
    provenance: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough()
  .superRefine((pair, ctx) => {
    if (pair.kind !== "critical") return;
    for (const side of ["chosen", "rejected"] as const) {
      const messages = pair[side];
      if (messages.length !== 1 || !AssistantMessageSchema.safeParse(messages[0]).success) {
        ctx.addIssue({
          code: "custom",
          path: [side],
          message: "a critical pair holds exactly one assistant message per side",
        });
      }
    }
  });
export type Pair = z.infer<typeof PairSchema>;
