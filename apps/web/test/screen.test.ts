import type { ScreenAnswer } from "@quantdb/sdk";
import { describe, expect, it } from "vitest";
import {
  formatScore,
  formatValue,
  parseScreen,
  screenCsv,
  screenQuery,
  screenRequest,
  symbolHref,
  valueColumns,
} from "../src/lib/screen.ts";

/** The search parameters of a query string as Next.js gives them to a page (repeated keys as arrays). */
function paramsOf(query: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const held = params[key];
    params[key] = held === undefined ? value : [...(Array.isArray(held) ? held : [held]), value];
  }
  return params;
}

describe("screen URL", () => {
  it("reads a named universe with filters, ranking, date, adjust and limit", () => {
    const query =
      "universe=000300&as_of=2024-05-22&adjust=hfq&filter=pct_change_20:gt:0&filter=close:between:10:100" +
      "&filter=rsi6:le:-2.5&rank=pct_change_20:desc&rank=volatility_20:asc:0.5&limit=20";
    const { form, run } = parseScreen(paramsOf(query));
    expect(run).toBe(true);
    expect(form).toEqual({
      universe: "000300",
      symbols: "",
      asOf: "2024-05-22",
      adjust: "hfq",
      filters: [
        { field: "pct_change_20", op: ">", value: "0", high: "" },
        { field: "close", op: "between", value: "10", high: "100" },
        { field: "rsi6", op: "<=", value: "-2.5", high: "" },
      ],
      rankBy: [
        { field: "pct_change_20", order: "desc", weight: "" },
        { field: "volatility_20", order: "asc", weight: "0.5" },
      ],
      limit: "20",
      top: "",
    });
    expect(screenQuery(form)).toBe(query);
  });

  it("writes an explicit list as symbols=, crypto pairs canonical and readable; reads it back", () => {
    const { form } = parseScreen({ symbols: "600519, 300750 binance:btc-usdt", rank: "pct_change_20" });
    expect(form.universe).toBe("symbols");
    expect(form.symbols).toBe("600519,300750,binance:BTC/USDT");
    expect(form.rankBy).toEqual([{ field: "pct_change_20", order: "desc", weight: "" }]);
    const query = screenQuery(form);
    expect(query).toBe("symbols=600519,300750,binance:BTC/USDT&rank=pct_change_20:desc");
    expect(parseScreen(paramsOf(query)).form).toEqual(form);
  });

  it("keeps adjust= (unadjusted) apart from no adjust (the API's default qfq)", () => {
    expect(parseScreen(paramsOf("universe=SH&adjust=")).form.adjust).toBe("");
    expect(parseScreen(paramsOf("universe=SH")).form.adjust).toBe("qfq");
    expect(screenQuery(parseScreen(paramsOf("universe=SH&adjust=")).form)).toBe("universe=SH&adjust=");
    expect(screenQuery(parseScreen(paramsOf("universe=SH&adjust=qfq")).form)).toBe("universe=SH");
  });

  it("writes top only for a crypto universe", () => {
    const crypto = parseScreen(paramsOf("universe=crypto:binance:USDT&top=30&rank=volatility_20:asc")).form;
    expect(screenQuery(crypto)).toBe("universe=crypto:binance:USDT&rank=volatility_20:asc&top=30");
    expect(screenQuery({ ...crypto, universe: "HK" })).toBe("universe=HK&rank=volatility_20:asc");
  });

  it("without a universe or a list: the default form, not run", () => {
    const { form, run } = parseScreen({});
    expect(run).toBe(false);
    expect(form.universe).toBe("000300");
    expect(form.rankBy).toEqual([{ field: "pct_change_20", order: "desc", weight: "" }]);
    expect(parseScreen({ symbols: " " }).run).toBe(false);
  });

  it("passes unknown operators and text through, so the API answers them with its own message", () => {
    const { form } = parseScreen(paramsOf("universe=000300&filter=close:ne:abc&rank=close:sideways"));
    expect(form.filters).toEqual([{ field: "close", op: "ne", value: "abc", high: "" }]);
    expect(screenQuery(form)).toBe("universe=000300&filter=close:ne:abc&rank=close:sideways");
    // odd characters are percent-encoded and come back unchanged
    const odd = { ...form, asOf: "2024/05/22 & more" };
    expect(parseScreen(paramsOf(screenQuery(odd))).form.asOf).toBe("2024/05/22 & more");
  });
});

