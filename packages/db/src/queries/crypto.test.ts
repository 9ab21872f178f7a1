import type { CryptoBar, CryptoExchangeId, CryptoFetched, CryptoPair, Timeframe } from "@quantdb/core/crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type DatabaseHandle } from "../client.ts";
import { openTestDatabase, testDrivers } from "../testing.ts";
import { createCryptoBarStore, cryptoInstrumentKey } from "./crypto.ts";
import { clearAll } from "./history.ts";
import { createJobRunStore } from "./jobs.ts";
import { createAssetStore, createInstrumentSearchStore } from "./lists.ts";

/** Rows of a raw query on either driver (postgres-js answers an array, PGlite `{ rows }`). */
function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

const H = 3_600_000;
const D = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

function pairOf(exchange: CryptoExchangeId, base: string, quote: string): CryptoPair {
  return { exchange, base, quote, symbol: `${base}/${quote}` };
}

/** A bar at `time` with awkward doubles: fractional base volume, an amount that is null every third bar. */
function bar(time: number, i: number): CryptoBar {
  const close = 42_000.12345678 + i / 3;
  return {
    time,
    open: close - 0.1,
    high: close + 1e-8,
    low: close - 0.7,
    close,
    volume: 0.00123456 + i * 1e-9,
    amount: i % 3 === 0 ? null : (close * (0.00123456 + i * 1e-9)) / 7,
  };
}

/** `n` bars of `timeframe` from `start`. */
function series(timeframe: Timeframe, start: number, n: number, seed = 0): CryptoBar[] {
  const step = timeframe === "1h" ? H : D;
  return Array.from({ length: n }, (_, i) => bar(start + i * step, i + seed));
}

