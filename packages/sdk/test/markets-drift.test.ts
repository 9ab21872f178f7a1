/**
 * The committed `src/markets.generated.ts` is what core's market registry renders now (the same
 * code as `pnpm --filter @quantdb/sdk generate`), the SDK's calendar choice agrees with core's
 * symbol parser for every accepted form, and the SDK reads crypto pairs (`exchange:BASE/QUOTE`) as core does.
 */
import { readFile } from "node:fs/promises";
import { looksLikeCryptoSymbol, pairPath, parseCryptoSymbol } from "@quantdb/core/crypto";
import { parseIndexSymbol, parseStockSymbol } from "@quantdb/core/symbols";
import { marketOfExchange } from "@quantdb/core/markets";
import { describe, expect, it } from "vitest";
import { renderMarketsModule } from "../scripts/markets.ts";
import { cryptoPathParams, isCryptoSymbol } from "../src/crypto.ts";
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

  const pairs = ["binance:BTC/USDT", "BINANCE:btc-usdt", " okx:ETH/USDT ", "kraken:XBT/USD", "coinbase:1INCH-USD"];
  it.each(pairs)("reads the crypto pair %s as core does", (symbol) => {
    expect(isCryptoSymbol(symbol)).toBe(true);
    expect(looksLikeCryptoSymbol(symbol)).toBe(true);
    const pair = parseCryptoSymbol(symbol);
    expect(cryptoPathParams(symbol)).toEqual({ exchange: pair.exchange, pair: pairPath(pair) });
  });

  const notPairs = [
    "600519",
    "0700.HK",
    "HSI",
    "BTC/USDT",
    "binance:BTC",
    "binance:BTC/USDT/X",
    "binance BTC/USDT",
    "",
  ];
  it.each(notPairs)("agrees with core that %j is not written as a crypto pair", (symbol) => {
    expect(isCryptoSymbol(symbol)).toBe(false);
    expect(looksLikeCryptoSymbol(symbol)).toBe(false);
  });
});
