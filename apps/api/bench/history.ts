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
 * Indicators (issue 18): one year of 600519 qfq with a realistic indicator set (bench/ranges.ts) as
 * `gzip, deflate`, once its bars and warm-up bars are held: the p50 of the API's own time
 * (`Server-Timing: total`) for the answer reused from the body cache (and the client's p50 against
 * the limit shipping the same bytes), and for the same request answered by the API started with
 * QUANTDB_BODY_CACHE_MB=0, which computes every answer from the held bars.
 * Then the 64-connection load run of bench/load.ts (API RSS). Last, once (on PostgreSQL when
 * DATABASE_URL is set, else PGlite), the live-quote fan-out of bench/fanout.ts: poll → every
 * subscriber's socket with 100 and 1,000 SSE subscribers, and the server's RSS, against a bare
 * node:http fan-out. Progress goes to stderr, the table to stdout. The machine is shared and noisy:
 * read the ratios.
 *
 * Knobs (env): BENCH_RUNS (3), BENCH_SECONDS per load run (3), BENCH_SEQUENTIAL requests per
 * one-year latency run (100; sixteen years: half), BENCH_CONNECTIONS (32), BENCH_EXTRA=1 for the
 * figures that explain the targets (bench/extra.ts), BENCH_FANOUT=0 to skip the fan-out,
 * BENCH_FANOUT_SECONDS (5) and BENCH_FANOUT_INTERVAL_MS (100) for it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, vacuumBars } from "@quantdb/db";
