/**
 * The committed `src/markets.generated.ts` is what core's market registry renders now (the same
 * code as `pnpm --filter @quantdb/sdk generate`), and the SDK's calendar choice agrees with core's
 * symbol parser for every accepted form.
 */
import { readFile } from "node:fs/promises";
import { parseIndexSymbol, parseStockSymbol } from "@quantdb/core/symbols";
import { marketOfExchange } from "@quantdb/core/markets";
import { describe, expect, it } from "vitest";
import { renderMarketsModule } from "../scripts/markets.ts";
import { indexCalendar, stockCalendar } from "../src/sessions.ts";

describe("generated market data", () => {
  it("src/markets.generated.ts equals what the registry renders now", async () => {
    expect(await readFile(new URL("../src/markets.generated.ts", import.meta.url), "utf8")).toBe(renderMarketsModule());
  });

  const stocks = [
    "600519",
    "sh600519",
    "600519.SS",
    "000001.SZ",
    "830799.BJ",
    "00700",
    "0700.HK",
    "700.HK",
    "HK.00700",
  ];
  it.each([...stocks, "hk00700", "HK:700"])("puts the stock %s on core's calendar", (symbol) => {
    expect(stockCalendar(symbol)).toBe(marketOfExchange(parseStockSymbol(symbol).market).id);
  });

  const indices = ["000001", "sh000300", "399001.SZ", "csi931151", "HSI", "^hsi", "Hang  Seng", "HSTECH"];
  it.each(indices)("puts the index %s on core's calendar", (symbol) => {
    expect(indexCalendar(symbol)).toBe(marketOfExchange(parseIndexSymbol(symbol).market).id);
  });
});
