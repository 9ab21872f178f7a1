#!/usr/bin/env node
// Sum the vitest JSON reports (test-results.json in each package) into the plain closing line the
// CI reader expects: "N passed, N failed". Exits 1 when any test failed, any suite failed to run,
// or no report was found at all.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
let brokenSuites = 0;
const reports = [];
for (const group of ["packages", "apps"]) {
  for (const name of readdirSync(join(root, group))) {
    const file = join(root, group, name, "test-results.json");
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, "utf8"));
    reports.push(`${group}/${name}`);
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // a file that failed to load or crashed counts as a failure even if no test inside it ran
    brokenSuites += (report.testResults ?? []).filter(
      (s) => s.status === "failed" && (s.assertionResults ?? []).every((a) => a.status !== "failed"),
    ).length;
  }
}
failed += brokenSuites;
if (reports.length === 0) console.error("test-summary: no test-results.json found");
else console.error(`test-summary: ${reports.join(", ")}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || reports.length === 0 ? 1 : 0);
