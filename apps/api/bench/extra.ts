/**
 * `BENCH_EXTRA=1 pnpm bench`: figures that are no longer targets but explain them, printed in a
 * second table after the main one (they add about a minute per database). Per database:
 * - the API building every answer (QUANTDB_BODY_CACHE_MB=0): one-year p50 and req/s, sixteen-year
 *   p50, all as the identity profile;
 * - a cold one-year request with the replay delayed by 300 ms: total − 300 ms;
 * - bars-only writes of one series: drizzle's builder, the bulk path into an empty series, and the
 *   bulk path over the same bars again (every row conflicts);
 * - in-process reads of the one- and sixteen-year ranges: stored bar_json (the store's path), JSON built by
 *   PostgreSQL per request, drizzle rows, and stored bar_json with index-only scans off;
 * - one-year body bytes: JSON, gzip, format=columns, 304.
 */
import { parseStockSymbol } from "@quantdb/core/symbols";
import {
  barsViaBuiltJson,
  barsViaDrizzleRows,
  bulkUpsertBars,
  createHistoryStore,
  type DatabaseHandle,
  deleteBars,
  upsertBarsViaDrizzle,
  withoutIndexOnlyScans,
} from "@quantdb/db";
import type { ReplayServer } from "@quantdb/replay";
import { GZIP_DEFLATE, getDecoded, getRaw, IDENTITY } from "./client.ts";
import { median, sequentialP50, throughput } from "./measure.ts";
import { NOW, startApi, stopServer } from "./processes.ts";
import { historyPath, ONE_YEAR, type Range, SIXTEEN_YEARS } from "./ranges.ts";
import { syntheticBars } from "./synthetic.ts";

/** Cold: one year of an instrument never fetched before in this database. */
const COLD = (i: number) =>
  `/api/v1/historical/stock/${["300750", "000001", "688981", "430047", "830799"][i % 5]}` +
  "?start_date=20250101&end_date=20251231&adjust=qfq";
const UPSTREAM_LATENCY_MS = 300;

export interface ExtraOptions {
  open: () => Promise<DatabaseHandle>;
  database: { url: string } | { dataDir: string };
  replay: ReplayServer;
  runs: number;
  sequential: number;
  connections: number;
  seconds: number;
}

/** The extra figures of one database, by name (see the file's comment). */
export async function extraFigures(options: ExtraOptions): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  const { runs } = options;
  const oneYear = historyPath(ONE_YEAR);
  const sixteenYears = historyPath(SIXTEEN_YEARS);

  const api = await startApi({ database: options.database, replayUrl: options.replay.url, bodyCacheMb: 0 });
  try {
    const p50s: number[] = [];
    const rps: number[] = [];
    const p50s16: number[] = [];
    for (let r = 0; r < runs; r++) {
      p50s.push(await sequentialP50(api.url + oneYear, IDENTITY, options.sequential));
      rps.push((await throughput(api.url + oneYear, IDENTITY, { ...options, pid: api.process.pid })).rps);
      p50s16.push(await sequentialP50(api.url + sixteenYears, IDENTITY, Math.ceil(options.sequential / 3)));
    }
    figures["1Y built per request: p50 (ms)"] = median(p50s);
    figures["1Y built per request: req/s"] = median(rps);
    figures["16Y built per request: p50 (ms)"] = median(p50s16);

    const identity = await getRaw(api.url + oneYear);
    figures["1Y body bytes: JSON"] = identity.body.length;
    figures["1Y body bytes: gzip"] = (await getRaw(api.url + oneYear, { "accept-encoding": "gzip" })).body.length;
    figures["1Y body bytes: format=columns"] = (await getRaw(`${api.url + oneYear}&format=columns`)).body.length;
    const etag = String(identity.headers.etag);
    figures["1Y body bytes: 304"] = (await getRaw(api.url + oneYear, { "if-none-match": etag })).body.length;

    options.replay.setLatency(UPSTREAM_LATENCY_MS);
    const colds: number[] = [];
    for (let i = 0; i < Math.min(runs, 5); i++) {
      const answer = await getDecoded(api.url + COLD(i), GZIP_DEFLATE);
      const upstreamRequests = JSON.parse(answer.body.toString()).metadata.cache.upstream_requests;
      if (answer.status !== 200 || upstreamRequests !== 1) throw new Error(`cold ${COLD(i)}: ${answer.status}`);
      colds.push(answer.ms - UPSTREAM_LATENCY_MS);
    }
    figures[`cold 1Y (gzip, deflate): total − ${UPSTREAM_LATENCY_MS} ms upstream (ms)`] = median(colds);
  } finally {
    options.replay.setLatency(0);
    await stopServer(api);
  }

  const database = await options.open();
  try {
    const writes = [];
    for (let r = 0; r < runs; r++) writes.push(await writePaths(database, "600099"));
    figures["ingest bars only: drizzle builder (bars/s)"] = median(writes.map((w) => w.drizzle));
    figures["ingest bars only: bulk path, new bars (bars/s)"] = median(writes.map((w) => w.bulk));
    figures["ingest bars only: bulk path, every bar held (bars/s)"] = median(writes.map((w) => w.overwrite));
    for (const range of [ONE_YEAR, SIXTEEN_YEARS]) {
      const reads = await readPaths(database, range);
      figures[`read ${range.name} in-process: drizzle rows (ms)`] = reads.rows;
      figures[`read ${range.name} in-process: JSON built by PostgreSQL per request (ms)`] = reads.built;
      figures[`read ${range.name} in-process: stored bar_json (ms)`] = reads.json;
      figures[`read ${range.name} in-process: stored bar_json, index-only scans off (ms)`] = reads.withoutIndex;
    }
  } finally {
    await database.close();
  }
  return figures;
}

