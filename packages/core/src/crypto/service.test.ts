/**
 * The crypto service's cache rules over an in-memory store and a scripted source: only missing
 * bars are fetched (paged), a repeat makes no call, concurrent requests make one fetch, empty
 * answers are remembered only once confirmed by a later request, a failed page stores nothing,
 * and the bar in progress is served provisional and never stored. Time is a ManualClock.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.ts";
import { UpstreamError } from "../errors.ts";
import { uncovered } from "./grid.ts";
import { CryptoService } from "./service.ts";
import type {
  CryptoBar,
  CryptoBarStore,
  CryptoBarsPage,
  CryptoFetched,
  CryptoMarketInfo,
  CryptoPair,
  CryptoSource,
  CryptoTicker,
  HeldTimeSpan,
  TimeSpan,
  Timeframe,
} from "./types.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const t = (iso: string) => Date.parse(iso);

/** A store keeping everything in maps, with the port's semantics (atomic saves, pending spans). */
class MemoryStore implements CryptoBarStore {
  readonly bars = new Map<string, Map<number, CryptoBar>>();
  readonly held = new Map<string, HeldTimeSpan[]>();
  readonly pending = new Map<string, TimeSpan[]>();
  version = 0;
  saves = 0;
  failNextSave = false;
  #key(pair: CryptoPair, timeframe: Timeframe) {
    return `${pair.exchange}:${pair.symbol}|${timeframe}`;
  }
  async read(pair: CryptoPair, timeframe: Timeframe, start: number, end: number) {
    const key = this.#key(pair, timeframe);
    const overlaps = (s: TimeSpan) => s.end >= start && s.start <= end;
    const stored = this.bars.get(key);
    return {
      instrumentId: stored ? 1 : null,
      held: (this.held.get(key) ?? []).filter(overlaps),
      pendingEmpty: (this.pending.get(key) ?? []).filter(overlaps),
      bars: [...(stored?.values() ?? [])]
        .filter((b) => b.time >= start && b.time <= end)
        .sort((a, b) => a.time - b.time),
    };
  }
  async saveFetched(f: CryptoFetched) {
    if (this.failNextSave) {
      this.failNextSave = false;
      throw new Error("disk full");
    }
    const key = this.#key(f.pair, f.timeframe);
    const bars = this.bars.get(key) ?? new Map<number, CryptoBar>();
    for (const bar of f.bars) bars.set(bar.time, bar);
    this.bars.set(key, bars);
    this.held.set(key, [...(this.held.get(key) ?? []), ...f.held.map((s) => ({ ...s, fetchedAt: f.fetchedAt }))]);
    const kept = (this.pending.get(key) ?? []).filter((p) => p.end < f.asked.start || p.start > f.asked.end);
    this.pending.set(key, [...kept, ...f.pendingEmpty]);
    this.version++;
    this.saves++;
  }
  async dataVersion() {
    return String(this.version);
  }
  async heldSeries() {
    return [];
  }
  async coverage() {
    return null;
  }
  async totals() {
    const bars = [...this.bars.values()].reduce((n, m) => n + m.size, 0);
    return { pairs: this.bars.size, bars, spans: 0, firstBar: null, lastBar: null };
  }
}

/** A source serving generated bars from `listedFrom` on, logging every page; faults by count. */
class ScriptedSource implements CryptoSource {
  readonly exchanges = ["binance", "okx"] as const;
  readonly pages: CryptoBarsPage[] = [];
  failPages = 0;
  gate: Promise<void> | null = null;
  constructor(readonly listedFrom: number) {}
  async markets(): Promise<CryptoMarketInfo[]> {
    return [
      { symbol: "BTC/USDT", base: "BTC", quote: "USDT", exchangeSymbol: "BTCUSDT", active: true },
      { symbol: "ETH/USDT", base: "ETH", quote: "USDT", exchangeSymbol: "ETHUSDT", active: true },
      { symbol: "BTC/USDC", base: "BTC", quote: "USDC", exchangeSymbol: "BTCUSDC", active: true },
    ];
  }
  async fetchBarsPage(page: CryptoBarsPage): Promise<CryptoBar[]> {
    this.pages.push(page);
    if (this.gate) await this.gate;
    if (this.failPages > 0) {
      this.failPages--;
      throw new UpstreamError("UPSTREAM_UNAVAILABLE", "HTTP 500", { status: 500 });
    }
    const step = page.timeframe === "1d" ? DAY : HOUR;
    const bars: CryptoBar[] = [];
    for (let time = page.since; time <= page.until && bars.length < page.limit; time += step) {
      if (time < this.listedFrom) continue;
      const open = 100 + ((time / step) % 7);
      bars.push({ time, open, high: open + 2, low: open - 1, close: open + 1, volume: 0.5, amount: 50 });
    }
    return bars;
  }
  async tickers(): Promise<CryptoTicker[]> {
    return [];
  }
}

