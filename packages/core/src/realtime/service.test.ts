import { describe, expect, it } from "vitest";
import { bundledCalendars, getCalendar } from "../calendar/index.ts";
import { ManualClock } from "../clock.ts";
import type { QuoteSource, UpstreamQuote } from "../eastmoney/quotes.ts";
import { QuantDbError, UpstreamError } from "../errors.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { marketPhase } from "./phase.ts";
import { QuoteService } from "./service.ts";
import { upstreamQuote } from "./quote-fixture.ts";

const MIN = 60_000;

describe("marketPhase", () => {
  const cn = getCalendar("CN");
  const hk = getCalendar("HK");
  // Friday 2026-11-20 is a session on both exchanges; times below are UTC (both exchanges are UTC+8).
  it.each([
    // 09:29:59: before the open, yesterday's close has settled
    ["2026-11-20T01:29:59Z", false, "2026-11-19T07:02:00.000Z"],
    ["2026-11-20T01:30:00Z", true, null], // 09:30 open
    ["2026-11-20T03:29:59Z", true, null], // 11:29:59
    ["2026-11-20T03:31:00Z", false, null], // 11:31: lunch break, morning not settled yet (2 min margin)
    ["2026-11-20T03:32:00Z", false, "2026-11-20T03:32:00.000Z"], // 11:32: lunch break, morning settled
    ["2026-11-20T05:00:00Z", true, null], // 13:00
    ["2026-11-20T07:00:00Z", false, null], // 15:00 close
    ["2026-11-20T12:00:00Z", false, "2026-11-20T07:02:00.000Z"], // 20:00
    ["2026-11-21T04:00:00Z", false, "2026-11-20T07:02:00.000Z"], // Saturday noon
  ])("CN at %s: open=%s, settled since %s", (now, open, settled) => {
    expect(marketPhase(cn, new Date(now), 2 * MIN)).toEqual({
      open,
      settledSince: settled === null ? null : new Date(settled),
    });
  });

  it("HK: the lunch break 12:00-13:00 is closed; a half day (2025-12-24) closes at 12:00 with no afternoon", () => {
    expect(hk.session("2025-12-24")).toMatchObject({ close: "12:00", halfDay: true });
    expect(marketPhase(hk, new Date("2026-11-20T04:30:00Z"), 25 * MIN)).toEqual({
      open: false,
      settledSince: new Date("2026-11-20T04:25:00Z"),
    });
    expect(marketPhase(hk, new Date("2026-11-20T05:30:00Z"), 25 * MIN)).toEqual({ open: true, settledSince: null });
    expect(marketPhase(hk, new Date("2025-12-24T03:59:00Z"), 25 * MIN)).toEqual({ open: true, settledSince: null });
    expect(marketPhase(hk, new Date("2025-12-24T04:10:00Z"), 25 * MIN)).toEqual({ open: false, settledSince: null });
    expect(marketPhase(hk, new Date("2025-12-24T05:30:00Z"), 25 * MIN)).toEqual({
      open: false,
      settledSince: new Date("2025-12-24T04:25:00Z"),
    });
  });

  it("cannot tell beyond the calendar's horizon", () => {
    expect(marketPhase(cn, new Date("2027-01-04T02:00:00Z"), 2 * MIN)).toEqual({ open: null, settledSince: null });
  });
});

