/**
 * The market registry as data: what every market's definition must satisfy (fields consistent with each other,
 * with the bundled calendars and with the symbol parsers), and the lookups over it. The definitions' values are
 * registry.ts's alone; these tests do not restate them.
 */
import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/registry.ts";
import { eastmoneySecid, eastmoneyVolumeToShares } from "../eastmoney/ids.ts";
import { parseIndexSymbol, parseStockSymbol } from "../symbols/index.ts";
import * as registry from "./index.ts";

const all = registry.STOCK_MARKET_IDS.map((id) => registry.MARKETS[id]);
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The forms an examples text lists (`"600519, sh600519 or 830799.BJ (Beijing)"`), without the remarks. */
const examplesOf = (text: string) => text.replace(/ \([^)]*\)/g, "").split(/, | or /);

describe("every market's definition", () => {
  it.each(all)("$id: its id, time zone, hours and calendar fields are consistent", (m) => {
    expect(registry.MARKETS[m.id]).toBe(m);
    expect(registry.isMarketId(m.id)).toBe(true);
    expect(Intl.DateTimeFormat("en", { timeZone: m.timeZone }).resolvedOptions().timeZone).toBe(m.timeZone);
    const { open, close, breakStart, breakEnd } = m.hours;
    for (const time of [open, close, breakStart, breakEnd, m.closingAuctionEnd]) {
      if (time !== null) expect(time).toMatch(HH_MM);
    }
    expect(breakStart === null).toBe(breakEnd === null);
    const times = [open, breakStart, breakEnd, close].filter((t) => t !== null);
    expect(times).toEqual([...times].sort());
    expect(new Set(times).size).toBe(times.length);
    if (m.closingAuctionEnd !== null) expect(m.closingAuctionEnd > close).toBe(true);
    expect(Number.isInteger(m.finalAfterCloseMinutes) && m.finalAfterCloseMinutes > 0).toBe(true);
    if (m.calendar.kind === "exchange" && m.calendar.halfDayClose !== null) {
      expect(m.calendar.halfDayClose > open && m.calendar.halfDayClose < close).toBe(true);
    }
  });

  it.each(all)("$id: its exchanges, compilers, units and sources are consistent", (m) => {
    expect(m.exchanges.length).toBeGreaterThan(0);
    expect(Object.keys(m.exchangeInfo).sort()).toEqual([...m.exchanges].sort());
    for (const exchange of [...m.exchanges, ...m.indexCompilers]) expect(registry.marketOfExchange(exchange)).toBe(m);
    expect(registry.CURRENCIES).toContain(m.currency);
    expect(registry.TIME_ZONES).toContain(m.timeZone);
    for (const decimals of Object.values(m.priceDecimals))
      expect(Number.isInteger(decimals) && decimals >= 0).toBe(true);
    if (m.lotSize !== null) expect(Number.isInteger(m.lotSize) && m.lotSize > 0).toBe(true);
    expect(m.adjustments).toContain("");
    expect(new Set(m.adjustments).size).toBe(m.adjustments.length);
    expect(m.sources.dailyBars.length).toBeGreaterThan(0);
  });

  it.each(all)("$id: agrees with its bundled calendar and the latest regular session's hours", (m) => {
    const calendar = getCalendar(m.id);
    expect(calendar.timeZone).toBe(m.timeZone);
    if (m.calendar.kind === "exchange") expect(calendar.firstSession).toBe(m.calendar.firstSession);
    const sessions = calendar.sessionsBetween("2026-12-01", calendar.knownThrough);
    const regular = sessions
      .map((date) => calendar.session(date)!)
      .filter((s) => !s.halfDay)
      .at(-1);
    expect(regular).toMatchObject(m.hours);
  });

  it.each(all)("$id: reads each of its own examples, benchmark and named indices as its own", (m) => {
    for (const example of examplesOf(m.symbols.stockExamples)) {
      const symbol = parseStockSymbol(example);
      expect(registry.marketOfExchange(symbol.market), example).toBe(m);
      expect(m.exchanges, example).toContain(symbol.market);
      // only this market's patterns match it
      const matching = all.filter((other) => other.symbols.stock.some((p) => p.test(example.toUpperCase())));
      expect(matching, example).toEqual([m]);
    }
    for (const example of [...examplesOf(m.symbols.indexExamples), m.benchmarkIndex]) {
      expect(registry.marketOfExchange(parseIndexSymbol(example).market), example).toBe(m);
    }
    for (const [code, aliases] of Object.entries(m.namedIndices)) {
      for (const name of [code, ...aliases]) expect(parseIndexSymbol(name), name).toMatchObject({ code });
    }
  });
});

