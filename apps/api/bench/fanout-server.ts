/**
 * Child process of the fan-out bench (bench/fanout.ts), forked with an IPC channel. Two servers, one
 * per process:
 *
 * - `api`: the system as the server entry builds it (`createSystem` on PGlite in a fresh directory,
 *   or PostgreSQL at DATABASE_URL with it as the coordination URL, as `startServer` passes it), every
 *   upstream on the parent's replay (moving quotes on), the clock frozen during a CN session, the
 *   stream's poll interval `intervalMs`; every middleware on, auth and rate limits off, no request log
 *   (SystemOptions.http omitted). The one change: the quote service's `lookup` (what the CN poller
 *   awaits for each poll) is wrapped to note when upstream's answer was in hand, and what it held.
 * - `limit`: a bare node:http server that streams the same kind of events to every connection: a
 *   `status` event at connect, then every `intervalMs` one `quote` event per symbol (a price that
 *   moves each time), each written to every open response in a plain loop.
 *
 * Both note each poll as { t, quotes: ["symbol|price|volume|amount", …] } (t: CLOCK_MONOTONIC in ms,
 * `process.hrtime`, the same clock in every process of the machine), so the parent can tell which
 * poll a received event came from and how long after that poll it arrived. IPC: the child sends
 * `{ type: "ready", port }`; the parent asks `{ type: "rss" }` → `{ type: "rss", rss, subscribers }`
 * and `{ type: "polls" }` → `{ type: "polls", polls }`.
 *
 * argv[2]: JSON { mode, intervalMs, symbols, replayUrl?, sinaTradeDatesUrl?, databaseUrl? }.
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What the parent passes in argv[2]. */
export interface FanoutServerConfig {
  mode: "api" | "limit";
  intervalMs: number;
  /** The stream's symbols (canonical codes). */
  symbols: string[];
  replayUrl?: string;
  sinaTradeDatesUrl?: string;
  /** PostgreSQL; PGlite in a temporary directory when unset. */
  databaseUrl?: string | undefined;
}

/** One poll: when its upstream answer was in hand, and each quote's signature. */
export interface Poll {
  t: number;
  quotes: string[];
}

/** Friday 2026-11-20, 10:00 in Shanghai: the CN market trades, so its poller polls. */
export const CN_SESSION = "2026-11-20T02:00:00Z";

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** How a quote is told apart from the one before it: what the hub compares, and the symbol. */
export const signature = (q: { symbol: string; price: unknown; volume: unknown; amount: unknown }) =>
  `${q.symbol}|${q.price}|${q.volume}|${q.amount}`;

const config = JSON.parse(process.argv[2]!) as FanoutServerConfig;
const polls: Poll[] = [];
let subscribers: () => number;
let port: number;
let close: () => Promise<void>;

if (config.mode === "api") {
  // imported here, so that the limit's process holds nothing but node:http
  const { serve } = await import("@hono/node-server");
  const { ManualClock, systemClock } = await import("@quantdb/core/clock");
  const { openDatabase } = await import("@quantdb/db");
  const { createSystem, replayUrls } = await import("@quantdb/server");
  const dataDir = config.databaseUrl ? undefined : mkdtempSync(join(tmpdir(), "quantdb-fanout-"));
  const database = await openDatabase({ url: config.databaseUrl, dataDir, owner: "server" });
  const system = await createSystem({
    database,
    clock: new ManualClock(CN_SESSION),
    upstreamClock: systemClock,
    urls: replayUrls({ url: config.replayUrl!, sinaTradeDatesUrl: config.sinaTradeDatesUrl! }),
    cryptoExchanges: ["binance"],
    timeoutMs: 10_000,
    stream: { intervalMs: config.intervalMs },
    coordinationUrl: config.databaseUrl,
  });
  const quotes = system.services.realtime;
  const lookup = quotes.lookup.bind(quotes);
  quotes.lookup = async (...args) => {
    const answer = await lookup(...args);
    const t = nowMs();
    const held: string[] = [];
    for (const result of answer.results) if (!(result instanceof Error)) held.push(signature(result));
    polls.push({ t, quotes: held });
    return answer;
  };
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: system.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
  subscribers = () => system.services.stream.stats().subscribers;
  close = async () => {
    system.services.stream.close();
    await new Promise((resolve) => server.close(resolve));
    await system.close();
    await database.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
} else {
  const open = new Set<http.ServerResponse>();
  let id = 0;
  let step = 0;
  const frame = (event: string, data: unknown) => `id: ${++id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store" });
    res.write(frame("status", { market: "CN", state: "open", next_open: null }));
    open.add(res);
    req.on("close", () => open.delete(res));
  });
  const timer = setInterval(() => {
    step++;
    const t = nowMs();
    const events = config.symbols.map((symbol, i) => {
      const price = 100 + i + step / 100;
      const quote = {
        symbol,
        market: "SH",
        name: "贵州茅台",
        price,
        change: 1.23,
        pct_change: 0.08,
        open: 1460,
        high: 1475,
        low: 1455.01,
        prev_close: 1466.5,
        volume: 3_215_600 + step,
        amount: 4_716_342_528 + step,
        time: "2026-11-20T10:00:03+08:00",
      };
      return { sig: signature(quote), text: frame("quote", quote) };
    });
    polls.push({ t, quotes: events.map((e) => e.sig) });
    for (const { text } of events) for (const res of open) res.write(text);
  }, config.intervalMs);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  subscribers = () => open.size;
  close = async () => {
    clearInterval(timer);
    for (const res of open) res.end();
    await new Promise((resolve) => server.close(resolve));
  };
}

process.on("message", (message: { type: string }) => {
  if (message.type === "rss")
    process.send!({ type: "rss", rss: process.memoryUsage().rss, subscribers: subscribers() });
  else if (message.type === "polls") process.send!({ type: "polls", polls });
  else if (message.type === "stop") void close().finally(() => process.exit(0));
});
process.send!({ type: "ready", port });
