/**
 * The output of `pnpm bench`: one markdown table with every figure per database (and per range and
 * client profile where the limit applies), its target, the in-run limit's figure, the API's ratio or
 * difference to it and whether the target is met; then the extra figures when asked for
 * (BENCH_EXTRA=1). The targets are issue 16's, and issue 18's for the indicators.
 */
import type { Profile } from "./client.ts";
import type { FanoutFigures, Spread } from "./fanout.ts";
import type { LoadResult } from "./load.ts";
import { median } from "./measure.ts";
import { historyPath, INDICATORS_PATH, type Range } from "./ranges.ts";

export type Driver = "pglite" | "postgres";

/** One repetition's figures of a range × profile, the API's and the limit's, measured back to back. */
export interface Pair {
  apiP50: number;
  limitP50: number;
  apiRps: number;
  limitRps: number;
  /** Peak RSS of the API through its load run, MB. */
  apiRssMb: number;
  /** Connection errors + timeouts + non-2xx in the load runs of the API and the limit. */
  errors: number;
}

/** A range as one profile gets it: what the API sent (and the limit sends back) and the figures. */
export interface ServedFigures {
  range: Range;
  profile: Profile;
  /** Content-Encoding the API chose ("identity" when none). */
  encoding: string;
  /** Bytes on the wire (encoded). */
  bytes: number;
  /** Bars in the answer. */
  bars: number;
  pairs: Pair[];
}

/** One repetition's indicator figures (ms): p50s over the same number of sequential requests. */
export interface IndicatorRun {
  /** The API's Server-Timing total for the answer reused from the body cache. */
  reusedServerP50: number;
  /** The client's wall time for those requests, and for the limit's, measured back to back. */
  apiP50: number;
  limitP50: number;
  /** The API's Server-Timing total with QUANTDB_BODY_CACHE_MB=0: every answer computed from the held bars. */
  computedServerP50: number;
}

/** The indicators answer (INDICATORS_PATH) as one profile gets it, and the figures of every repetition. */
export interface IndicatorFigures {
  profile: Profile;
  /** Content-Encoding the API chose ("identity" when none). */
  encoding: string;
  /** Bytes on the wire (encoded). */
  bytes: number;
  /** Rows in the answer, and bars before them that the indicators were computed from. */
  rows: number;
  warmup: number;
  runs: IndicatorRun[];
}

/** How the report names the indicators figures. */
export const INDICATORS_NAME = "indicators 1Y qfq";

export interface DatabaseFigures {
  driver: Driver;
  served: ServedFigures[];
  indicators: IndicatorFigures;
  /** Bulk ingest, bars/s (median). */
  ingest: number;
  /** API spawn → /health 200 on the existing data, ms (median). */
  startupMs: number;
  load: LoadResult;
  /** Where the API's answers differed from the bytes the limit ships. */
  notes: string[];
  extra?: Record<string, number> | undefined;
}

const P50_OVER_LIMIT_MS = 0.3;
const P50_OVER_LIMIT_16Y_GZIP_MS = 1;
const RPS_RATIO = 1.3;
const INGEST_BARS_PER_S = 50_000;
const RSS_MB: Record<Driver, number> = { postgres: 250, pglite: 300 };
const STARTUP_MS = 3000;
const INDICATORS_SERVER_MS = 5;

