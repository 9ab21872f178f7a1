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

/** East Asian wide and fullwidth characters (CJK, kana, hangul, fullwidth forms): two terminal columns each. */
const WIDE = new RegExp(
  `[${[
    "\u1100-\u115f", // hangul jamo
    "\u2e80-\u303e\u3041-\u33ff", // CJK radicals, punctuation, kana, compatibility
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff", // CJK ideographs
    "\ua000-\ua4cf\uac00-\ud7a3", // yi, hangul syllables
    "\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6", // CJK compatibility and fullwidth forms
  ].join("")}]`,
  "gu",
);

/** Terminal columns `text` takes (a stock name such as 贵州茅台 takes 8). */
export function displayWidth(text: string): number {
  return text.length + (text.match(WIDE)?.length ?? 0);
}

/** Output on the process's streams. */
export const processOutput: Output = {
  line: (text) => void process.stdout.write(`${text}\n`),
  json: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  table(rows) {
    if (rows.length === 0) return;
    const keys = Object.keys(rows[0]!);
    const cells = [keys, ...rows.map((r) => keys.map((k) => String(r[k] ?? "-")))];
    const widths = keys.map((_, i) => Math.max(...cells.map((c) => displayWidth(c[i]!))));
    for (const c of cells)
      process.stdout.write(
        `${c
          .map((v, i) => v + " ".repeat(widths[i]! - displayWidth(v)))
          .join("  ")
          .trimEnd()}\n`,
      );
  },
  info: (text) => void process.stderr.write(`${text}\n`),
  get interactive() {
    return Boolean(process.stdout.isTTY);
  },
};
