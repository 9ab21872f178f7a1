import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import { barUnits, parseHistoryQuery, type HistoryResult } from "@quantdb/core/history";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";
import { HistoryQuerySchema, type HistoryResponseSchema, SymbolParam, historyContent } from "./schema.ts";
import { serveHistory } from "./serve.ts";

const description =
  `Daily OHLCV bars of an A-share (Shanghai, Shenzhen, Beijing) or Hong Kong stock, from
Eastmoney's daily kline endpoint (what AKShare's stock_zh_a_hist and stock_hk_hist scrape), cached.

Caching: QuantDB works out from the exchange calendar which trading sessions of the range it does not
hold yet, fetches only those (one upstream call per contiguous gap) and answers from its database; the
same question again makes no upstream call. Sessions on which upstream had no bar (suspensions, before
listing, after delisting) are remembered once confirmed (see below) and not refetched; a failed call is not remembered.

Adjustment: "" is unadjusted; qfq (前复权) is Eastmoney's forward adjustment, subtractive (600519's
history shifted by exactly 30.87 CNY after its 2024 dividend), anchored on the latest price, so history
moves; hfq (后复权) is anchored on the earliest price. Each is fetched and stored separately ` +
  `(they are not derivable from each
other). Eastmoney rewrites qfq history back through time at every ex-dividend date, so every extension
of a cached range re-fetches one held session next to the gap (the anchor); if upstream quotes it
differently now, the held series is stale and is replaced whole in one more call, atomically, and
metadata.cache.series_replaced says so. A held qfq/hfq series is also checked once per session day, by
the first request for it that day (or the daily ingest): its latest held bar is re-fetched and compared
the same way (series_replaced.reason "daily_check").

Empty answers: sessions upstream answered without a bar between two bars (a suspension) are held at
once; an empty answer at the edge of what upstream sent (before listing, after delisting, or a glitch)
is remembered only when a later request's answer is empty for it again. Until then it is served empty
and listed in metadata.cache.unconfirmed_empty.

Provisional bars: today's bar is final 30 minutes after the session's close (A-shares 15:30
Asia/Shanghai; HK 16:30 Asia/Hong_Kong, 12:30 on half days). Before that it is served with
provisional=true, never stored, and refetched at most once a minute. A bar stored on its own session
day is re-verified once on the next session day (volumes get revised), then frozen.

Calendar horizon: the calendars are known through metadata.calendar_known_through. Days after it up to
today are first learnt from the market's benchmark index (CN: SSE Composite 1.000001, HK: Hang Seng
Index), one upstream kline call per market and day (see the calendar endpoints); a day is known once
final (close + 30 min). Dates still after it are unknown, not weekdays: they are passed through to
upstream on every request and never cached.

Quality gate: every upstream response is checked before anything is stored (dates are sessions,
positive prices, low <= open, close <= high, volume and amount >= 0, no duplicate dates, pct_change
consistent with change, and in adjusted series with the previous close); a response that fails is
rejected whole with 502 UPSTREAM_INVALID and the offending rows in error.details.problems.`;

function route(path: string, operationId: string, summary: string) {
  return createRoute({
    method: "get",
    path,
    operationId,
    tags: ["History"],
    summary,
    description,
    request: { params: SymbolParam, query: HistoryQuerySchema },
    responses: {
      200: {
        description:
          "Bars in ascending date order, in the format asked for. Carries a weak ETag; with a matching " +
          "If-None-Match the answer is 304 without a body. Sent gzip- or brotli-compressed when " +
          "Accept-Encoding asks.",
        content: historyContent,
      },
      304: { description: "Not modified: the answer's ETag matches If-None-Match" },
      ...openApiErrorResponses,
    },
  });
}

/**
 * The JSON body of a history answer (stocks and indices); `bars` in place of the result's own, and
 * `count` when they are left out (the serving code splices the stored JSON text in later).
 */
export function historyBody(
  result: HistoryResult,
  bars: HistoryResult["bars"] = result.bars,
  count = bars.length,
): z.infer<typeof HistoryResponseSchema> {
  return {
    symbol: result.symbol.code,
    market: result.symbol.market,
    name: result.name,
    adjust: result.adjust,
    period: result.period,
    start_date: result.start,
    end_date: result.end,
    data: bars,
    metadata: {
      count,
      cache: result.cache,
      units: barUnits(result.symbol),
      calendar_known_through: result.calendarKnownThrough,
      complete: result.complete,
      missing: result.missing,
      upstream_error: result.upstreamError,
    },
  };
}

/** `GET /api/v1/historical/stock/{symbol}` and its alias `GET /api/v1/stocks/stock/{symbol}`. */
export function registerGetStockHistory(app: OpenAPIHono<AppEnv>): void {
  const routes = [
    route("/api/v1/historical/stock/{symbol}", "getStockHistory", "Daily, weekly or monthly bars of a stock"),
    route(
      "/api/v1/stocks/stock/{symbol}",
      "getStockHistoryAlias",
      "Bars of a stock (alias of /api/v1/historical/stock/{symbol})",
    ),
  ];
  for (const r of routes) {
    app.openapi(r, async (c) => {
      const { clock } = c.get("services");
      const { format, allow_partial, force_refresh, ...params } = c.req.valid("query");
      const query = parseHistoryQuery({ symbol: c.req.valid("param").symbol, ...params }, clock);
      return serveHistory(c, query, format ?? "json", {
        allowPartial: allow_partial === "true",
        forceRefresh: force_refresh === "true",
      });
    });
  }
}
