import type { Command } from "commander";
import { z } from "zod";
import { InputError } from "../errors.js";
import { PairSchema } from "../schema/pair.js";
import { TaskSchema } from "../schema/task.js";
import { TrajectorySchema } from "../schema/trajectory.js";

/** The record schemas sealign reads and writes, by name. */
const SCHEMAS = { task: TaskSchema, trajectory: TrajectorySchema, pair: PairSchema } as const;

/**
 * The JSON Schema of a record type, for tools outside sealign that produce or check its files.
 * `io: "input"` describes what sealign accepts (defaults optional, F2P/P2P lists or JSON strings).
 */
export function jsonSchemaOf(name: keyof typeof SCHEMAS): Record<string, unknown> {
  return z.toJSONSchema(SCHEMAS[name], { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

/** `sealign schema task|trajectory|pair` */
export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description(
      "print the JSON Schema of a record type (task, trajectory, pair) for tools that feed sealign",
    )
    .argument("<type>", `one of ${Object.keys(SCHEMAS).join(", ")}`)
    .action((type: string) => {
      if (!(type in SCHEMAS))
        throw new InputError(`unknown record type "${type}" (known: ${Object.keys(SCHEMAS).join(", ")})`);
      process.stdout.write(`${JSON.stringify(jsonSchemaOf(type as keyof typeof SCHEMAS), null, 2)}\n`);
    });
}
