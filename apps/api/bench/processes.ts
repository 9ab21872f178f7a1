/**
 * Child-process helpers shared by the benchmarks (history.ts, load.ts): the API's server entry as
 * shipped, a free loopback port for it, its readiness, and its resident memory.
 */
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The API package's folder (the child processes' working directory). */
export const API_DIR = join(HERE, "..");

/**
 * Node arguments that run the API server: the built entry (dist/index.mjs, what `pnpm start:api`
 * runs; `pnpm bench` builds it first) when present, else the source through tsx.
 */
export function apiEntryArgs(): string[] {
  const built = join(API_DIR, "dist", "index.mjs");
  return existsSync(built) ? [built] : ["--import", "tsx", join(API_DIR, "src", "index.ts")];
}

export { freePort } from "@quantdb/replay";

/**
 * Poll `url` (a fresh connection each time) every `intervalMs` until it answers 200.
 * @throws when `exited()` turns true first, or after `timeoutMs`.
 */
export async function waitUntilReady(
  url: string,
  exited: () => boolean,
  { timeoutMs = 120_000, intervalMs = 10 } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error("the API process exited before it was ready");
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get(url, { agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on("error", () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resident set size of a process, MiB (Linux /proc); NaN when unreadable. */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}