describe("the lookups over the registry", () => {
  it("derives the exchange, compiler, currency and time zone lists from the markets, in registry order", () => {
    expect(registry.STOCK_MARKET_IDS).toEqual(Object.keys(registry.MARKETS));
    expect(registry.MARKET_IDS).toEqual([...registry.STOCK_MARKET_IDS, registry.CRYPTO_MARKET.id]);
    expect(registry.STOCK_EXCHANGES).toEqual([...new Set(all.flatMap((m) => m.exchanges))]);
    expect(registry.INDEX_COMPILERS).toEqual([...new Set(all.flatMap((m) => m.indexCompilers))]);
    expect(registry.CURRENCIES).toEqual([...new Set(all.map((m) => m.currency))]);
    expect(registry.TIME_ZONES).toEqual([...new Set([...all.map((m) => m.timeZone), "UTC"])]);
  });

  it("has a crypto market on a continuous UTC calendar, found by id alongside the stock markets", () => {
    expect(registry.isMarketId("CRYPTO")).toBe(true);
    expect(registry.isStockMarketId("CRYPTO")).toBe(false);
    expect(registry.anyMarket("CRYPTO")).toBe(registry.CRYPTO_MARKET);
    expect(registry.anyMarket("HK")).toBe(registry.MARKETS.HK);
    const calendar = getCalendar("CRYPTO");
    expect(calendar.timeZone).toBe(registry.CRYPTO_MARKET.timeZone);
    expect(calendar.sessionsBetween("2024-02-27", "2024-03-02")).toEqual([
      "2024-02-27",
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
      "2024-03-02",
    ]);
    expect(calendar.countSessions("2024-01-01", "2024-12-31")).toBe(366);
    expect(calendar.session("2026-12-25")).toMatchObject({ open: "00:00", close: "24:00", breakStart: null });
    expect(calendar.previousSession("2009-01-03")).toBeNull();
    expect(calendar.isSession("2008-12-31")).toBe(false);
  });

  it("refuses an unknown market or exchange, and finds the operator of every exchange", () => {
    expect(registry.isMarketId("US")).toBe(false);
    expect(registry.isMarketId("toString")).toBe(false);
    expect(() => registry.market("US" as never)).toThrow(RangeError);
    expect(() => registry.marketOfExchange("NY" as never)).toThrow(RangeError);
    for (const m of all) expect(registry.market(m.id)).toBe(m);
    for (const e of registry.STOCK_EXCHANGES) {
      expect(registry.exchangeInfo(e)).toBe(registry.marketOfExchange(e).exchangeInfo[e]);
    }
  });

  it("gives price decimals per instrument kind", () => {
    for (const symbol of [parseStockSymbol("600519"), parseStockSymbol("00700"), parseIndexSymbol("HSI")]) {
      const { priceDecimals } = registry.marketOfExchange(symbol.market);
      expect(registry.priceDecimalsOf(symbol)).toBe(priceDecimals[symbol.kind]);
    }
    // HK quotes stocks to a tenth of a cent, A-shares to the cent
    expect(registry.priceDecimalsOf(parseStockSymbol("00700"))).toBe(3);
    expect(registry.priceDecimalsOf(parseStockSymbol("600519"))).toBe(2);
  });
});

describe("symbol forms", () => {
  const parse = { stock: parseStockSymbol, index: parseIndexSymbol };
  it.each([
    ["stock:SH:600519", ["600519", "sh600519", "600519.SS"]],
    ["stock:SZ:000001", ["000001.SZ"]],
    ["stock:BJ:830799", ["830799.BJ"]],
    ["stock:BJ:920002", ["920002"]],
    ["stock:HK:00700", ["00700", "700.HK", "HK:700", "hk00700"]],
    ["index:SH:000001", ["000001"]],
    ["index:CSI:931151", ["csi931151"]],
    ["index:SZ:399006", ["399006.SZ"]],
    ["index:HK:HSI", ["Hang Seng"]],
    ["index:HK:HSTECH", ["^HSTECH"]],
  ] as const)("reads %s from %j", (key, inputs) => {
    const kind = key.startsWith("stock:") ? "stock" : "index";
    for (const input of inputs) expect(registry.instrumentKey(parse[kind](input)), input).toBe(key);
  });
});

describe("lots and shares", () => {
  it("converts lots to whole shares and back, for every market with a fixed lot size", () => {
    for (const m of all.filter((m) => m.lotSize !== null)) {
      for (const lots of [0, 1, 7, 32156, 0.29]) {
        const shares = registry.lotsToShares(m, lots);
        if (!m.volume.fractional) expect(Number.isInteger(shares)).toBe(true);
        expect(registry.sharesToLots(m, shares)).toBeCloseTo(lots, 10);
      }
    }
    const cn = registry.market("CN");
    expect(registry.lotsToShares(cn, 32156)).toBe(3215600);
    expect(registry.lotsToShares(cn, 0.29)).toBe(29); // 0.29 × 100 = 28.999999999999996
    expect(registry.sharesToLots(cn, 3215600)).toBe(32156);
  });

  it("has no fixed lot where lots differ per stock (HK): its volumes are shares", () => {
    for (const m of all.filter((m) => m.lotSize === null)) {
      expect(() => registry.lotsToShares(m, 1)).toThrow(RangeError);
      expect(() => registry.sharesToLots(m, 1)).toThrow(RangeError);
    }
    expect(registry.market("HK").lotSize).toBeNull();
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
