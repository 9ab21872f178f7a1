/**
 * The whole QuantDB system over an open database, without a network listener: services wired to
 * the upstream sites (or a replay) and the HTTP app around them. Used by the server entry and by
 * the SDK's embedded mode, so both answer exactly alike.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Clock } from "@quantdb/core/clock";
import { EastmoneyHistoryClient, EastmoneyQuoteClient } from "@quantdb/core/eastmoney";
import { EastmoneyInfoClient, EastmoneyListClient } from "@quantdb/core/lists";
import type { DatabaseHandle } from "@quantdb/db";
import { createApp } from "./app.ts";
import type { AppEnv, Services } from "./context.ts";
import type { Env } from "./env.ts";
import { createServices } from "./services.ts";

/** Base URLs of every upstream QuantDB calls. */
export interface UpstreamUrls {
  /** Eastmoney push2his (daily klines). */
  eastmoneyHistory: string;
  /** Eastmoney push2 for realtime quotes (ulist) and company info (stock/get). */
  eastmoneyQuote: string;
  /** Eastmoney push2 for stock lists (clist). */
  eastmoneyList: string;
  /** Eastmoney datacenter (financial reports). */
  eastmoneyDatacenter: string;
  /** Sina's A-share trading-date list. */
  sinaCalendar: string;
}

/** The upstream URLs a validated environment names. */
export function upstreamUrlsFromEnv(env: Env): UpstreamUrls {
  return {
    eastmoneyHistory: env.QUANTDB_EASTMONEY_HISTORY_URL,
    eastmoneyQuote: env.QUANTDB_EASTMONEY_QUOTE_URL,
    eastmoneyList: env.QUANTDB_EASTMONEY_LIST_URL,
    eastmoneyDatacenter: env.QUANTDB_EASTMONEY_DATACENTER_URL,
    sinaCalendar: env.QUANTDB_SINA_CALENDAR_URL,
  };
}

/** Every upstream pointed at one replay server (`@quantdb/replay`). */
export function replayUrls(replay: { url: string; sinaTradeDatesUrl: string }): UpstreamUrls {
  return { eastmoneyHistory: replay.url, eastmoneyQuote: replay.url, eastmoneyList: replay.url, eastmoneyDatacenter: replay.url, sinaCalendar: replay.sinaTradeDatesUrl };
}

/** Options of {@link createSystem}. */
export interface SystemOptions {
  database: DatabaseHandle;
  clock: Clock;
  urls: UpstreamUrls;
  /** Per-call upstream timeout, ms. */
  timeoutMs: number;
  /** Seconds a realtime quote is reused while its exchange trades. @default 15 */
  realtimeTtlSeconds?: number;
  /** Pause between stock-list pages, ms (upstream politeness). @default 500 */
  listPageDelayMs?: number;
  /** Told about stored calendar extensions the bundled data now contradicts (skipped). */
  onSkippedExtension?: (message: string) => void;
}

/** Build services and app, and re-apply stored calendar extensions. */
export async function createSystem(options: SystemOptions): Promise<{ app: OpenAPIHono<AppEnv>; services: Services; restoredExtensions: number }> {
  const { database, clock, urls, timeoutMs } = options;
  const services = createServices({
    database,
    clock,
    upstream: new EastmoneyHistoryClient({ baseUrl: urls.eastmoneyHistory, timeoutMs }),
    sina: { url: urls.sinaCalendar, timeoutMs },
    quoteUpstream: new EastmoneyQuoteClient({ baseUrl: urls.eastmoneyQuote, timeoutMs }),
    ...(options.realtimeTtlSeconds !== undefined ? { realtimeTtlSeconds: options.realtimeTtlSeconds } : {}),
    listUpstream: new EastmoneyListClient({ baseUrl: urls.eastmoneyList, timeoutMs, pageDelayMs: options.listPageDelayMs ?? 500 }),
    infoUpstream: new EastmoneyInfoClient({ baseUrl: urls.eastmoneyQuote, timeoutMs }),
    datacenter: { baseUrl: urls.eastmoneyDatacenter, timeoutMs },
  });
  const restoredExtensions = await services.calendarExtensions.restore((extension, error) =>
    options.onSkippedExtension?.(`stored ${extension.id} calendar extension through ${extension.knownThrough} skipped: ${error.message}`),
  );
  return { app: createApp(services), services, restoredExtensions };
}
