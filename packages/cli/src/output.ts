/** Where commands write: results to stdout, notes and progress to stderr. */

/** A user error: printed without a stack trace, exit code 1 (or `exitCode`). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Output helpers (injectable for tests). */
export interface Output {
  /** A result line (stdout). */
  line(text: string): void;
  /** Pretty JSON (stdout). */
  json(value: unknown): void;
  /** Rows as an aligned table (stdout). */
  table(rows: Record<string, string | number | null>[]): void;
  /** A note for the operator (stderr). */
  info(text: string): void;
  /** Whether stdout is a terminal (progress bar) or not (plain lines). */
  readonly interactive: boolean;
}

/** Output on the process's streams. */
export const processOutput: Output = {
  line: (text) => void process.stdout.write(`${text}\n`),
  json: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  table(rows) {
    if (rows.length === 0) return;
    const keys = Object.keys(rows[0]!);
    const cells = [keys, ...rows.map((r) => keys.map((k) => String(r[k] ?? "-")))];
    const widths = keys.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
    for (const c of cells)
      process.stdout.write(
        `${c
          .map((v, i) => v.padEnd(widths[i]!))
          .join("  ")
          .trimEnd()}\n`,
      );
  },
  info: (text) => void process.stderr.write(`${text}\n`),
  get interactive() {
    return Boolean(process.stdout.isTTY);
  },
};
