/**
 * `pnpm bench` (root; it starts a throwaway PostgreSQL and sets DATABASE_URL): the performance
 * targets of issue 16 as real clients see them, for PGlite (a data directory) and PostgreSQL, printed
 * as ONE markdown table (bench/report.ts) with each figure, its target, the in-run limit's figure,
 * the ratio or difference to it, and whether the target is met.
 *
 * Per database: bulk ingest of synthetic series (bench/synthetic.ts), then RUNS repetitions, each
 * starting the API as shipped (the built server entry in a child process: start-up on the existing
 * data) and measuring, for one year and sixteen years warm (bench/ranges.ts) × the client profiles
 * identity, `gzip, deflate` and `gzip, deflate, br` (bench/client.ts): sequential p50 with the client
 * decoding the body, and req/s at CONNECTIONS connections (autocannon). The limit is a bare
 * node:http server in another child process shipping, from memory, the very bytes the API sent for
 * that path and profile (bench/limit.ts, bench/limit-server.ts); it is measured interleaved with the
 * API — API then limit, limit then API in the next repetition — so the two see the same machine.
 * Then the 64-connection load run of bench/load.ts (API RSS). Progress goes to stderr, the table to
 * stdout. The machine is shared and noisy: read the ratios.
 *
 * Knobs (env): BENCH_RUNS (3), BENCH_SECONDS per load run (3), BENCH_SEQUENTIAL requests per
 * one-year latency run (100; sixteen years: half), BENCH_CONNECTIONS (32), BENCH_EXTRA=1 for the
 * figures that explain the targets (bench/extra.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, vacuumBars } from "@quantdb/db";
import { startReplay } from "@quantdb/replay";
import { decode, getRaw, PROFILES, profileHeaders } from "./client.ts";
import { extraFigures } from "./extra.ts";
import { type CapturedAnswer, captureAnswers, writeLimitManifest } from "./limit.ts";
import { runLoad } from "./load.ts";
import { median, sequentialP50, throughput } from "./measure.ts";
import { type ChildServer, startApi, startLimit, stopServer } from "./processes.ts";
import { historyPath, ONE_YEAR, SIXTEEN_YEARS } from "./ranges.ts";
import { type DatabaseFigures, type Driver, printReport, type ServedFigures } from "./report.ts";
import { ingest, syntheticCode } from "./synthetic.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 100);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const EXTRA = process.env.BENCH_EXTRA === "1";
const RANGES = [ONE_YEAR, SIXTEEN_YEARS];

const LOAD = { connections: CONNECTIONS, seconds: SECONDS };

const started = performance.now();
const step = (message: string) => console.error(`bench: ${message} (${Math.round(performance.now() / 1000)} s)`);

/** Every figure of one database. */
async function benchDatabase(driver: Driver): Promise<DatabaseFigures> {
  const dataDir = driver === "pglite" ? mkdtempSync(join(tmpdir(), "quantdb-bench-")) : undefined;
  const database = dataDir === undefined ? { url: process.env.DATABASE_URL! } : { dataDir };
  const open = () => openDatabase(dataDir === undefined ? { url: process.env.DATABASE_URL } : { dataDir });
  const limitDir = mkdtempSync(join(tmpdir(), "quantdb-limit-"));
  const replay = await startReplay();
  let limit: ChildServer | undefined;
  try {
    step(`${driver}: bulk ingest`);
    const handle = await open();
    const perRun = driver === "postgres" ? 10 : 2;
    const ingestRuns: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const codes = Array.from({ length: perRun }, (_, i) => syntheticCode(r * perRun + i));
      ingestRuns.push(await ingest(handle, codes));
    }
    await vacuumBars(handle.db);
    await handle.close();

    let shipped: CapturedAnswer[] = [];
    let served: ServedFigures[] = [];
    const startups: number[] = [];
    const notes: string[] = [];
    for (let r = 0; r < RUNS; r++) {
      const api = await startApi({ database, replayUrl: replay.url });
      startups.push(api.readyMs);
      step(`${driver}: run ${r + 1}/${RUNS}, API ready in ${Math.round(api.readyMs)} ms`);
      try {
        await warm(api.url);
        if (limit === undefined) {
          shipped = await captureAnswers(api.url, RANGES.map(historyPath), PROFILES);
          limit = await startLimit(writeLimitManifest(limitDir, shipped));
          served = shipped.map(describe);
        }
        for (const cell of served) {
          // API first in odd repetitions, the limit first in even ones
          cell.pairs.push(await measurePair(api, limit, cell, r % 2 === 0));
          step(`${driver}: run ${r + 1}/${RUNS}, ${cell.range.name} ${cell.profile.name}`);
        }
        // the comparison holds only while the API sends the bytes the limit ships
        const now = await captureAnswers(api.url, RANGES.map(historyPath), PROFILES);
        now.forEach((answer, i) => {
          if (answer.body.equals(shipped[i]!.body)) return;
          const { range, profile } = served[i]!;
          const sent = `${answer.contentEncoding ?? "identity"}, ${answer.body.length} B`;
          notes.push(`${range.name} ${profile.name}: after run ${r + 1} the API sent other bytes (${sent})`);
        });
      } finally {
        await stopServer(api);
      }
    }

    step(`${driver}: load.ts (64 connections)`);
    const databaseUrl = "url" in database ? database.url : undefined;
    const load = await runLoad({ databaseUrl, seconds: Math.max(5, SECONDS * 2) });

    let extra: Record<string, number> | undefined;
    if (EXTRA) {
      step(`${driver}: extra figures`);
      extra = await extraFigures({ open, database, replay, runs: RUNS, sequential: SEQUENTIAL, ...LOAD });
    }
    return { driver, served, ingest: median(ingestRuns), startupMs: median(startups), load, notes, extra };
  } finally {
    if (limit) await stopServer(limit);
    await replay.close();
    rmSync(limitDir, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Ask the API for every range as every profile twice, so the measured requests are hits. */
async function warm(baseUrl: string): Promise<void> {
  for (const range of RANGES)
    for (const profile of PROFILES)
      for (let i = 0; i < 2; i++) {
        const answer = await getRaw(baseUrl + historyPath(range), profileHeaders(profile));
        if (answer.status !== 200)
          throw new Error(`warm-up ${range.name} (${profile.name}): ${answer.status} ${answer.body.toString()}`);
      }
}

/** A captured answer as the report describes it, before any measurement. */
function describe(answer: CapturedAnswer): ServedFigures {
  const range = RANGES.find((r) => historyPath(r) === answer.path)!;
  const { data } = JSON.parse(decode(answer.body, answer.contentEncoding).toString()) as { data: unknown[] };
  const encoding = answer.contentEncoding ?? "identity";
  return { range, profile: answer.profile, encoding, bytes: answer.body.length, bars: data.length, pairs: [] };
}

/** One repetition of a range × profile: sequential p50 and req/s, of the API and the limit back to back. */
async function measurePair(api: ChildServer, limit: ChildServer, cell: ServedFigures, apiFirst: boolean) {
  const path = historyPath(cell.range);
  const n = cell.range === ONE_YEAR ? SEQUENTIAL : Math.ceil(SEQUENTIAL / 2);
  const [apiP50, limitP50] = await backToBack(
    apiFirst,
    () => sequentialP50(api.url + path, cell.profile, n),
    () => sequentialP50(limit.url + path, cell.profile, n),
  );
  const [apiLoad, limitLoad] = await backToBack(
    apiFirst,
    () => throughput(api.url + path, cell.profile, { ...LOAD, pid: api.process.pid }),
    () => throughput(limit.url + path, cell.profile, LOAD),
  );
  return {
    apiP50,
    limitP50,
    apiRps: apiLoad.rps,
    limitRps: limitLoad.rps,
    apiRssMb: apiLoad.rssMb,
    errors: apiLoad.errors + limitLoad.errors,
  };
}

/** `forApi` and `forLimit` one after the other, in the order asked; [API's result, limit's result]. */
async function backToBack<T>(apiFirst: boolean, forApi: () => Promise<T>, forLimit: () => Promise<T>) {
  if (apiFirst) {
    const api = await forApi();
    return [api, await forLimit()] as const;
  }
  const limit = await forLimit();
  return [await forApi(), limit] as const;
}

const loadBefore = loadavg()[0]!;
const drivers: Driver[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
const results: DatabaseFigures[] = [];
for (const driver of drivers) results.push(await benchDatabase(driver));
printReport(results, { ...LOAD, runs: RUNS, loadBefore, wallSeconds: (performance.now() - started) / 1000 });