/** A quote source whose calls are answered (or failed) by the test, one by one. */
class ScriptedSource implements QuoteSource {
  readonly calls: string[][] = [];
  readonly #pending: Array<{
    secids: readonly string[];
    resolve: (m: Map<string, UpstreamQuote>) => void;
    reject: (e: unknown) => void;
  }> = [];
  unknown = new Set<string>();
  fetchQuotes(secids: readonly string[]): Promise<Map<string, UpstreamQuote>> {
    this.calls.push([...secids]);
    return new Promise((resolve, reject) => this.#pending.push({ secids, resolve, reject }));
  }
  /** Answer the oldest pending call with a quote for every secid not in `unknown`. */
  answer(): void {
    const call = this.#pending.shift();
    if (!call) throw new Error("no pending call");
    call.resolve(new Map(call.secids.filter((s) => !this.unknown.has(s)).map((s) => [s, upstreamQuote(s)])));
  }
  fail(error: unknown): void {
    this.#pending.shift()!.reject(error);
  }
  get pending(): number {
    return this.#pending.length;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const silent = { warn: () => {} };

describe("QuoteService refreshes", () => {
  const s600519 = parseStockSymbol("600519");
  const s000001 = parseStockSymbol("000001");
  const s00700 = parseStockSymbol("00700");

  it("shares one running refresh; symbols asked for meanwhile go together into the next one", async () => {
    const source = new ScriptedSource();
    const clock = new ManualClock("2026-11-20T02:00:00Z");
    const service = new QuoteService({ upstream: source, clock, calendars: bundledCalendars, logger: silent });
    const a = service.quote(s600519);
    const b = service.quote(s600519);
    await tick();
    const c = service.quotes([s000001, s600519]);
    const d = service.quote(s00700);
    await tick();
    expect(source.calls).toEqual([["1.600519"]]);
    source.answer();
    await tick();
    expect(source.calls).toEqual([["1.600519"], ["0.000001", "116.00700"]]);
    source.answer();
    const [qa, qb, qc, qd] = await Promise.all([a, b, c, d]);
    expect(qa).toEqual(qb);
    expect(qa).toMatchObject({
      symbol: "600519",
      market: "SH",
      currency: "CNY",
      market_open: true,
      fetched_at: "2026-11-20T02:00:00.000Z",
    });
    expect(qc.map((q) => (q as { symbol: string }).symbol)).toEqual(["000001", "600519"]);
    expect(qd).toMatchObject({ symbol: "00700", market: "HK", currency: "HKD" });
    await service.quotes([s600519, s000001, s00700]);
    expect(source.calls).toHaveLength(2);
  });

  it("a forced request skips a fresh cache and never joins a refresh that started before it", async () => {
    const source = new ScriptedSource();
    const clock = new ManualClock("2026-11-20T02:00:00Z");
    const service = new QuoteService({ upstream: source, clock, calendars: bundledCalendars, logger: silent });
    const cold = service.lookup([s600519]);
    await tick();
    source.answer();
    expect((await cold).cache).toEqual({ hit: false, upstream_requests: 1 });
    expect((await service.lookup([s600519])).cache).toEqual({ hit: true, upstream_requests: 0 });

    clock.advance(1000); // still fresh (TTL 15 s)
    const forced = service.lookup([s600519], { forceRefresh: true });
    await tick();
    expect(source.calls).toEqual([["1.600519"], ["1.600519"]]);
    // a refresh is running: a second forced request waits for the next one, a plain one joins nothing (cache fresh)
    const plain = await service.lookup([s600519]);
    expect(plain.cache).toEqual({ hit: true, upstream_requests: 0 });
    const second = service.lookup([s600519, s000001], { forceRefresh: true });
    await tick();
    expect(source.calls).toHaveLength(2);
    source.answer();
    await tick();
    expect(source.calls).toEqual([["1.600519"], ["1.600519"], ["1.600519", "0.000001"]]);
    source.answer();
    const [f1, f2] = await Promise.all([forced, second]);
    expect(f1.cache).toEqual({ hit: false, upstream_requests: 1 });
    expect(f1.results[0]).toMatchObject({ fetched_at: "2026-11-20T02:00:01.000Z" });
    expect(f2.cache).toEqual({ hit: false, upstream_requests: 1 });
    expect((await service.lookup([s600519, s000001])).cache).toEqual({ hit: true, upstream_requests: 0 });
    expect(source.calls).toHaveLength(3);
  });

  it("caches nothing from a failed refresh, gives every waiter its error, and tries again next time", async () => {
    const source = new ScriptedSource();
    const clock = new ManualClock("2026-11-20T02:00:00Z");
    const service = new QuoteService({ upstream: source, clock, calendars: bundledCalendars, logger: silent });
    const waiting = [service.quote(s600519), service.quote(s600519)];
    await tick();
    source.fail(new UpstreamError("UPSTREAM_TIMEOUT", "slow"));
    for (const p of waiting) await expect(p).rejects.toMatchObject({ code: "UPSTREAM_TIMEOUT" });
    const again = service.quote(s600519);
    await tick();
    source.answer();
    await expect(again).resolves.toMatchObject({ symbol: "600519" });
    expect(source.calls).toEqual([["1.600519"], ["1.600519"]]);
  });

  it("splits a refresh into calls of 100 secids and keeps the calls that succeeded", async () => {
    const source = new ScriptedSource();
    const clock = new ManualClock("2026-11-20T02:00:00Z");
    const service = new QuoteService({ upstream: source, clock, calendars: bundledCalendars, logger: silent });
    const symbols = Array.from({ length: 150 }, (_, i) => parseStockSymbol(`600${String(i).padStart(3, "0")}`));
    const result = service.quotes(symbols);
    await tick();
    source.answer();
    await tick();
    source.fail(new UpstreamError("UPSTREAM_UNAVAILABLE", "reset"));
    const answers = await result;
    expect(source.calls.map((c) => c.length)).toEqual([100, 50]);
    expect(answers.slice(0, 100).every((a) => !(a instanceof QuantDbError))).toBe(true);
    expect(answers.slice(100).every((a) => a instanceof QuantDbError && a.code === "UPSTREAM_UNAVAILABLE")).toBe(true);
    const retry = service.quotes(symbols);
    await tick();
    expect(source.calls.at(-1)).toHaveLength(50);
    source.answer();
    expect((await retry).every((a) => !(a instanceof QuantDbError))).toBe(true);
  });

  it("remembers that upstream does not know a symbol (NOT_FOUND) like a quote", async () => {
    const source = new ScriptedSource();
    source.unknown.add("1.688999");
    const clock = new ManualClock("2026-11-20T12:00:00Z");
    const service = new QuoteService({ upstream: source, clock, calendars: bundledCalendars, logger: silent });
    const first = service.quote(parseStockSymbol("688999"));
    await tick();
    source.answer();
    await expect(first).rejects.toMatchObject({ code: "NOT_FOUND", status: 404 });
    await expect(service.quote(parseStockSymbol("688999"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(source.calls).toHaveLength(1);
  });

  it("drops the least recently fetched quotes beyond maxEntries", async () => {
    const source = new ScriptedSource();
    const clock = new ManualClock("2026-11-20T12:00:00Z");
    const calendars = bundledCalendars;
    const service = new QuoteService({ upstream: source, clock, calendars, maxEntries: 1, logger: silent });
    for (const symbol of [s600519, s000001]) {
      const p = service.quote(symbol);
      await tick();
      source.answer();
      await p;
    }
    const again = service.quote(s600519);
    await tick();
    expect(source.pending).toBe(1);
    source.answer();
    await again;
    expect(source.calls).toEqual([["1.600519"], ["0.000001"], ["1.600519"]]);
  });

  it("rejects a negative TTL", () => {
    const clock = new ManualClock("2026-11-20T02:00:00Z");
    const options = { upstream: new ScriptedSource(), clock, calendars: bundledCalendars, ttlSeconds: -1 };
    expect(() => new QuoteService(options)).toThrow(RangeError);
  });
});