function setup(now = "2025-06-01T12:00:00Z", listedFrom = t("2020-01-01T00:00:00Z")) {
  const clock = new ManualClock(new Date(now));
  const store = new MemoryStore();
  const source = new ScriptedSource(listedFrom);
  const service = new CryptoService({ store, source, clock });
  const query = (start: string, end: string, timeframe: Timeframe = "1d") =>
    service.parseQuery({ exchange: "binance", pair: "BTC-USDT", start_date: start, end_date: end, timeframe });
  return { clock, store, source, service, query };
}

describe("CryptoService history", () => {
  it("fetches a cold year in one page, then answers a repeat and a sub-range without any call", async () => {
    const { source, service, query } = setup();
    const cold = await service.getBars(query("2024-01-01", "2024-12-31"));
    expect(cold.bars).toHaveLength(366);
    expect(cold.bars.every((b) => !b.provisional)).toBe(true);
    expect(cold.cache).toMatchObject({ hit: false, upstream_requests: 1, rows_from_upstream: 366, rows_from_cache: 0 });
    expect(source.pages).toHaveLength(1);
    const repeat = await service.getBars(query("2024-01-01", "2024-12-31"));
    const sub = await service.getBars(query("2024-03-01", "2024-03-31"));
    expect(repeat.cache).toMatchObject({ hit: true, upstream_requests: 0, rows_from_cache: 366 });
    expect(sub.bars.map((b) => b.time)).toEqual(
      cold.bars.filter((b) => b.time >= t("2024-03-01") && b.time < t("2024-04-01")).map((b) => b.time),
    );
    expect(source.pages).toHaveLength(1);
  });

  it("fetches only the new part of an extension, and pages a long run by the exchange's limit", async () => {
    const { source, service, query } = setup();
    await service.getBars(query("2024-01-01", "2024-06-30"));
    await service.getBars(query("2024-01-01", "2024-07-31"));
    expect(source.pages.map((p) => [p.since, p.until])).toEqual([
      [t("2024-01-01"), t("2024-06-30")],
      [t("2024-07-01"), t("2024-07-31")],
    ]);
    source.pages.length = 0;
    const hours = await service.getBars(query("2024-01-01", "2024-02-29", "1h"));
    expect(hours.bars).toHaveLength(60 * 24);
    expect(source.pages.map((p) => p.limit)).toEqual([1000, 440]); // binance: 1000 bars a page
    expect(hours.cache.upstream_requests).toBe(2);
  });

  it("makes one fetch for 20 concurrent cold requests", async () => {
    const { source, service, query } = setup();
    let release!: () => void;
    source.gate = new Promise((resolve) => {
      release = resolve;
    });
    const answers = Array.from({ length: 20 }, () => service.getBars(query("2024-01-01", "2024-12-31")));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const results = await Promise.all(answers);
    expect(source.pages).toHaveLength(1);
    expect(results.every((r) => r.bars.length === 366)).toBe(true);
    expect(results.filter((r) => r.cache.upstream_requests === 1)).toHaveLength(1);
  });

  it("remembers the days before listing only when a later request finds them empty again", async () => {
    const { source, store, service, query } = setup("2025-06-01T12:00:00Z", t("2024-03-10T00:00:00Z"));
    const first = await service.getBars(query("2024-03-01", "2024-03-31"));
    expect(first.bars).toHaveLength(22);
    expect(first.cache.unconfirmed_empty).toEqual([{ start: "2024-03-01T00:00:00Z", end: "2024-03-09T00:00:00Z" }]);
    const second = await service.getBars(query("2024-03-01", "2024-03-31"));
    expect(second.cache).toMatchObject({ upstream_requests: 1, unconfirmed_empty: [] });
    expect(source.pages.at(-1)).toMatchObject({ since: t("2024-03-01"), until: t("2024-03-09") });
    const third = await service.getBars(query("2024-03-01", "2024-03-31"));
    expect(third.cache).toMatchObject({ hit: true, upstream_requests: 0 });
    expect([...store.pending.values()].flat()).toEqual([]);
  });

  it("stores nothing of a run whose page fails, and nothing when the store write fails", async () => {
    const { source, store, service, query } = setup();
    source.failPages = 1;
    await expect(service.getBars(query("2024-01-01", "2024-01-31"))).rejects.toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
    });
    expect(store.saves).toBe(0);
    store.failNextSave = true;
    await expect(service.getBars(query("2024-01-01", "2024-01-31"))).rejects.toThrow("disk full");
    expect(store.saves).toBe(0);
    const ok = await service.getBars(query("2024-01-01", "2024-01-31"));
    expect(ok.bars).toHaveLength(31);
  });

  it("serves the bar in progress provisional, never stores it, and stores it once final plus a minute", async () => {
    const { clock, store, service, query } = setup("2025-06-01T12:00:00Z");
    const today = await service.getBars(query("2025-05-30", "2025-06-01"));
    expect(today.bars.map((b) => [new Date(b.time).toISOString().slice(0, 10), b.provisional])).toEqual([
      ["2025-05-30", false],
      ["2025-05-31", false],
      ["2025-06-01", true],
    ]);
    expect([...store.bars.values()][0]?.has(t("2025-06-01"))).toBe(false);
    expect(await service.responseCacheKey(query("2025-05-30", "2025-06-01"))).toBeNull();
    clock.set(new Date("2025-06-02T00:00:30Z")); // ended, inside the grace minute: still provisional
    const grace = await service.getBars(query("2025-06-01", "2025-06-01"));
    expect(grace.bars.map((b) => b.provisional)).toEqual([true]);
    clock.set(new Date("2025-06-02T00:01:00Z"));
    const final = await service.getBars(query("2025-06-01", "2025-06-01"));
    expect(final.bars.map((b) => b.provisional)).toEqual([false]);
    expect([...store.bars.values()][0]?.has(t("2025-06-01"))).toBe(true);
  });

  it("asks nothing for days before the first crypto session (2009-01-03)", async () => {
    const { source, service, query } = setup("2025-06-01T12:00:00Z", t("2008-01-01T00:00:00Z"));
    const answer = await service.getBars(query("1990-01-01", "2009-01-04"));
    expect(answer.bars.map((b) => new Date(b.time).toISOString().slice(0, 10))).toEqual(["2009-01-03", "2009-01-04"]);
    expect(source.pages.map((p) => p.since)).toEqual([t("2009-01-03T00:00:00Z")]);
  });

  it("refuses a pair the exchange does not list, naming the closest ones, before any bar request", async () => {
    const { source, service } = setup();
    const query = service.parseQuery({
      exchange: "binance",
      pair: "BTC-USD",
      start_date: "2024-01-01",
      end_date: "2024-01-02",
    });
    await expect(service.getBars(query)).rejects.toMatchObject({
      code: "INVALID_SYMBOL",
      details: { closest: ["BTC/USDC", "BTC/USDT", "ETH/USDT"] },
    });
    expect(source.pages).toHaveLength(0);
    expect(() => service.parseQuery({ exchange: "bitfinex", pair: "BTC-USDT" })).toThrow(
      /expected one of binance, okx/,
    );
    expect(() => service.parseQuery({ exchange: "binance", pair: "BTC-USDT", timeframe: "5m" })).toThrow(/1d or 1h/);
  });
});

describe("grid", () => {
  it("finds the uncovered runs of a range", () => {
    const range = { start: 0, end: 9 * DAY };
    expect(
      uncovered(
        range,
        [
          { start: 2 * DAY, end: 3 * DAY },
          { start: 7 * DAY, end: 20 * DAY },
        ],
        "1d",
      ),
    ).toEqual([
      { start: 0, end: DAY },
      { start: 4 * DAY, end: 6 * DAY },
    ]);
  });
});
