/** The result of one tool call, as the agent loop needs it. */
export interface ToolObservation {
  /** Text sent back to the model in the `tool` message. */
  content: string;
  /** The call did something but failed (non-zero exit, editor error): for stuck rule 2. */
  isError: boolean;
  /** The call itself was malformed (unknown tool, bad JSON, missing/invalid argument). */
  toolError: boolean;
  /** For execute_bash: the exit code (null when still running or killed). */
  exitCode?: number | null;
  /** The model called `finish`. */
  finish?: boolean;
}