const DATABASE: Record<Driver, string> = { pglite: "PGlite", postgres: "PostgreSQL" };
const integer = (x: number) => Math.round(x).toLocaleString("en-US");
const ms = (x: number) => x.toFixed(2);
const figure = (x: number) => (Math.abs(x) >= 100 || Number.isInteger(x) ? integer(x) : x.toFixed(2));
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}`;
const check = (met: boolean) => (met ? "✅" : "❌");

type Row = [
  database: string,
  figure: string,
  client: string,
  served: string,
  api: string,
  limit: string,
  versus: string,
  target: string,
  met: string,
];
const HEADER: Row = ["database", "figure", "client", "served", "API", "limit", "API vs limit", "target", "met"];

/** A range × profile against its limit: sequential p50 rows, req/s row. */
function limitRows(db: string, s: ServedFigures, connections: number): { p50: Row[]; rps: Row } {
  const of = (pick: (pair: Pair) => number) => median(s.pairs.map(pick));
  const served = `${s.encoding}, ${integer(s.bytes)} B`;
  const over = of((p) => p.apiP50 - p.limitP50);
  const p50 = (target: number, note = ""): Row => [
    db,
    `${s.range.name} warm: sequential p50 (ms)`,
    s.profile.name,
    served,
    ms(of((p) => p.apiP50)),
    ms(of((p) => p.limitP50)),
    `${signed(over)} ms`,
    `≤ +${target} ms${note}`,
    check(over <= target),
  ];
  const ratio = of((p) => p.limitRps / p.apiRps);
  const rps: Row = [
    db,
    `${s.range.name} warm: req/s at ${connections} connections`,
    s.profile.name,
    served,
    integer(of((p) => p.apiRps)),
    integer(of((p) => p.limitRps)),
    `${ratio.toFixed(2)}×`,
    `≤ ${RPS_RATIO}×`,
    check(ratio <= RPS_RATIO),
  ];
  const gzip16 = s.range.name === "16Y" && s.profile.acceptEncoding === "gzip, deflate";
  return { p50: [p50(P50_OVER_LIMIT_MS), ...(gzip16 ? [p50(P50_OVER_LIMIT_16Y_GZIP_MS, " (16Y gzip)")] : [])], rps };
}

/** The indicator rows: server time of the reused and of the computed answer, the client's p50 against the limit. */
function indicatorRows(db: string, f: IndicatorFigures): Row[] {
  const of = (pick: (run: IndicatorRun) => number) => median(f.runs.map(pick));
  const served = `${f.encoding}, ${integer(f.bytes)} B`;
  const server = (figure: string, p50: number): Row => [
    db,
    `${INDICATORS_NAME}, ${figure}: server time p50 (ms)`,
    f.profile.name,
    served,
    ms(p50),
    "",
    "",
    `< ${INDICATORS_SERVER_MS}`,
    check(p50 < INDICATORS_SERVER_MS),
  ];
  const over = of((run) => run.apiP50 - run.limitP50);
  return [
    server(
      "answer reused",
      of((run) => run.reusedServerP50),
    ),
    [
      db,
      `${INDICATORS_NAME}, answer reused: sequential p50 (ms)`,
      f.profile.name,
      served,
      ms(of((run) => run.apiP50)),
      ms(of((run) => run.limitP50)),
      `${signed(over)} ms`,
      "—",
      "",
    ],
    server(
      "computed per request",
      of((run) => run.computedServerP50),
    ),
  ];
}

/** The rows of one database: per range, the p50 rows of every profile, then their req/s rows; then the rest. */
function rows(f: DatabaseFigures, connections: number): Row[] {
  const db = DATABASE[f.driver];
  const out: Row[] = [];
  for (const range of new Set(f.served.map((s) => s.range))) {
    const cells = f.served.filter((s) => s.range === range).map((s) => limitRows(db, s, connections));
    out.push(...cells.flatMap((c) => c.p50), ...cells.map((c) => c.rps));
  }
  out.push(...indicatorRows(db, f.indicators));
  // a figure without a limit, with its target on this database if it has one: [text, met]
  const row = (figure: string, value: string, target?: [string, boolean]): Row => {
    return [db, figure, "", "", value, "", "", target?.[0] ?? "—", target ? check(target[1]) : ""];
  };
  const postgres = f.driver === "postgres";
  const pairs = f.served.flatMap((s) => s.pairs);
  const errors = pairs.reduce((sum, p) => sum + p.errors, 0);
  const loadRssMb = f.load.rssPeakMiB * 1.048576;
  out.push(
    row(
      "bulk ingest, bars + coverage (bars/s)",
      integer(f.ingest),
      postgres ? [`≥ ${integer(INGEST_BARS_PER_S)}`, f.ingest >= INGEST_BARS_PER_S] : undefined,
    ),
    row(
      "start-up on the existing data: spawn → /health 200 (ms)",
      integer(f.startupMs),
      postgres ? undefined : [`< ${integer(STARTUP_MS)}`, f.startupMs < STARTUP_MS],
    ),
    row("load.ts, 64 connections: API RSS peak (MB)", integer(loadRssMb), [
      `< ${RSS_MB[f.driver]}`,
      loadRssMb < RSS_MB[f.driver],
    ]),
    row("load.ts, 64 connections: errors + non-2xx + timeouts", String(f.load.errors), ["0", f.load.errors === 0]),
    row("load.ts, 64 connections: req/s", integer(f.load.requestsPerSecond)),
    row("profile load runs: errors + non-2xx + timeouts", String(errors), ["0", errors === 0]),
    row("profile load runs: API RSS peak (MB)", integer(Math.max(...pairs.map((p) => p.apiRssMb)))),
  );
  return out;
}

/** The live-quote fan-out's target: the event on every socket within 100 ms (p99) at 1,000 subscribers. */
const FANOUT_P99_MS = 100;
const FANOUT_TARGET_SUBSCRIBERS = 1000;

/**
 * The fan-out rows (bench/fanout.ts): per subscriber count, the API's figure, the limit's, and API ÷
 * limit; the target on the last-subscriber p99 at 1,000 subscribers.
 */
function fanoutRows(f: FanoutFigures): Row[] {
  const db = DATABASE[f.database];
  const served = f.api.served;
  const ratio = (api: number, limit: number) => (Number.isFinite(api / limit) ? `${(api / limit).toFixed(2)}×` : "");
  const row = (figure: string, api: number, limit: number, format: (x: number) => string, target?: number): Row => [
    db,
    figure,
    f.acceptEncoding,
    served,
    format(api),
    format(limit),
    ratio(api, limit),
    target === undefined ? "—" : `< ${target}`,
    target === undefined ? "" : check(api < target),
  ];
  const out: Row[] = [
    row("SSE fan-out: server RSS before subscribers (MB)", f.api.rssBeforeMb, f.limit.rssBeforeMb, integer),
  ];
  f.api.runs.forEach((api, i) => {
    const limit = f.limit.runs[i]!;
    const name = `SSE fan-out, ${integer(api.subscribers)} subscribers`;
    const pick = (s: (run: typeof api) => Spread, p: "p50" | "p99") => [s(api)[p], s(limit)[p]] as const;
    const target = api.subscribers === FANOUT_TARGET_SUBSCRIBERS ? FANOUT_P99_MS : undefined;
    const share = (run: typeof api) => (100 * run.deliveries.count) / run.expected;
    out.push(
      row(`${name}: poll → each subscriber, p50 (ms)`, ...pick((r) => r.deliveries, "p50"), ms),
      row(`${name}: poll → each subscriber, p99 (ms)`, ...pick((r) => r.deliveries, "p99"), ms),
      row(`${name}: poll → last subscriber, p50 (ms)`, ...pick((r) => r.lastSubscriber, "p50"), ms),
      row(`${name}: poll → last subscriber, p99 (ms)`, ...pick((r) => r.lastSubscriber, "p99"), ms, target),
      row(`${name}: deliveries received (%)`, share(api), share(limit), (x) => x.toFixed(1)),
      row(`${name}: server RSS (MB)`, api.rssMb, limit.rssMb, integer),
    );
  });
  return out;
}

/** What the fan-out rows measured, in words (printed above the table). */
function fanoutNotes(f: FanoutFigures): string[] {
  const events = f.api.runs.map((r) => `${integer(r.expected / r.subscribers)} events at ${integer(r.subscribers)}`);
  const skipped = f.api.runs.map((r) => `${r.incompleteEvents} at ${integer(r.subscribers)}`);
  return [
    `- SSE fan-out: GET /api/v1/stream/quotes?symbols=${f.symbols.join(",")}, poll interval ${f.intervalMs} ms ` +
      "(the replay's moving quotes, the clock in a CN session), each subscriber its own loopback connection; " +
      `poll → subscriber: upstream's answer in the poller's hands → the event's bytes off that subscriber's socket ` +
      `(one monotonic clock); over ${f.seconds} s per count (API: ${events.join(", ")}); last subscriber: per ` +
      `event received by every subscriber (API events some subscriber skipped: ${skipped.join(", ")}); limit: a ` +
      "bare node:http server writing the same kind of events to every socket; API vs limit: API ÷ limit",
  ];
}

/** The fan-out figures alone (bench/fanout.ts run by itself): notes and table. */
export function fanoutReport(f: FanoutFigures): string {
  return ["", ...fanoutNotes(f), "", markdown(HEADER, fanoutRows(f))].join("\n");
}

/** A markdown table: a header row, then the rows. */
const markdown = (header: readonly string[], body: readonly (readonly string[])[]) =>
  [header, header.map(() => "---"), ...body].map((row) => `| ${row.join(" | ")} |`).join("\n");

/** Print the report (stdout). */
export function printReport(
  results: DatabaseFigures[],
  run: { runs: number; seconds: number; connections: number; loadBefore: number; wallSeconds: number },
  fanout?: FanoutFigures | Error,
): void {
  const ranges = [...new Set(results[0]!.served.map((s) => s.range))];
  const when = new Date().toISOString().slice(0, 16).replace("T", " ");
  const lines = [
    "",
    `QuantDB bench, ${when} UTC, load average ${run.loadBefore.toFixed(2)} before the run; medians of ${run.runs} runs`,
    "",
    ...ranges.map((range) => {
      const bars = results[0]!.served.find((s) => s.range === range)!.bars;
      return `- ${range.name}: GET ${historyPath(range)} (${integer(bars)} bars)`;
    }),
    `- ${INDICATORS_NAME}: GET ${INDICATORS_PATH} (${integer(results[0]!.indicators.rows)} rows, computed ` +
      `over ${integer(results[0]!.indicators.warmup)} warm-up bars before them), its bars held; server time: the ` +
      "API's Server-Timing total (request in → answer built and compressed, before the socket write); answer " +
      "reused: from the body cache; computed per request: the API started with QUANTDB_BODY_CACHE_MB=0",
    "- limit: a bare node:http server shipping from memory the bytes the API sent for the same path and " +
      "profile, with its Content-Type and Content-Encoding; measured in the same runs, back to back with the API",
    "- client: the Accept-Encoding sent; served: the Content-Encoding the API chose and the bytes on the wire",
    "- p50: sequential requests over one kept-alive connection, the client decoding each body (node:zlib); " +
      "API vs limit: median over the runs of API − limit",
    `- req/s: autocannon, ${run.connections} connections × ${run.seconds} s (it does not decode); ` +
      "API vs limit: median over the runs of limit ÷ API",
    ...(fanout && !(fanout instanceof Error) ? fanoutNotes(fanout) : []),
    "",
    markdown(HEADER, [
      ...results.flatMap((r) => rows(r, run.connections)),
      ...(fanout && !(fanout instanceof Error) ? fanoutRows(fanout) : []),
    ]),
  ];
  if (fanout instanceof Error) lines.push("", `⚠ SSE fan-out not measured: ${fanout.message}`);
  const mismatched = results.flatMap((r) =>
    r.served.filter((s) => s.profile.acceptEncoding?.includes("br") && s.encoding !== "br"),
  );
  if (mismatched.length > 0)
    lines.push(
      "",
      `The API sent no br to the br profile (${[...new Set(mismatched.map((s) => s.encoding))].join(", ")} ` +
        "instead); its limit ships the same bytes.",
    );
  for (const r of results)
    for (const note of r.notes)
      lines.push("", `⚠ ${DATABASE[r.driver]} ${note}; the limit shipped the first answer's bytes.`);
  const extras = results.filter((r) => r.extra !== undefined);
  if (extras.length > 0) {
    const names = Object.keys(extras[0]!.extra!);
    const header = ["extra figure (BENCH_EXTRA=1, no target)", ...extras.map((r) => DATABASE[r.driver])];
    lines.push(
      "",
      markdown(
        header,
        names.map((name) => [name, ...extras.map((r) => figure(r.extra![name]!))]),
      ),
    );
  }
  lines.push("", `bench finished in ${run.wallSeconds.toFixed(0)} s`);
  console.log(lines.join("\n"));
}