describe.each(testDrivers())("crypto bar store on %s", (driver) => {
  let handle: DatabaseHandle & { url?: string };
  beforeAll(async () => {
    // versions are trusted for 10 minutes without a notification: only NOTIFY or this process's writes refresh them
    handle = await openTestDatabase(driver, process.env, { dataVersionCache: { maxAgeMs: 600_000 } });
  }, 60_000);
  afterAll(async () => handle?.close());
  beforeEach(async () => clearAll(handle.db));

  const btc = pairOf("binance", "BTC", "USDT");
  const eth = pairOf("binance", "ETH", "USDT");
  const okxBtc = pairOf("okx", "BTC", "USDT");
  const fetchedAt = new Date("2026-11-20T08:00:00.123Z");

  const fetched = (over: Partial<CryptoFetched> & Pick<CryptoFetched, "asked">): CryptoFetched => ({
    pair: btc,
    timeframe: "1h",
    held: [],
    bars: [],
    pendingEmpty: [],
    fetchedAt,
    ...over,
  });

  const count = async (table: string, where = "true") =>
    rowsOf<{ n: number }>(
      await handle.db.execute(sql.raw(`select count(*)::int as n from ${table} where ${where}`)),
    )[0]!.n;
  const totals = async () => ({
    instruments: await count("instruments"),
    bars: await count("crypto_bars"),
    held: await count("crypto_coverage"),
    pending: await count("crypto_pending_empty"),
  });

  it("reads nothing, version none, for a pair never stored", async () => {
    const store = createCryptoBarStore(handle.db);
    expect(await store.read(btc, "1h", T0, T0 + 10 * H)).toEqual({
      instrumentId: null,
      held: [],
      pendingEmpty: [],
      bars: [],
    });
    expect(await store.dataVersion(btc)).toBe("none");
    expect(await store.heldSeries()).toEqual([]);
  });

  it("round-trips bars exactly as numbers, 1d and 1h apart, one instrument per exchange and pair", async () => {
    const store = createCryptoBarStore(handle.db);
    const hourly = series("1h", T0, 48);
    const daily = series("1d", T0, 2, 1000);
    await store.saveFetched(
      fetched({ asked: { start: T0, end: T0 + 47 * H }, held: [{ start: T0, end: T0 + 47 * H }], bars: hourly }),
    );
    await store.saveFetched(
      fetched({ timeframe: "1d", asked: { start: T0, end: T0 + D }, held: [{ start: T0, end: T0 + D }], bars: daily }),
    );
    await store.saveFetched(
      fetched({ pair: okxBtc, asked: { start: T0, end: T0 }, held: [{ start: T0, end: T0 }], bars: [bar(T0, 77)] }),
    );

    const read = await store.read(btc, "1h", T0, T0 + 47 * H);
    expect(read.bars).toEqual(hourly);
    expect(read.bars[0]!.volume).toBe(0.00123456);
    expect(read.bars[0]!.amount).toBeNull();
    expect(typeof read.instrumentId).toBe("number");
    expect(typeof read.bars[5]!.time).toBe("number");
    expect(read.held).toEqual([{ start: T0, end: T0 + 47 * H, fetchedAt }]);
    expect(read.pendingEmpty).toEqual([]);
    // bounds are inclusive; a range inside a span sees the span
    const inner = await store.read(btc, "1h", T0 + 10 * H, T0 + 12 * H);
    expect(inner.bars).toEqual(hourly.slice(10, 13));
    expect(inner.held).toHaveLength(1);
    // the daily series is its own
    expect((await store.read(btc, "1d", T0, T0 + 47 * H)).bars).toEqual(daily);
    expect((await store.read(btc, "1d", T0, T0 + 47 * H)).held).toEqual([{ start: T0, end: T0 + D, fetchedAt }]);
    // outside the held range: the instrument, nothing else
    expect(await store.read(btc, "1h", T0 + 100 * H, T0 + 200 * H)).toEqual({
      instrumentId: read.instrumentId,
      held: [],
      pendingEmpty: [],
      bars: [],
    });
    const okx = await store.read(okxBtc, "1h", T0, T0 + 47 * H);
    expect(okx.bars).toEqual([bar(T0, 77)]);
    expect(okx.instrumentId).not.toBe(read.instrumentId);

    const rows = rowsOf<Record<string, unknown>>(
      await handle.db.execute(sql`select key, kind, market, code, currency, name from instruments order by key`),
    );
    expect(rows).toEqual([
      {
        key: "crypto:binance:BTC/USDT",
        kind: "crypto",
        market: "binance",
        code: "BTC/USDT",
        currency: "USDT",
        name: null,
      },
      { key: "crypto:okx:BTC/USDT", kind: "crypto", market: "okx", code: "BTC/USDT", currency: "USDT", name: null },
    ]);
    expect(cryptoInstrumentKey(btc)).toBe("crypto:binance:BTC/USDT");
  });

  it("upserts a year of hourly bars in chunks, and overwrites stored bars: every value and fetched_at", async () => {
    const store = createCryptoBarStore(handle.db);
    const year = series("1h", T0, 8_761); // more than one chunk
    const end = T0 + 8_760 * H;
    await store.saveFetched(fetched({ asked: { start: T0, end }, held: [{ start: T0, end }], bars: year }));
    expect((await store.read(btc, "1h", T0, end)).bars).toEqual(year);
    expect(await count("crypto_coverage", "bar_count = 8761")).toBe(1);

    const later = new Date("2026-11-21T00:00:00Z");
    const revised = year.slice(100, 200).map((b) => ({ ...b, close: b.close + 1, amount: 12.5, volume: 3e-8 }));
    await store.saveFetched(
      fetched({
        asked: { start: T0 + 100 * H, end: T0 + 199 * H },
        held: [{ start: T0 + 100 * H, end: T0 + 199 * H }],
        bars: revised,
        fetchedAt: later,
      }),
    );
    const after = await store.read(btc, "1h", T0, end);
    expect(after.bars).toEqual([...year.slice(0, 100), ...revised, ...year.slice(200)]);
    expect(await count("crypto_bars")).toBe(8_761);
    expect(
      await count("crypto_bars", `fetched_at = '${later.toISOString()}'::timestamptz and open_time >= ${T0 + 100 * H}`),
    ).toBe(100);
    // the new span lies inside the year's: both kept (only spans inside a new one are dropped)
    expect(after.held.map((s) => [s.start, s.end])).toEqual([
      [T0, end],
      [T0 + 100 * H, T0 + 199 * H],
    ]);
  });

  it("keeps pending-empty spans until a later save asks about them; drops spans inside a new held one", async () => {
    const store = createCryptoBarStore(handle.db);
    // first empty answers: remembered as pending, not held
    await store.saveFetched(
      fetched({ asked: { start: T0, end: T0 + 9 * H }, pendingEmpty: [{ start: T0, end: T0 + 9 * H }] }),
    );
    await store.saveFetched(
      fetched({
        asked: { start: T0 + 100 * H, end: T0 + 105 * H },
        pendingEmpty: [{ start: T0 + 100 * H, end: T0 + 105 * H }],
      }),
    );
    await store.saveFetched(
      fetched({ timeframe: "1d", asked: { start: T0, end: T0 + D }, pendingEmpty: [{ start: T0, end: T0 + D }] }),
    );
    let read = await store.read(btc, "1h", T0, T0 + 200 * H);
    expect(read.held).toEqual([]);
    expect(read.pendingEmpty).toEqual([
      { start: T0, end: T0 + 9 * H },
      { start: T0 + 100 * H, end: T0 + 105 * H },
    ]);
    expect((await store.read(btc, "1h", T0 + 50 * H, T0 + 60 * H)).pendingEmpty).toEqual([]);

    // a held span inside the next one
    await store.saveFetched(
      fetched({
        asked: { start: T0 + 12 * H, end: T0 + 13 * H },
        held: [{ start: T0 + 12 * H, end: T0 + 13 * H }],
        bars: series("1h", T0 + 12 * H, 2),
      }),
    );
    // asked overlaps the first pending span only (not contains it): it goes; the second stays; a new one is noted
    await store.saveFetched(
      fetched({
        asked: { start: T0 + 5 * H, end: T0 + 20 * H },
        held: [
          { start: T0 + 5 * H, end: T0 + 9 * H },
          { start: T0 + 11 * H, end: T0 + 20 * H },
        ],
        bars: series("1h", T0 + 11 * H, 10),
        pendingEmpty: [{ start: T0 + 10 * H, end: T0 + 10 * H }],
      }),
    );
    read = await store.read(btc, "1h", T0, T0 + 200 * H);
    expect(read.pendingEmpty).toEqual([
      { start: T0 + 10 * H, end: T0 + 10 * H },
      { start: T0 + 100 * H, end: T0 + 105 * H },
    ]);
    expect(read.held.map((s) => [s.start, s.end])).toEqual([
      [T0 + 5 * H, T0 + 9 * H],
      [T0 + 11 * H, T0 + 20 * H],
    ]);
    expect(read.bars).toEqual(series("1h", T0 + 11 * H, 10));
    const counts = rowsOf<{ start_time: string | number; bar_count: number }>(
      await handle.db.execute(sql`select start_time, bar_count from crypto_coverage order by start_time`),
    ).map((r) => [Number(r.start_time), r.bar_count]);
    expect(counts).toEqual([
      [T0 + 5 * H, 0],
      [T0 + 11 * H, 10],
    ]);
    // the daily pending span is another series: untouched
    expect((await store.read(btc, "1d", T0, T0 + D)).pendingEmpty).toEqual([{ start: T0, end: T0 + D }]);
  });

  it("changes the pair's data version with every save and every write to its rows, and only then", async () => {
    const store = createCryptoBarStore(handle.db);
    expect(await store.dataVersion(btc)).toBe("none");
    await store.saveFetched(fetched({ pair: eth, asked: { start: T0, end: T0 }, held: [{ start: T0, end: T0 }] }));
    await store.saveFetched(
      fetched({ asked: { start: T0, end: T0 + H }, held: [{ start: T0, end: T0 + H }], bars: series("1h", T0, 2) }),
    );
    const seen = new Set<string>([await store.dataVersion(btc)]);
    const fresh = async () => {
      const version = await store.dataVersion(btc);
      expect(version).not.toBe("none");
      expect(seen.has(version), version).toBe(false);
      seen.add(version);
    };
    const ethVersion = await store.dataVersion(eth);
    // reads change nothing
    const current = await store.dataVersion(btc);
    await store.read(btc, "1h", T0, T0 + H);
    await store.heldSeries();
    expect(await store.dataVersion(btc)).toBe(current);

    // a save changes it, whatever it writes: bars, spans, pending only, or nothing but the asked span
    await store.saveFetched(fetched({ asked: { start: T0, end: T0 }, bars: [bar(T0, 5)] }));
    await fresh();
    await store.saveFetched(
      fetched({ asked: { start: T0 + 5 * H, end: T0 + 5 * H }, held: [{ start: T0 + 5 * H, end: T0 + 5 * H }] }),
    );
    await fresh();
    await store.saveFetched(
      fetched({
        asked: { start: T0 + 7 * H, end: T0 + 7 * H },
        pendingEmpty: [{ start: T0 + 7 * H, end: T0 + 7 * H }],
      }),
    );
    await fresh();
    await store.saveFetched(fetched({ asked: { start: T0 + 9 * H, end: T0 + 9 * H } }));
    await fresh();
    expect(await store.dataVersion(eth)).toBe(ethVersion);

    // a write this process's store does not make (raw SQL on each table): learnt through NOTIFY
    const ofBtc = sql`instrument_id = (select id from instruments where key = ${cryptoInstrumentKey(btc)})`;
    for (const statement of [
      sql`update crypto_bars set close = close + 1 where ${ofBtc}`,
      sql`update crypto_coverage set bar_count = bar_count where ${ofBtc}`,
      sql`delete from crypto_pending_empty where ${ofBtc}`,
      sql`delete from crypto_coverage where ${ofBtc}`,
      sql`delete from crypto_bars where ${ofBtc}`,
    ]) {
      const before = await store.dataVersion(btc);
      await handle.db.execute(statement);
      await vi.waitFor(async () => expect(await store.dataVersion(btc)).not.toBe(before), {
        timeout: 10_000,
        interval: 20,
      });
      await fresh();
    }
    expect(await store.dataVersion(eth)).toBe(ethVersion);
  });

  it("writes nothing when a save fails midway, and leaves what was stored before", async () => {
    const store = createCryptoBarStore(handle.db);
    const many = series("1h", T0, 6_001);
    const broken = [...many.slice(0, 6_000), { ...many[6_000]!, open: Number.NaN }]; // fails in the second chunk
    const year = { start: T0, end: T0 + 6_000 * H };
    await expect(store.saveFetched(fetched({ asked: year, held: [year], bars: broken }))).rejects.toThrow();
    expect(await totals()).toEqual({ instruments: 0, bars: 0, held: 0, pending: 0 });
    expect(await store.dataVersion(btc)).toBe("none");

    // stored data, then a save failing at its last step (a pending span ending before it starts)
    await store.saveFetched(
      fetched({
        asked: { start: T0, end: T0 + 3 * H },
        held: [{ start: T0, end: T0 + 1 * H }],
        bars: series("1h", T0, 2),
        pendingEmpty: [{ start: T0 + 2 * H, end: T0 + 3 * H }],
      }),
    );
    const before = await store.read(btc, "1h", T0, T0 + 10_000 * H);
    const version = await store.dataVersion(btc);
    await expect(
      store.saveFetched(
        fetched({
          asked: { start: T0, end: T0 + 9_000 * H },
          held: [{ start: T0, end: T0 + 6_000 * H }],
          bars: many.map((b) => ({ ...b, close: b.close + 1 })),
          pendingEmpty: [{ start: T0 + 9_000 * H, end: T0 + 8_000 * H }],
        }),
      ),
    ).rejects.toThrow();
    expect(await store.read(btc, "1h", T0, T0 + 10_000 * H)).toEqual(before);
    expect(await store.dataVersion(btc)).toBe(version);
    expect(await totals()).toEqual({ instruments: 1, bars: 2, held: 1, pending: 1 });
  });

  it("lists held series with their last held time and bar count", async () => {
    const store = createCryptoBarStore(handle.db);
    await store.saveFetched(
      fetched({
        asked: { start: T0, end: T0 + 9 * H },
        held: [{ start: T0, end: T0 + 9 * H }],
        bars: series("1h", T0, 10),
      }),
    );
    // overlapping spans: bars are counted once; heldThrough is the latest span end, here an empty tail
    await store.saveFetched(
      fetched({
        asked: { start: T0 + 5 * H, end: T0 + 30 * H },
        held: [{ start: T0 + 5 * H, end: T0 + 30 * H }],
        bars: series("1h", T0 + 5 * H, 10),
      }),
    );
    await store.saveFetched(
      fetched({
        timeframe: "1d",
        asked: { start: T0, end: T0 + 2 * D },
        held: [{ start: T0, end: T0 + 2 * D }],
        bars: series("1d", T0, 3),
      }),
    );
    await store.saveFetched(fetched({ pair: okxBtc, asked: { start: T0, end: T0 }, held: [{ start: T0, end: T0 }] }));
    // pending only: not held
    await store.saveFetched(
      fetched({ pair: eth, asked: { start: T0, end: T0 }, pendingEmpty: [{ start: T0, end: T0 }] }),
    );
    expect(await store.heldSeries()).toEqual([
      { pair: btc, timeframe: "1d", heldThrough: T0 + 2 * D, bars: 3 },
      { pair: btc, timeframe: "1h", heldThrough: T0 + 30 * H, bars: 15 },
      { pair: okxBtc, timeframe: "1h", heldThrough: T0, bars: 0 },
    ]);
  });

  it("lists a pair's held spans by timeframe, and totals over every pair", async () => {
    const store = createCryptoBarStore(handle.db);
    expect(await store.coverage(btc)).toBeNull();
    expect(await store.totals()).toEqual({ pairs: 0, bars: 0, spans: 0, firstBar: null, lastBar: null });
    await store.saveFetched(
      fetched({
        timeframe: "1d",
        asked: { start: T0, end: T0 + D },
        held: [{ start: T0, end: T0 + D }],
        bars: series("1d", T0, 2),
      }),
    );
    await store.saveFetched(
      fetched({
        asked: { start: T0, end: T0 + 5 * H },
        held: [{ start: T0 + 2 * H, end: T0 + 5 * H }],
        bars: series("1h", T0 + 2 * H, 4),
      }),
    );
    await store.saveFetched(
      fetched({ pair: eth, asked: { start: T0, end: T0 }, pendingEmpty: [{ start: T0, end: T0 }] }),
    );
    expect(await store.coverage(btc)).toEqual([
      { timeframe: "1d", start: T0, end: T0 + D, bars: 2, fetchedAt },
      { timeframe: "1h", start: T0 + 2 * H, end: T0 + 5 * H, bars: 4, fetchedAt },
    ]);
    expect(await store.coverage(eth)).toEqual([]); // stored, nothing held yet (only a pending span)
    expect(await store.totals()).toEqual({ pairs: 2, bars: 6, spans: 2, firstBar: T0, lastBar: T0 + D });
  });

  it("deletes a pair's bars and spans with its instrument (delete, truncate, clearAll), and only its", async () => {
    const store = createCryptoBarStore(handle.db);
    for (const pair of [btc, eth]) {
      await store.saveFetched(
        fetched({
          pair,
          asked: { start: T0, end: T0 + 5 * H },
          held: [{ start: T0, end: T0 + 3 * H }],
          bars: series("1h", T0, 4),
          pendingEmpty: [{ start: T0 + 4 * H, end: T0 + 5 * H }],
        }),
      );
    }
    expect(await totals()).toEqual({ instruments: 2, bars: 8, held: 2, pending: 2 });
    const before = await store.dataVersion(btc);
    await handle.db.execute(sql`delete from instruments where key = ${cryptoInstrumentKey(btc)}`);
    expect(await totals()).toEqual({ instruments: 1, bars: 4, held: 1, pending: 1 });
    expect(await store.read(btc, "1h", T0, T0 + 5 * H)).toMatchObject({ instrumentId: null, bars: [] });
    await vi.waitFor(async () => expect(await store.dataVersion(btc)).not.toBe(before));
    expect((await store.read(eth, "1h", T0, T0 + 5 * H)).bars).toHaveLength(4);

    await handle.db.execute(sql`truncate instruments cascade`);
    expect(await totals()).toEqual({ instruments: 0, bars: 0, held: 0, pending: 0 });

    await store.saveFetched(
      fetched({ asked: { start: T0, end: T0 }, held: [{ start: T0, end: T0 }], bars: [bar(T0, 1)] }),
    );
    await clearAll(handle.db);
    expect(await totals()).toEqual({ instruments: 0, bars: 0, held: 0, pending: 0 });
  });

  it("never leaves bars of a pair deleted while they were being written", async () => {
    const store = createCryptoBarStore(handle.db);
    const many = series("1h", T0, 8_760);
    const span = { start: T0, end: T0 + 8_759 * H };
    // PostgreSQL: the delete runs on another connection while the write is in flight; PGlite has one connection
    const other = driver === "postgres" ? await openDatabase({ url: handle.url!, dataVersionCache: false }) : handle;
    try {
      for (let round = 0; round < 4; round++) {
        await store.saveFetched(fetched({ asked: { start: T0, end: T0 } }));
        const write = store.saveFetched(fetched({ asked: span, held: [span], bars: many })).then(
          () => "written",
          (error: Error) => error.message,
        );
        await new Promise((resolve) => setTimeout(resolve, round * 5));
        await other.db.execute(sql`delete from instruments where key = ${cryptoInstrumentKey(btc)}`);
        expect(await write).toBe("written");
        // the delete waited for the write (or came first and the write made a new instrument): never orphans
        expect(await count("crypto_bars", "instrument_id not in (select id from instruments)")).toBe(0);
        await clearAll(handle.db);
      }
    } finally {
      if (other !== handle) await other.close();
    }
  });

  it("keeps crypto pairs out of the stock markets' listings, search and ingest walk", async () => {
    const store = createCryptoBarStore(handle.db);
    await store.saveFetched(
      fetched({ asked: { start: T0, end: T0 }, held: [{ start: T0, end: T0 }], bars: [bar(T0, 1)] }),
    );
    const assets = await createAssetStore(handle.db).listAssets({
      market: undefined,
      kind: undefined,
      q: undefined,
      limit: 50,
      offset: 0,
    });
    expect(assets).toEqual({ total: 0, items: [] });
    expect(await createInstrumentSearchStore(handle.db).searchHeld("BTC", { market: undefined, limit: 10 })).toEqual(
      [],
    );
    expect(await createJobRunStore(handle.db).heldSeries("CN")).toEqual([]);
  });
});
