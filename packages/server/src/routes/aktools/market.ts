/**
 * `stock_zh_a_spot_em`, `stock_hk_spot_em` and `stock_individual_info_em`, answered from the
 * stock-list snapshots (one per market and exchange-local day), the stored company profile and
 * the realtime quote cache.
 */
import { aktoolsInfoFrame, aktoolsSpotFrame, checkAktoolsParams, parseAktoolsInfoSymbol } from "@quantdb/core/history";
import { QuantDbError } from "@quantdb/core/errors";
import type { ListMarket, StockListEntry } from "@quantdb/core/lists";
import { market } from "@quantdb/core/markets";
import type { StockSymbol } from "@quantdb/core/symbols";
import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import type { AktoolsHandler } from "./handler.ts";

/** Every row of today's snapshot of each market, one market after another (each scans at most once a day). */
async function snapshotRows(c: Context<AppEnv>, markets: readonly ListMarket[]): Promise<StockListEntry[]> {
  const rows: StockListEntry[] = [];
  for (const market of markets) {
    const result = await c.get("services").lists.stockList.getStockList({
      market,
      q: undefined,
      limit: undefined,
      offset: 0,
    });
    rows.push(...result.stocks);
  }
  return rows;
}

/** 最新: the realtime quote's price; null when upstream has no quote for the symbol (upstream failures still fail). */
async function lastPrice(c: Context<AppEnv>, symbol: StockSymbol): Promise<number | null> {
  try {
    return (await c.get("services").realtime.quote(symbol)).price;
  } catch (error) {
    if (error instanceof QuantDbError && error.code === "NOT_FOUND") return null;
    throw error;
  }
}

/** The snapshot and company-information functions and their handlers, in documentation order. */
export const marketHandlers: ReadonlyMap<string, AktoolsHandler> = new Map<string, AktoolsHandler>([
  [
    "stock_zh_a_spot_em",
    async (c, params) => {
      checkAktoolsParams("stock_zh_a_spot_em", params);
      return aktoolsSpotFrame("stock_zh_a_spot_em", await snapshotRows(c, market("CN").exchanges));
    },
  ],
  [
    "stock_hk_spot_em",
    async (c, params) => {
      checkAktoolsParams("stock_hk_spot_em", params);
      return aktoolsSpotFrame("stock_hk_spot_em", await snapshotRows(c, market("HK").exchanges));
    },
  ],
  [
    "stock_individual_info_em",
    async (c, params) => {
      const symbol = parseAktoolsInfoSymbol(params);
      const info = await c.get("services").lists.companyInfo.getCompanyInfo(symbol, { signal: c.req.raw.signal });
      return aktoolsInfoFrame({ ...info, code: symbol.code }, await lastPrice(c, symbol));
    },
  ],
]);