/**
 * Bars-only writes of one synthetic series (bars/s each): drizzle's builder (1,000-row VALUES,
 * ON CONFLICT), the bulk path into an empty series (plain insert), and the bulk path again over the
 * same bars (every row conflicts: ON CONFLICT DO UPDATE).
 */
async function writePaths(database: DatabaseHandle, code: string) {
  const store = createHistoryStore(database.db);
  const symbol = parseStockSymbol(code);
  await store.saveFetched({ symbol, name: null, adjust: "hfq", span: null, bars: [], fetchedAt: new Date(NOW) });
  const id = (await store.findInstrument(symbol))!.id;
  const bars = syntheticBars(7);
  const rate = async (write: () => Promise<void>) => {
    const started = performance.now();
    await write();
    return bars.length / ((performance.now() - started) / 1000);
  };
  await deleteBars(database.db, id, "hfq");
  const drizzle = await rate(() => upsertBarsViaDrizzle(database.db, id, "hfq", bars, new Date(NOW)));
  await deleteBars(database.db, id, "hfq");
  const bulk = await rate(() => bulkUpsertBars(database.db, id, "hfq", bars, new Date(NOW)));
  const overwrite = await rate(() => bulkUpsertBars(database.db, id, "hfq", bars, new Date(NOW)));
  return { drizzle, bulk, overwrite };
}

/** In-process read of one range (ms, median of 15 after 3 unmeasured). */
async function readPaths(database: DatabaseHandle, { code, start, end }: Range) {
  const store = createHistoryStore(database.db);
  const id = (await store.findInstrument(parseStockSymbol(code)))!.id;
  const time = async (read: () => Promise<unknown>) => {
    for (let i = 0; i < 3; i++) await read();
    const samples: number[] = [];
    for (let i = 0; i < 15; i++) {
      const started = performance.now();
      await read();
      samples.push(performance.now() - started);
    }
    return median(samples);
  };
  const json = await time(() => store.bars(id, "", start, end));
  const built = await time(() => barsViaBuiltJson(database.db, id, "", start, end));
  const rows = await time(() => barsViaDrizzleRows(database.db, id, "", start, end));
  const withoutIndex = await withoutIndexOnlyScans(database.db, (txStore) =>
    time(() => txStore.bars(id, "", start, end)),
  );
  return { json, built, rows, withoutIndex };
}
