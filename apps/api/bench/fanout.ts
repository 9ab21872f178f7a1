/**
 * Live-quote fan-out (issue 19): how long after the poller has a quote in hand every subscriber's
 * socket has the event, with 100 and 1,000 SSE subscribers, and the server's resident memory.
 *
 * The API runs in a child process (bench/fanout-server.ts: the system as the server entry builds it,
 * on the replay's moving quotes, the clock frozen in a CN session, poll interval `intervalMs`), and
 * notes for each poll when upstream's answer resolved (its quote service's `lookup`, wrapped; the hub
 * itself is not touched). This process opens N subscribers to `GET /api/v1/stream/quotes` for the
 * same symbols, each its own connection over loopback (node:http, no agent: no keep-alive, no pool),
 * sending `Accept-Encoding: gzip, deflate` as Node's fetch and Python's requests do (a compressed
 * answer would be decoded with sync flushes, and reported in `served`). A delivery's latency is the
 * moment its bytes reached this process's socket minus the moment its poll resolved, both on
 * CLOCK_MONOTONIC (`process.hrtime`, one clock for every process of the machine). A received event is
 * matched to its poll by symbol, price, volume and amount (what the hub compares before it sends).
 * Counted: the events of the polls made in a window of `seconds` once all N are connected and have
 * their snapshot (deliveries still under way when the window ends get 1 s more).
 *
 * Figures per N: p50/p99 over every (event, subscriber) delivery; p50/p99 of the per-event "last
 * subscriber" time (the event on every socket: the target, p99 < 100 ms at 1,000), over the
 * events every subscriber received; the share of deliveries received (a subscriber that falls behind
 * skips quotes: only the latest per symbol waits for it); RSS before any subscriber and with N
 * connected (process.memoryUsage().rss in the server). The same run against the limit: a bare
 * node:http server in its own process writing the same kind of events to every socket in a loop.
 *
 * Alone: `pnpm --filter @quantdb/api exec tsx bench/fanout.ts` (PGlite in a temp dir; PostgreSQL when
 * DATABASE_URL is set). `pnpm bench` runs it after the history figures. Knobs: BENCH_FANOUT_SECONDS
 * (5), BENCH_FANOUT_INTERVAL_MS (100, the shortest the hub honours), BENCH_FANOUT_SUBSCRIBERS
 * (100,1000), BENCH_FANOUT=0 to skip it in `pnpm bench`. Needs a file-descriptor limit above the
 * largest N (`ulimit -n`).
 */
import { type ChildProcess, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { startReplay } from "@quantdb/replay";
import type { FanoutServerConfig, Poll } from "./fanout-server.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The symbols every subscriber streams: three A-shares the replay holds (one poll, one upstream call). */
const SYMBOLS = ["600519", "000001", "300750"];
/** What the client sends, as Node's fetch and Python's requests do. */
const ACCEPT_ENCODING = "gzip, deflate";
/** Subscribers connecting at once while a run opens its N. */
const CONNECT_BATCH = 100;
/** After the window, how long deliveries of its last polls may still take, ms. */
const GRACE_MS = 1_000;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Options of {@link runFanout}. */
export interface FanoutOptions {
  /** PostgreSQL URL; PGlite in a temporary directory when unset. */
  databaseUrl?: string | undefined;
  /** @default [100, 1000] */
  subscribers?: number[];
  /** Measured window per N, seconds. @default 5 */
  seconds?: number;
  /** The stream's poll interval, ms. @default 100 */
  intervalMs?: number;
}

/** Percentiles in ms; NaN when there was nothing to count. */
export interface Spread {
  p50: number;
  p99: number;
  count: number;
}

/** One server with N subscribers. */
export interface FanoutRun {
  subscribers: number;
  /** Every (event, subscriber) delivery of the window. */
  deliveries: Spread;
  /** Deliveries expected: events of the window × subscribers. */
  expected: number;
  /** Per event received by every subscriber: its last subscriber's latency. */
  lastSubscriber: Spread;
  /** Events of the window some subscriber never got (it skipped to a later quote). */
  incompleteEvents: number;
  /** Server RSS with the N connected (end of the window), MB. */
  rssMb: number;
}

/** One server's runs. */
export interface FanoutServerFigures {
  /** Server RSS before any subscriber connected, MB. */
  rssBeforeMb: number;
  runs: FanoutRun[];
  /** `Content-Type` and `Content-Encoding` as the subscribers got them. */
  served: string;
}

/** What {@link runFanout} measured. */
export interface FanoutFigures {
  database: "pglite" | "postgres";
  /** The subscribers' `Accept-Encoding`. */
  acceptEncoding: string;
  intervalMs: number;
  seconds: number;
  symbols: string[];
  api: FanoutServerFigures;
  limit: FanoutServerFigures;
}

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function spread(values: number[]): Spread {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), count: sorted.length };
}