import { startReplay } from "@quantdb/replay";
import { decode, GZIP_DEFLATE, getDecoded, getRaw, PROFILES, profileHeaders } from "./client.ts";
import { extraFigures } from "./extra.ts";
import { type FanoutFigures, runFanout } from "./fanout.ts";
import { type CapturedAnswer, captureAnswers, writeLimitManifest } from "./limit.ts";
import { runLoad } from "./load.ts";
import { median, sequentialP50, sequentialTimes, throughput } from "./measure.ts";
import { type ChildServer, startApi, startLimit, stopServer } from "./processes.ts";
import { historyPath, INDICATORS_PATH, ONE_YEAR, SIXTEEN_YEARS } from "./ranges.ts";
import {
  type DatabaseFigures,
  type Driver,
  type IndicatorFigures,
  type IndicatorRun,
  INDICATORS_NAME,
  printReport,
  type ServedFigures,
} from "./report.ts";
import { ingest, syntheticCode } from "./synthetic.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 100);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const EXTRA = process.env.BENCH_EXTRA === "1";
const FANOUT = process.env.BENCH_FANOUT !== "0";
const FANOUT_SECONDS = Number(process.env.BENCH_FANOUT_SECONDS ?? 5);
const FANOUT_INTERVAL_MS = Number(process.env.BENCH_FANOUT_INTERVAL_MS ?? 100);
const RANGES = [ONE_YEAR, SIXTEEN_YEARS];
/** How the indicators are asked for: as Python requests and Node's fetch do. */
const INDICATOR_PROFILE = GZIP_DEFLATE;

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
    let indicators: IndicatorFigures | undefined;
    let indicatorAnswer: CapturedAnswer | undefined;
    const startups: number[] = [];
    const notes: string[] = [];
    for (let r = 0; r < RUNS; r++) {
      const api = await startApi({ database, replayUrl: replay.url });
      startups.push(api.readyMs);
      step(`${driver}: run ${r + 1}/${RUNS}, API ready in ${Math.round(api.readyMs)} ms`);
      let reused: Omit<IndicatorRun, "computedServerP50"> | undefined;
      try {
        await warm(api.url);
        await warmIndicators(api.url);
        if (limit === undefined) {
          shipped = await captureAll(api.url);
          limit = await startLimit(writeLimitManifest(limitDir, shipped));
          served = shipped.filter((answer) => answer.path !== INDICATORS_PATH).map(describe);
          indicatorAnswer = shipped.find((answer) => answer.path === INDICATORS_PATH)!;
          indicators = describeIndicators(indicatorAnswer);
        }
        for (const cell of served) {
          // API first in odd repetitions, the limit first in even ones
          cell.pairs.push(await measurePair(api, limit, cell, r % 2 === 0));
          step(`${driver}: run ${r + 1}/${RUNS}, ${cell.range.name} ${cell.profile.name}`);
        }
        const [apiTimes, limitTimes] = await backToBack(
          r % 2 === 0,
          () => sequentialTimes(api.url + INDICATORS_PATH, INDICATOR_PROFILE, SEQUENTIAL),
          () => sequentialTimes(limit!.url + INDICATORS_PATH, INDICATOR_PROFILE, SEQUENTIAL),
        );
        step(`${driver}: run ${r + 1}/${RUNS}, ${INDICATORS_NAME} reused`);
        // the comparison holds only while the API sends the bytes the limit ships
        const now = await captureAll(api.url);
        now.forEach((answer, i) => {
          if (answer.body.equals(shipped[i]!.body)) return;
          const name = RANGES.find((range) => historyPath(range) === answer.path)?.name ?? INDICATORS_NAME;
          const sent = `${answer.contentEncoding ?? "identity"}, ${answer.body.length} B`;
          notes.push(`${name} ${answer.profile.name}: after run ${r + 1} the API sent other bytes (${sent})`);
        });
        reused = { reusedServerP50: apiTimes.serverP50, apiP50: apiTimes.p50, limitP50: limitTimes.p50 };
      } finally {
        await stopServer(api);
      }
      // the same request to the API without a body cache: every answer computed from the held bars
      const computing = await startApi({ database, replayUrl: replay.url, bodyCacheMb: 0 });
      try {
        await warmIndicators(computing.url);
        const times = await sequentialTimes(computing.url + INDICATORS_PATH, INDICATOR_PROFILE, SEQUENTIAL);
        indicators!.runs.push({ ...reused!, computedServerP50: times.serverP50 });
        const [computed] = await captureAnswers(computing.url, [INDICATORS_PATH], [INDICATOR_PROFILE]);
        if (!computed!.body.equals(indicatorAnswer!.body))
          notes.push(`${INDICATORS_NAME}, computed per request: run ${r + 1} sent other bytes than the reused answer`);
        step(`${driver}: run ${r + 1}/${RUNS}, ${INDICATORS_NAME} computed per request`);
      } finally {
        await stopServer(computing);
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
    const startupMs = median(startups);
    return { driver, served, indicators: indicators!, ingest: median(ingestRuns), startupMs, load, notes, extra };
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

/**
 * Ask the API for the indicators until an answer made no upstream call and served nothing unconfirmed (the
 * first fetches the year and its warm-up bars; the next confirms that the replay holds nothing before
 * 2021-01-04): from that answer on, the bars are held, and it is kept for reuse when the body cache is on.
 */
async function warmIndicators(baseUrl: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const answer = await getDecoded(baseUrl + INDICATORS_PATH, INDICATOR_PROFILE);
    if (answer.status !== 200)
      throw new Error(`warm-up ${INDICATORS_NAME}: ${answer.status} ${answer.body.toString()}`);
    const { metadata } = JSON.parse(answer.body.toString()) as {
      metadata: { cache: { upstream_requests: number; unconfirmed_empty: unknown[] } };
    };
    if (metadata.cache.upstream_requests === 0 && metadata.cache.unconfirmed_empty.length === 0) return;
  }
  throw new Error(`warm-up ${INDICATORS_NAME}: still calling upstream after 5 requests`);
}

/** Every answer the limit ships: each range as every profile, then the indicators as INDICATOR_PROFILE. */
async function captureAll(baseUrl: string): Promise<CapturedAnswer[]> {
  const history = await captureAnswers(baseUrl, RANGES.map(historyPath), PROFILES);
  return [...history, ...(await captureAnswers(baseUrl, [INDICATORS_PATH], [INDICATOR_PROFILE]))];
}

/** The captured indicators answer as the report describes it, before any measurement. */
function describeIndicators(answer: CapturedAnswer): IndicatorFigures {
  const body = JSON.parse(decode(answer.body, answer.contentEncoding).toString()) as {
    data: unknown[];
    metadata: { warmup_sessions: number };
  };
  const encoding = answer.contentEncoding ?? "identity";
  const { profile } = answer;
  const { length: rows } = body.data;
  return { profile, encoding, bytes: answer.body.length, rows, warmup: body.metadata.warmup_sessions, runs: [] };
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
let fanout: FanoutFigures | Error | undefined;
if (FANOUT) {
  step("SSE fan-out");
  fanout = await runFanout(
    { databaseUrl: process.env.DATABASE_URL || undefined, seconds: FANOUT_SECONDS, intervalMs: FANOUT_INTERVAL_MS },
    step,
  ).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}
const wallSeconds = (performance.now() - started) / 1000;
printReport(results, { ...LOAD, runs: RUNS, loadBefore, wallSeconds }, fanout);
