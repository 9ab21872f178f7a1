import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/registry.ts";
import { eastmoneySecid, eastmoneyVolumeToShares } from "../eastmoney/ids.ts";
import { parseIndexSymbol, parseStockSymbol } from "../symbols/index.ts";
import {
  exchangeInfo,
  INDEX_COMPILERS,
  instrumentKey,
  isMarketId,
  lotsToShares,
  market,
  MARKET_IDS,
  marketOfExchange,
  MARKETS,
  priceDecimalsOf,
  sharesToLots,
  STOCK_EXCHANGES,
} from "./index.ts";

describe("the market registry", () => {
  it("lists CN and HK, in that order, and nothing else", () => {
    expect(MARKET_IDS).toEqual(["CN", "HK"]);
    expect(STOCK_EXCHANGES).toEqual(["SH", "SZ", "BJ", "HK"]);
    expect(INDEX_COMPILERS).toEqual(["SH", "SZ", "BJ", "CSI", "HK"]);
    expect(isMarketId("CN")).toBe(true);
    expect(isMarketId("US")).toBe(false);
    expect(() => market("US" as never)).toThrow(RangeError);
  });

  it("defines every field of CN", () => {
    expect(market("CN")).toMatchObject({
      id: "CN",
      name: "A-shares (SSE/SZSE/BSE)",
      calendar: {
        kind: "exchange",
        description: "A-shares: SSE, SZSE, BSE",
        firstSession: "1990-12-19",
        halfDayClose: null,
        computedSchedule: null,
        officialSchedule: "sina-trade-dates",
      },
      timeZone: "Asia/Shanghai",
      hours: { open: "09:30", close: "15:00", breakStart: "11:30", breakEnd: "13:00" },
      closingAuctionEnd: null,
      finalAfterCloseMinutes: 30,
      currency: "CNY",
      priceDecimals: { stock: 2, index: 2 },
      volume: { unit: "shares", fractional: false },
      lotSize: 100,
      exchanges: ["SH", "SZ", "BJ"],
      indexCompilers: ["SH", "SZ", "BJ", "CSI"],
      benchmarkIndex: "000001",
      adjustments: ["", "qfq", "hfq"],
      sources: { dailyBars: ["eastmoney"], financials: ["eastmoney-datacenter"] },
    });
  });

  it("defines every field of HK", () => {
    expect(market("HK")).toMatchObject({
      id: "HK",
      name: "Hong Kong (HKEX)",
      calendar: {
        kind: "exchange",
        description: "HKEX",
        firstSession: "1990-01-02",
        halfDayClose: "12:00",
        computedSchedule: "hkex",
        officialSchedule: "hkex-holidays",
      },
      timeZone: "Asia/Hong_Kong",
      hours: { open: "09:30", close: "16:00", breakStart: "12:00", breakEnd: "13:00" },
      closingAuctionEnd: "16:10",
      finalAfterCloseMinutes: 30,
      currency: "HKD",
      priceDecimals: { stock: 3, index: 2 },
      volume: { unit: "shares", fractional: false },
      lotSize: null,
      exchanges: ["HK"],
      indexCompilers: ["HK"],
      benchmarkIndex: "HSI",
      sources: { dailyBars: ["eastmoney"], financials: [] },
    });
    expect(Object.keys(market("HK").namedIndices)).toEqual(["HSI", "HSCEI", "HSTECH"]);
  });

  it("agrees with the bundled calendars and the latest session hours", () => {
    for (const id of MARKET_IDS) {
      const m = MARKETS[id];
      const calendar = getCalendar(id);
      expect(calendar.timeZone).toBe(m.timeZone);
      if (m.calendar.kind === "exchange") expect(calendar.firstSession).toBe(m.calendar.firstSession);
      const sessions = calendar.sessionsBetween("2026-12-01", calendar.knownThrough);
      const regular = sessions
        .map((date) => calendar.session(date)!)
        .filter((s) => !s.halfDay)
        .at(-1);
      expect(regular).toMatchObject(m.hours);
    }
  });

  it("finds the market of every exchange and index compiler", () => {
    expect(STOCK_EXCHANGES.map((e) => marketOfExchange(e).id)).toEqual(["CN", "CN", "CN", "HK"]);
    expect(marketOfExchange("CSI").id).toBe("CN");
    expect(() => marketOfExchange("NY" as never)).toThrow(RangeError);
    expect(STOCK_EXCHANGES.map((e) => exchangeInfo(e).operator)).toEqual(["SSE", "SZSE", "BSE", "HKEX"]);
  });

  it("gives price decimals per instrument kind", () => {
    expect(priceDecimalsOf(parseStockSymbol("600519"))).toBe(2);
    expect(priceDecimalsOf(parseStockSymbol("00700"))).toBe(3);
    expect(priceDecimalsOf(parseIndexSymbol("HSI"))).toBe(2);
  });
});

