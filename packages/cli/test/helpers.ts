/**
 * Driving the CLI as a user does: `node bin/quantdb.mjs …` in a child process, against a real
 * database (a temp PGlite data dir, or a fresh PostgreSQL database) and the replay upstream.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { openDatabase, type DatabaseHandle } from "@quantdb/db";
import { openTestDatabase, type TestDriver } from "@quantdb/db/testing";
import { startReplay, upstreamEnv, type ReplayServer } from "@quantdb/replay";
import { afterAll, beforeAll } from "vitest";

const BIN = fileURLToPath(new URL("../bin/quantdb.mjs", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** Friday 2026-11-20, 20:00 in Shanghai and Hong Kong: every session up to then is final. */
export const NOW = "2026-11-20T12:00:00Z";

/** Where a test's CLI runs store data, and how the test itself opens it. */
export interface Target {
  driver: TestDriver;
  env: Record<string, string>;
  /**
   * Open the database in the test process. PGlite must not be open while a CLI process uses the
   * same data dir, so close it before the next run.
   */
  open(): Promise<DatabaseHandle>;
  dispose(): Promise<void>;
}

/** A fresh database for one test: a temp PGlite dir, or a new PostgreSQL database. */
export async function freshTarget(driver: TestDriver): Promise<Target> {
  if (driver === "pglite") {
    const dir = mkdtempSync(join(tmpdir(), "quantdb-cli-"));
    return {
      driver,
      env: { QUANTDB_DATA_DIR: dir },
      open: () => openDatabase({ dataDir: dir }),
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const handle = await openTestDatabase("postgres");
  const url = handle.location;
  return {
    driver,
    env: { DATABASE_URL: url },
    open: async () => ({ ...(await openDatabase({ url })) }),
    dispose: () => handle.close(),
  };
}

/** The CLI's environment: the target database, every upstream at the replay, a frozen clock. */
export function cliEnv(target: Target, replay: ReplayServer): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  return {
    ...inherited,
    ...target.env,
    ...upstreamEnv(replay),
    QUANTDB_UPSTREAM_TIMEOUT_MS: "10000",
    QUANTDB_NOW: NOW,
    NO_COLOR: "1",
  };
}

/** A finished CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process. */
export interface CliProcess {
  child: ChildProcess;
  /** Resolves once a stdout line matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  done: Promise<CliResult>;
}

/** Spawn `quantdb <args>`. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const line of chunk.split("\n")) {
      for (const w of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return {
    child,
    done,
    waitForLine(pattern, timeoutMs = 90_000) {
      const existing = stdout.split("\n").find((line) => pattern.test(line));
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`),
            ),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void done.then(() => {
          clearTimeout(timer);
          reject(new Error(`process ended before a line matched ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`));
        });
      });
    },
  };
}

/** Run `quantdb <args>` to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return startCli(args, env).done;
}

/** What {@link cliSuite} gives a describe block: read these inside tests (they are set in beforeAll). */
export interface CliSuite {
  readonly replay: ReplayServer;
  readonly target: Target;
  /** The CLI's environment for this suite's target and replay (see {@link cliEnv}). */
  env(): NodeJS.ProcessEnv;
}

/**
 * The lifecycle every CLI suite shares: a replay upstream and a fresh target started before the
 * block's tests and disposed after them (call inside `describe`).
 */
export function cliSuite(driver: TestDriver): CliSuite {
  let replay: ReplayServer | undefined;
  let target: Target | undefined;
  beforeAll(async () => {
    replay = await startReplay();
    target = await freshTarget(driver);
  });
  afterAll(async () => {
    await target?.dispose();
    await replay?.close();
  });
  return {
    get replay() {
      return replay!;
    },
    get target() {
      return target!;
    },
    env: () => cliEnv(target!, replay!),
  };
}