/** The soft limit of open files of this process (the children inherit it). */
function openFileLimit(): number {
  const line = /^Max open files\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  return line?.[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(line?.[1] ?? NaN);
}

/** A server child: its URL, and requests over its IPC channel. */
interface Child {
  process: ChildProcess;
  url: string;
  ask<T>(type: string): Promise<T>;
  stop(): Promise<void>;
}

async function startChild(config: FanoutServerConfig): Promise<Child> {
  const child = fork(join(HERE, "fanout-server.ts"), [JSON.stringify(config)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const waiting = new Map<string, (message: never) => void>();
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`the ${config.mode} server exited (${code ?? signal})`)));
    child.on("message", (message: { type: string; port?: number }) => {
      if (message.type === "ready") resolve(message.port!);
      else {
        const resolveAnswer = waiting.get(message.type);
        waiting.delete(message.type);
        resolveAnswer?.(message as never);
      }
    });
  });
  child.removeAllListeners("exit");
  return {
    process: child,
    url: `http://127.0.0.1:${port}`,
    ask: <T>(type: string) =>
      new Promise<T>((resolve) => {
        waiting.set(type, resolve as (message: never) => void);
        child.send({ type });
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send({ type: "stop" });
      const timeout = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

/** An open subscriber: what it was served, the chunks it received (and when), and how to hang up. */
interface Subscriber {
  served: string;
  chunks: { text: string; at: number }[];
  close(): void;
}

/**
 * Open one subscriber to `url`; resolves once its first event (the snapshot's status) arrived. Each
 * chunk is kept with the time it came off the socket and parsed later (see {@link quotesOf}), so that
 * this process, which reads every subscriber, spends as little as it can per chunk while measuring.
 */
function subscribe(url: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      url,
      { agent: false, headers: { Accept: "text/event-stream", "Accept-Encoding": ACCEPT_ENCODING } },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`${url}: HTTP ${response.statusCode}`));
          return;
        }
        const encoding = response.headers["content-encoding"] ?? "identity";
        const flush = zlib.constants.Z_SYNC_FLUSH;
        const body: Readable =
          encoding === "gzip"
            ? response.pipe(zlib.createGunzip({ flush }))
            : encoding === "deflate"
              ? response.pipe(zlib.createInflate({ flush }))
              : response;
        body.setEncoding("utf8");
        const subscriber: Subscriber = {
          served: `${response.headers["content-type"]}, ${encoding}`,
          chunks: [],
          close: () => request.destroy(),
        };
        body.on("data", (text: string) => {
          if (subscriber.chunks.push({ text, at: nowMs() }) === 1) resolve(subscriber);
        });
        body.on("error", () => {});
      },
    );
    request.on("error", reject);
  });
}

/**
 * The quote events in a subscriber's chunks from `from` on, each with the time the chunk that completed
 * it arrived, as "symbol|price|volume|amount".
 */
function quotesOf(chunks: readonly { text: string; at: number }[], from: number): { signature: string; at: number }[] {
  const quotes: { signature: string; at: number }[] = [];
  let buffer = "";
  for (const { text, at } of chunks) {
    buffer += text;
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (at < from) continue;
      let event = "";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data = line.slice(5).trim();
      }
      if (event !== "quote") continue;
      const quote = JSON.parse(data) as { symbol: string; price: unknown; volume: unknown; amount: unknown };
      quotes.push({ signature: `${quote.symbol}|${quote.price}|${quote.volume}|${quote.amount}`, at });
    }
  }
  return quotes;
}

/** The events the polls caused, in order: a symbol's quote is sent when it differs from the one before. */
function eventsOf(polls: readonly Poll[]): { t: number; signature: string }[] {
  const last = new Map<string, string>();
  const events: { t: number; signature: string }[] = [];
  for (const poll of [...polls].sort((a, b) => a.t - b.t))
    for (const signature of poll.quotes) {
      const symbol = signature.slice(0, signature.indexOf("|"));
      if (last.get(symbol) === signature) continue;
      last.set(symbol, signature);
      events.push({ t: poll.t, signature });
    }
  return events;
}