describe("symbol forms", () => {
  it.each([
    ["600519", "stock:SH:600519"],
    ["sh600519", "stock:SH:600519"],
    ["600519.SS", "stock:SH:600519"],
    ["000001.SZ", "stock:SZ:000001"],
    ["830799.BJ", "stock:BJ:830799"],
    ["920002", "stock:BJ:920002"],
    ["00700", "stock:HK:00700"],
    ["700.HK", "stock:HK:00700"],
    ["HK:700", "stock:HK:00700"],
    ["hk00700", "stock:HK:00700"],
  ])("reads the stock %s as %s", (input, key) => {
    expect(instrumentKey(parseStockSymbol(input))).toBe(key);
  });

  it.each([
    ["000001", "index:SH:000001"],
    ["csi931151", "index:CSI:931151"],
    ["399006.SZ", "index:SZ:399006"],
    ["Hang Seng", "index:HK:HSI"],
    ["^HSTECH", "index:HK:HSTECH"],
  ])("reads the index %s as %s", (input, key) => {
    expect(instrumentKey(parseIndexSymbol(input))).toBe(key);
  });

  it("matches every example of a market's accepted forms with that market's patterns only", () => {
    for (const id of MARKET_IDS) {
      const examples = MARKETS[id].symbols.stockExamples
        .split(/, | or /)
        .map((e) => e.replace(/ \(.*\)$/, "").toUpperCase());
      for (const example of examples) {
        const matching = MARKET_IDS.filter((other) => MARKETS[other].symbols.stock.some((p) => p.test(example)));
        expect(matching, example).toEqual([id]);
      }
    }
  });
});

describe("lots and shares", () => {
  it("converts A-share lots to whole shares and back", () => {
    expect(lotsToShares(market("CN"), 32156)).toBe(3215600);
    expect(lotsToShares(market("CN"), 0.29)).toBe(29); // 0.29 × 100 = 28.999999999999996
    expect(sharesToLots(market("CN"), 3215600)).toBe(32156);
  });

  it("has no fixed lot for HK: its volumes are shares", () => {
    expect(() => lotsToShares(market("HK"), 1)).toThrow(RangeError);
    expect(() => sharesToLots(market("HK"), 1)).toThrow(RangeError);
    expect(eastmoneyVolumeToShares("HK", 1234)).toBe(1234);
    expect(eastmoneyVolumeToShares("SZ", 12.34)).toBe(1234);
    expect(eastmoneyVolumeToShares("CSI", 5)).toBe(500);
  });

  it("maps instruments to Eastmoney's secid in the adapter only", () => {
    expect(eastmoneySecid(parseStockSymbol("600519"))).toBe("1.600519");
    expect(eastmoneySecid(parseStockSymbol("830799"))).toBe("0.830799");
    expect(eastmoneySecid(parseStockSymbol("00700"))).toBe("116.00700");
    expect(eastmoneySecid(parseIndexSymbol("csi931151"))).toBe("2.931151");
    expect(eastmoneySecid(parseIndexSymbol("HSTECH"))).toBe("124.HSTECH");
  });
});
