/**
 * Server entry: read the environment, open the database (PGlite in QUANTDB_DATA_DIR, or
 * PostgreSQL at DATABASE_URL), start the replay upstream in replay mode, and serve.
 */
import { serve } from "@hono/node-server";
import { systemClock } from "@quantdb/core/clock";
import { EastmoneyHistoryClient, EastmoneyQuoteClient } from "@quantdb/core/eastmoney";
import { EastmoneyInfoClient, EastmoneyListClient } from "@quantdb/core/lists";
import { openDatabase } from "@quantdb/db";
import { createApp } from "./app.ts";
import { loadEnv } from "./env.ts";
import { createServices } from "./services.ts";

const env = loadEnv();
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.QUANTDB_DATA_DIR });

let upstreamUrl = env.QUANTDB_EASTMONEY_HISTORY_URL;
let sinaUrl = env.QUANTDB_SINA_CALENDAR_URL;
let quoteUrl = env.QUANTDB_EASTMONEY_QUOTE_URL;
let datacenterUrl = env.QUANTDB_EASTMONEY_DATACENTER_URL;
let listUrl = env.QUANTDB_EASTMONEY_LIST_URL;
let closeReplay: (() => Promise<void>) | undefined;
if (env.QUANTDB_UPSTREAM === "replay") {
  const { startReplay } = await import("@quantdb/replay");
  const replay = await startReplay({ port: env.QUANTDB_REPLAY_PORT });
  upstreamUrl = replay.url;
  sinaUrl = replay.sinaTradeDatesUrl;
  quoteUrl = replay.url;
  datacenterUrl = replay.url;
  listUrl = replay.url;
  closeReplay = () => replay.close();
  console.log(`[quantdb] replay upstream (real recorded data, offline) at ${replay.url}`);
}

const upstream = new EastmoneyHistoryClient({ baseUrl: upstreamUrl, timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS });
const services = createServices({ database, upstream, clock: systemClock, sina: { url: sinaUrl, timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS }, quoteUpstream: new EastmoneyQuoteClient({ baseUrl: quoteUrl, timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS }), realtimeTtlSeconds: env.QUANTDB_REALTIME_TTL_SECONDS, listUpstream: new EastmoneyListClient({ baseUrl: listUrl, timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS, pageDelayMs: 500 }), infoUpstream: new EastmoneyInfoClient({ baseUrl: quoteUrl, timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS }), datacenter: { baseUrl: datacenterUrl, timeoutMs: env.QUANTDB_UPSTREAM_TIMEOUT_MS } });
const restored = await services.calendarExtensions.restore((extension, error) =>
  console.warn(`[quantdb] stored ${extension.id} calendar extension through ${extension.knownThrough} skipped: ${error.message}`),
);
if (restored > 0) console.log(`[quantdb] ${restored} calendar extension(s) applied`);
const app = createApp(services);
const server = serve({ fetch: app.fetch, port: env.PORT, ...(env.HOST ? { hostname: env.HOST } : {}) }, (info) => {
  console.log(`[quantdb] API on http://localhost:${info.port} (database: ${database.driver} ${database.location}; docs: /docs)`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[quantdb] ${signal}: shutting down`);
  server.close();
  await closeReplay?.();
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
