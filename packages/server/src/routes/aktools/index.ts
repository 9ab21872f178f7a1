/**
 * AKTools compatibility: `GET /api/public/{function}` for the AKShare functions QuantDB covers, with
 * AKTools' exact JSON, served from QuantDB's caches. Rules (parameters, frames, serialisation) live
 * in `@quantdb/core/history` (`aktools.ts`); this file only dispatches and answers.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import {
  AKTOOLS_COLUMNS,
  AKTOOLS_PARAMS,
  aktoolsJson,
  unsupportedAktoolsFunction,
  type AktoolsParams,
} from "@quantdb/core/history";
import type { AppEnv } from "../../context.ts";
import { calendarHandlers } from "./calendar.ts";
import type { AktoolsHandler } from "./handler.ts";
import { historyHandlers } from "./history.ts";
import { marketHandlers } from "./market.ts";
import { aktoolsRoute, type AktoolsFunctionDoc } from "./schema.ts";

const DOCS: readonly AktoolsFunctionDoc[] = [
  {
    name: "stock_zh_a_hist",
    summary:
      "A-share (SH, SZ, BJ) daily/weekly/monthly bars, e.g. " +
      "`?symbol=600519&period=daily&start_date=20240102&end_date=20240329&adjust=qfq`",
    params: AKTOOLS_PARAMS.stock_zh_a_hist,
    columns: AKTOOLS_COLUMNS.stock_zh_a_hist,
  },
  {
    name: "stock_hk_hist",
    summary: "Hong Kong stock daily/weekly/monthly bars, e.g. `?symbol=00700&start_date=20210301&end_date=20210331`",
    params: AKTOOLS_PARAMS.stock_hk_hist,
    columns: AKTOOLS_COLUMNS.stock_hk_hist,
  },
  {
    name: "index_zh_a_hist",
    summary:
      "CN index bars (000001 is the SSE Composite here), e.g. " +
      "`?symbol=000300&period=weekly&start_date=20240101&end_date=20240331`",
    params: AKTOOLS_PARAMS.index_zh_a_hist,
    columns: AKTOOLS_COLUMNS.index_zh_a_hist,
  },
  {
    name: "stock_zh_a_spot_em",
    summary:
      "today's snapshot of every A-share (SH, SZ, BJ), from QuantDB's stock-list snapshots (one scan per " +
      "market and exchange-local day, then served from the database)",
    params: AKTOOLS_PARAMS.stock_zh_a_spot_em,
    columns: AKTOOLS_COLUMNS.stock_zh_a_spot_em,
  },
  {
    name: "stock_hk_spot_em",
    summary: "today's snapshot of every Hong Kong stock, from the HK stock-list snapshot",
    params: AKTOOLS_PARAMS.stock_hk_spot_em,
    columns: AKTOOLS_COLUMNS.stock_hk_spot_em,
  },
  {
    name: "stock_individual_info_em",
    summary:
      "an A-share's company facts as item/value rows, from the stored company profile (refreshed daily) and " +
      "the realtime quote cache, e.g. `?symbol=600519`",
    params: AKTOOLS_PARAMS.stock_individual_info_em,
    columns: AKTOOLS_COLUMNS.stock_individual_info_em,
  },
  {
    name: "tool_trade_date_hist_sina",
    summary:
      "A-share trading dates from the first SSE session (1990-12-19) through the calendar's known horizon (no " +
      "upstream call)",
    params: AKTOOLS_PARAMS.tool_trade_date_hist_sina,
    columns: AKTOOLS_COLUMNS.tool_trade_date_hist_sina,
  },
];

/** Every served function's handler, in documentation order. */
const HANDLERS: ReadonlyMap<string, AktoolsHandler> = new Map([
  ...historyHandlers,
  ...marketHandlers,
  ...calendarHandlers,
]);

/** The AKShare functions this API serves, in documentation order. */
const AKTOOLS_SUPPORTED: readonly string[] = DOCS.map((doc) => doc.name).filter((name) => HANDLERS.has(name));

/** Register `GET /api/public/{function}` (documented in the OpenAPI document, tag AKTools). */
export function registerAktoolsRoutes(app: OpenAPIHono<AppEnv>): void {
  // Documented through the registry and served by a plain handler: the body is AKTools' exact bytes
  // (Python float repr), which c.json cannot produce.
  app.openAPIRegistry.registerPath(aktoolsRoute(DOCS.filter((doc) => HANDLERS.has(doc.name))));
  app.get("/api/public/:function", async (c) => {
    const name = c.req.param("function");
    const handler = HANDLERS.get(name);
    if (!handler) throw unsupportedAktoolsFunction(name, AKTOOLS_SUPPORTED);
    const params: AktoolsParams = c.req.query();
    const frame = await handler(c, params);
    return c.body(aktoolsJson(frame), 200, { "Content-Type": "application/json" });
  });
}