/** N subscribers on `server` for a window: the figures. */
async function measure(server: Child, n: number, seconds: number): Promise<{ run: FanoutRun; served: Set<string> }> {
  const path = `${server.url}/api/v1/stream/quotes?symbols=${SYMBOLS.join(",")}`;
  const subscribers: Subscriber[] = [];
  try {
    for (let i = 0; i < n; i += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, n - i) }, () => subscribe(path));
      subscribers.push(...(await Promise.all(batch)));
    }
    const from = nowMs();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const to = nowMs();
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
    const { rss } = await server.ask<{ rss: number }>("rss");
    const { polls } = await server.ask<{ polls: Poll[] }>("polls");

    // each event of the window, and every later event with the same signature (a loop of the replay)
    const events = eventsOf(polls);
    const bySignature = new Map<string, number[]>();
    events.forEach((event, i) => {
      bySignature.set(event.signature, [...(bySignature.get(event.signature) ?? []), i]);
    });
    const inWindow = (i: number) => events[i]!.t >= from && events[i]!.t <= to;
    const latencies: number[] = [];
    const perEvent = new Map<number, { count: number; max: number }>();
    const received = subscribers.flatMap((subscriber) => quotesOf(subscriber.chunks, from));
    for (const { signature, at } of received) {
      // the latest event with this signature sent before the bytes arrived
      const candidates = bySignature.get(signature) ?? [];
      let match = -1;
      for (const i of candidates) if (events[i]!.t <= at) match = i;
      if (match < 0 || !inWindow(match)) continue;
      const latency = at - events[match]!.t;
      latencies.push(latency);
      const seen = perEvent.get(match) ?? { count: 0, max: 0 };
      seen.count++;
      seen.max = Math.max(seen.max, latency);
      perEvent.set(match, seen);
    }
    const windowEvents = events.map((_, i) => i).filter(inWindow);
    const complete = windowEvents.flatMap((i) => {
      const seen = perEvent.get(i);
      return seen && seen.count >= n ? [seen.max] : [];
    });
    return {
      run: {
        subscribers: n,
        deliveries: spread(latencies),
        expected: windowEvents.length * n,
        lastSubscriber: spread(complete),
        incompleteEvents: windowEvents.length - complete.length,
        rssMb: rss / 1e6,
      },
      served: new Set(subscribers.map((s) => s.served)),
    };
  } finally {
    for (const subscriber of subscribers) subscriber.close();
    // wait until the server has let every subscriber go before the next run
    for (let i = 0; i < 200; i++) {
      const { subscribers: left } = await server.ask<{ subscribers: number }>("rss");
      if (left === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Every N on one server (`mode`), started afresh. */
async function measureServer(
  config: FanoutServerConfig,
  counts: number[],
  seconds: number,
  step: (message: string) => void,
): Promise<FanoutServerFigures> {
  const server = await startChild(config);
  try {
    const { rss } = await server.ask<{ rss: number }>("rss");
    const runs: FanoutRun[] = [];
    const served = new Set<string>();
    for (const n of counts) {
      const measured = await measure(server, n, seconds);
      runs.push(measured.run);
      for (const s of measured.served) served.add(s);
      step(`fan-out: ${config.mode}, ${n} subscribers`);
    }
    return { rssBeforeMb: rss / 1e6, runs, served: [...served].join(" / ") };
  } finally {
    await server.stop();
  }
}

/**
 * Run the fan-out measurement against the API and the limit.
 * @throws when the open-file limit is too low for the largest N, or a server or subscriber fails.
 */
export async function runFanout(
  options: FanoutOptions = {},
  step: (message: string) => void = () => {},
): Promise<FanoutFigures> {
  const counts = options.subscribers ?? [100, 1000];
  const seconds = options.seconds ?? 5;
  const intervalMs = options.intervalMs ?? 100;
  const limit = openFileLimit();
  if (Math.max(...counts) + 200 > limit)
    throw new Error(
      `the open-file limit (${limit}) is too low for ${Math.max(...counts)} subscribers: raise ulimit -n`,
    );
  const replay = await startReplay({ movingQuotes: true });
  try {
    const base = { intervalMs, symbols: SYMBOLS };
    const api = await measureServer(
      {
        ...base,
        mode: "api",
        replayUrl: replay.url,
        sinaTradeDatesUrl: replay.sinaTradeDatesUrl,
        databaseUrl: options.databaseUrl,
      },
      counts,
      seconds,
      step,
    );
    const limitFigures = await measureServer({ ...base, mode: "limit" }, counts, seconds, step);
    const database = options.databaseUrl ? "postgres" : "pglite";
    return {
      database,
      acceptEncoding: ACCEPT_ENCODING,
      intervalMs,
      seconds,
      symbols: SYMBOLS,
      api,
      limit: limitFigures,
    };
  } finally {
    await replay.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { fanoutReport } = await import("./report.ts");
  const figures = await runFanout(
    {
      databaseUrl: process.env.DATABASE_URL || undefined,
      seconds: Number(process.env.BENCH_FANOUT_SECONDS ?? 5),
      intervalMs: Number(process.env.BENCH_FANOUT_INTERVAL_MS ?? 100),
      subscribers: (process.env.BENCH_FANOUT_SUBSCRIBERS ?? "100,1000").split(",").map(Number),
    },
    (message) => console.error(`bench: ${message}`),
  );
  console.log(fanoutReport(figures));
}
