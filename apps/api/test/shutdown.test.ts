/**
 * Clean shutdown (issue 14 §6): the real server entry as its own process, on a PGlite data
 * directory and on PostgreSQL, upstream at a slow replay. SIGTERM while requests are in flight:
 * new connections are refused at once, every request in flight still gets its complete 200, and the
 * process exits 0 after the drain (database closed).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDatabase, testDrivers } from "@quantdb/db/testing";
import { startReplay, upstreamEnv, type ReplayServer } from "@quantdb/replay";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { API_DIR, freePort } from "../bench/processes.ts";
import { AFTER_CLOSE, fetchParsed } from "@quantdb/server/testing";

const KLINE = { path: "/api/qt/stock/kline/get" };

/** Whether a fresh connection to `url` is refused (the server stopped listening); false once it is answered. */
function refused(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        resolve(false);
      })
      .on("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

describe.each(testDrivers())("SIGTERM with requests in flight on %s", (driver) => {
  let replay: ReplayServer;
  let databaseEnv: Record<string, string>;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    replay = await startReplay();
    if (driver === "pglite") {
      const dir = mkdtempSync(join(tmpdir(), "quantdb-shutdown-"));
      databaseEnv = { QUANTDB_DATA_DIR: dir };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const database = await openTestDatabase("postgres");
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = new URL(database.location).pathname;
      databaseEnv = { DATABASE_URL: url.toString() };
      cleanup = () => database.close();
    }
  }, 60_000);
  afterAll(async () => {
    await replay?.close();
    await cleanup?.();
  });

  it("refuses new connections, finishes in-flight requests with a full 200, closes the database, exits 0", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
      cwd: API_DIR,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        PORT: String(port),
        HOST: "127.0.0.1",
        ...databaseEnv,
        ...upstreamEnv(replay),
        QUANTDB_NOW: AFTER_CLOSE,
        QUANTDB_DAILY_INGEST: "off",
        QUANTDB_AUTH: "off",
        QUANTDB_RATE_LIMIT: "off",
        QUANTDB_LOG_LEVEL: "info",
        QUANTDB_UPSTREAM_RATE_PER_SECOND: "0",
        QUANTDB_UPSTREAM_CONCURRENCY: "8",
        QUANTDB_UPSTREAM_TIMEOUT_MS: "20000",
        QUANTDB_UPSTREAM_TOTAL_TIMEOUT_MS: "30000",
        QUANTDB_SHUTDOWN_GRACE_MS: "30000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    try {
      await vi.waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
          expect((await fetchParsed(`${url}/ready`)).status).toBe(200);
        },
        { timeout: 60_000, interval: 100 },
      );

      // Ten requests over six series (six instruments, qfq), each upstream call ~3 s.
      replay.setLatency(3000);
      const series = ["600519", "000001", "300750", "688981", "430047", "830799"].map((code) => `${code}?adjust=qfq`);
      const inFlight = Array.from({ length: 10 }, (_, i) =>
        fetchParsed(
          `${url}/api/v1/historical/stock/${series[i % series.length]}&start_date=20240102&end_date=20240329`,
        ).catch((error: unknown) => ({ status: 0, body: String(error), headers: new Headers(), text: "" })),
      );
      await vi.waitFor(() => expect(replay.requestCount(KLINE)).toBeGreaterThanOrEqual(series.length), {
        timeout: 30_000,
        interval: 20,
      });
      // The four requests that share a series make no upstream call of their own, so the count above does
      // not show they reached the server. A request on a connection opened after theirs being answered
      // does: the server accepts connections in order and reads each request as it comes.
      expect(await refused(`${url}/health`)).toBe(false);

      child.kill("SIGTERM");
      await vi.waitFor(async () => expect(await refused(`${url}/health`)).toBe(true), {
        timeout: 10_000,
        interval: 20,
      });
      const answers = await Promise.all(inFlight);
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
        // Still in flight when draining began: the drain marks exactly those answers Connection: close.
        expect(answer.headers.get("connection")).toBe("close");
        expect(answer.body.metadata).toMatchObject({ complete: true });
        expect(answer.body.data.length).toBeGreaterThan(0);
      }
      expect(await exited).toBe(0);
      expect(output).toMatch(/SIGTERM: shutting down/);
      expect(output).toMatch(/stopped \(\d+ request\(s\) were in flight, 0 cut\)/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    }
  }, 120_000);
});
