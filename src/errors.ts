/**
 * Errors about bad input carry where the problem is (file, line, field) so the CLI can print one
 * precise line and exit with code 2.
 */
export class InputError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly field: string | undefined;

  constructor(message: string, where: { file?: string; line?: number; field?: string } = {}) {
    super(formatWhere(where) + message);
    this.name = "InputError";
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}

function formatWhere(where: { file?: string; line?: number; field?: string }): string {
  const parts: string[] = [];
  if (where.file) parts.push(where.line !== undefined ? `${where.file}:${where.line}` : where.file);
  else if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.field) parts.push(`field ${where.field}`);
  return parts.length ? `${parts.join(": ")}: ` : "";
}

/** Exit codes used by every command. */
export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;