describe("screen request", () => {
  it("is the API's body: numbers for values, between as [low, high], optional parts left out", () => {
    const { form } = parseScreen(
      paramsOf(
        "universe=000300&as_of=2024-05-22&filter=pct_change_20:gt:0&filter=close:between:10:100" +
          "&rank=pct_change_20:desc&rank=volatility_20:asc:0.5&limit=20",
      ),
    );
    expect(screenRequest(form)).toEqual({
      universe: "000300",
      as_of: "2024-05-22",
      filters: [
        { field: "pct_change_20", op: ">", value: 0 },
        { field: "close", op: "between", value: [10, 100] },
      ],
      rank_by: [
        { field: "pct_change_20", order: "desc" },
        { field: "volatility_20", order: "asc", weight: 0.5 },
      ],
      limit: 20,
    });
    expect(screenRequest(parseScreen({ symbols: "600519,00700" }).form)).toEqual({
      universe: { symbols: ["600519", "00700"] },
    });
    // adjust is sent when it is not the default qfq (crypto pairs refuse any but "")
    expect(screenRequest(parseScreen({ universe: "SH", adjust: "hfq" }).form).adjust).toBe("hfq");
    expect(screenRequest(parseScreen({ universe: "SH", adjust: "" }).form).adjust).toBe("");
    expect(screenRequest(parseScreen({ universe: "crypto:binance:USDT" }).form)).not.toHaveProperty("adjust");
    expect(screenRequest(parseScreen({ universe: "crypto:binance:USDT", top: "10" }).form).top).toBe(10);
    expect(screenRequest(parseScreen({ universe: "HK", top: "10" }).form).top).toBeUndefined();
  });

  it("sends a value that is not a number as null (JSON of NaN), for the API to refuse", () => {
    const { form } = parseScreen(paramsOf("universe=000300&filter=close:gt:abc&filter=close:gt:"));
    expect(JSON.parse(JSON.stringify(screenRequest(form))).filters).toEqual([
      { field: "close", op: ">", value: null },
      { field: "close", op: ">", value: null },
    ]);
  });
});

const RESULTS: ScreenAnswer["results"] = [
  {
    symbol: "300750",
    market: "SZ",
    name: "宁德时代",
    score: 1,
    date: "2024-05-22",
    provisional: false,
    values: { close: 204.89, pct_change_20: 10.29229692630671 },
  },
  {
    symbol: "binance:BTC/USDT",
    market: "CRYPTO",
    name: "BTC/USDT, quoted",
    score: 0,
    date: "2024-05-22",
    provisional: true,
    values: { close: 69_000.5, pct_change_20: -2.1 },
  },
];

describe("screen results", () => {
  it("link each symbol to its page: the stock page, or a crypto pair's page", () => {
    expect(symbolHref("600519")).toBe("/stock/600519");
    expect(symbolHref("00700")).toBe("/stock/00700");
    expect(symbolHref("binance:BTC/USDT")).toBe("/crypto/binance/BTC-USDT");
  });

  it("have one column per value field, in the API's order", () => {
    expect(valueColumns(RESULTS)).toEqual(["close", "pct_change_20"]);
    expect(valueColumns([])).toEqual([]);
  });

  it("show scores with 4 decimals and values with grouped digits", () => {
    expect(formatScore(1)).toBe("1.0000");
    expect(formatScore(1 / 3)).toBe("0.3333");
    expect(formatScore(null)).toBe("—");
    expect(formatValue(10.29229692630671)).toBe("10.2923");
    expect(formatValue(1697.71)).toBe("1,697.71");
    expect(formatValue(2.1e12)).toBe("2,100,000,000,000");
    expect(formatValue(undefined)).toBe("—");
  });

  it("download as CSV: a header, then one row per result with the API's numbers", () => {
    expect(screenCsv(RESULTS).split("\n")).toEqual([
      "rank,symbol,market,name,score,date,provisional,close,pct_change_20",
      "1,300750,SZ,宁德时代,1,2024-05-22,false,204.89,10.29229692630671",
      '2,binance:BTC/USDT,CRYPTO,"BTC/USDT, quoted",0,2024-05-22,true,69000.5,-2.1',
    ]);
  });
});
