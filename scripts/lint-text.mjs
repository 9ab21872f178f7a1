/**
 * The two checks of `pnpm lint` that Biome has no rule for (docs/adr/0006-lint-and-format.md):
 * - no line over 120 characters in code, shell, YAML or CSS (the formatter wraps code at 120 but leaves
 *   comments and string literals as they are);
 * - every document a comment cites (a `*.md` path, or "ADR 0004") exists in the repository.
 * Usage: node scripts/lint-text.mjs [files...] (default: every file git tracks or would track).
 * Exits 1 and prints `file:line: ...` for each violation.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

export const MAX_LINE = 120;
const root = execFileSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" }).trim();
const CODE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const HASH_COMMENTS = /(\.(sh|ya?ml)|^\.ci\/run|(^|\/)Dockerfile)$/;
const CHECKED = new RegExp(`${CODE.source}|\\.css$|${HASH_COMMENTS.source}`);
// Generated or recorded files (the same list as biome.jsonc's files.includes).
const SKIPPED = new RegExp(
  [
    "(^|/)fixtures/",
    "^packages/core/src/calendar/data/",
    "^packages/db/migrations/",
    "^packages/sdk/openapi\\.json$",
    "^packages/sdk/src/openapi\\.d\\.ts$",
    "^pnpm-lock\\.yaml$",
  ].join("|"),
);

const files = (
  process.argv.length > 2
    ? process.argv.slice(2).map((f) => relative(root, join(process.cwd(), f)))
    : execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
).filter((f) => CHECKED.test(f) && !SKIPPED.test(f) && existsSync(join(root, f)));

/** The comment text of each line (empty where the line has none): `//` and block comments, or `#`. */
function commentsOf(file, lines) {
  if (HASH_COMMENTS.test(file)) return lines.map((l) => /(^|\s)#(?!!)(.*)$/.exec(l)?.[2] ?? "");
  let inBlock = false;
  return lines.map((line) => {
    let text = "";
    let rest = line;
    for (;;) {
      if (inBlock) {
        const end = rest.indexOf("*/");
        text += ` ${end < 0 ? rest : rest.slice(0, end)}`;
        if (end < 0) break;
        inBlock = false;
        rest = rest.slice(end + 2);
      }
      const block = rest.search(/\/\*/);
      const lineComment = rest.search(/(^|[^:])\/\//);
      if (lineComment >= 0 && (block < 0 || lineComment < block)) {
        text += ` ${rest.slice(lineComment).replace(/^[^/]?\/\//, "")}`;
        break;
      }
      if (block < 0) break;
      inBlock = true;
      rest = rest.slice(block + 2);
    }
    return text;
  });
}

const adrs = readdirSync(join(root, "docs/adr")).map((name) => name.slice(0, 4));
/** Where a cited path may be: beside the file, at its package's root, or at the repository's root. */
function cited(file, ref) {
  let dir = dirname(file);
  const bases = [dir];
  while (dir !== "." && dir !== "") {
    if (existsSync(join(root, dir, "package.json"))) bases.push(dir);
    dir = dirname(dir);
  }
  bases.push(".");
  return bases.some((base) => existsSync(join(root, base, ref)));
}

const problems = [];
for (const file of files) {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  lines.forEach((line, i) => {
    if (line.length > MAX_LINE) problems.push(`${file}:${i + 1}: ${line.length} characters (at most ${MAX_LINE})`);
  });
  if (!CODE.test(file) && !HASH_COMMENTS.test(file)) continue;
  commentsOf(file, lines).forEach((comment, i) => {
    const text = comment.replace(/https?:\/\/\S+/g, "");
    for (const { 1: ref, index } of text.matchAll(/(?<![\w/.@-])((?:\.{1,2}\/|[\w@-][\w.@-]*\/)*[\w.-]+\.md)\b/g)) {
      // A path in another repository, named just before it ("akfamily/akshare `docs/x.md`"), is not ours.
      if (/\b[\w.-]+\/[\w.-]+ `$/.test(text.slice(0, index))) continue;
      if (!cited(file, ref)) problems.push(`${file}:${i + 1}: cites ${ref}, which is not in the repository`);
    }
    for (const [, number] of text.matchAll(/\bADR[ -]?(\d{4})\b/g)) {
      if (!adrs.includes(number))
        problems.push(`${file}:${i + 1}: cites ADR ${number}; docs/adr has no ${number}-*.md`);
    }
  });
}

for (const problem of problems) console.log(problem);
console.log(`${basename(import.meta.filename)}: ${files.length} files, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
