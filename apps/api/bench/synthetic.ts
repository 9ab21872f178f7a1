/**
 * Synthetic daily bars the bench writes itself (the replay's recordings are too short for sixteen
 * years): a bar on every SH session 2006-01-04 … 2026-11-20 for instruments 600000, 600001, …, from
 * a seeded random walk whose values look like a large A-share's (prices around 1,000 CNY with two
 * decimals, volumes in the millions, amounts in the billions), so answers are as large and compress
 * about as well as real ones. Written through the production write path, which is also the bulk
 * ingest figure.
 */
import { calendarFor } from "@quantdb/core/calendar";
import type { DailyBar } from "@quantdb/core/history";
import { parseStockSymbol } from "@quantdb/core/symbols";
import { createHistoryStore, type DatabaseHandle } from "@quantdb/db";
import { NOW } from "./processes.ts";

const FIRST = "2006-01-01";
const LAST = "2026-11-20";
export const SESSIONS = calendarFor("SH").sessionsBetween("2006-01-04", LAST);

/** Code of the `n`-th synthetic instrument (600000, 600001, …). */
export const syntheticCode = (n: number): string => `6000${String(n).padStart(2, "0")}`;

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A seeded uniform [0, 1) generator (mulberry32), so every run writes the same bars. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every session's bar of synthetic series `seed`. */
export function syntheticBars(seed: number): DailyBar[] {
  const random = seededRandom(seed + 1);
  let close = 1000 + 50 * seed;
  return SESSIONS.map((date) => {
    const previous = close;
    close = Math.max(1, round(previous * (1 + (random() - 0.5) * 0.04)));
    const open = round(previous * (1 + (random() - 0.5) * 0.02));
    const high = round(Math.max(open, close) * (1 + random() * 0.015));
    const low = round(Math.min(open, close) * (1 - random() * 0.015));
    const volume = Math.round(1_000 + random() * 60_000) * 100;
    return {
      date,
      open,
      high,
      low,
      close,
      volume,
      amount: Math.round((volume * (open + close)) / 2),
      amplitude: round(((high - low) / previous) * 100),
      pct_change: round(((close - previous) / previous) * 100),
      change: round(close - previous),
      turnover_rate: round((volume / 1.256e9) * 100),
    };
  });
}

/**
 * Bulk ingest through the production write path (instrument, bars and coverage of the whole span in
 * one transaction per instrument) of one series per code: bars/s.
 */
export async function ingest(database: DatabaseHandle, codes: readonly string[]): Promise<number> {
  const store = createHistoryStore(database.db);
  const series = codes.map((code) => ({ code, bars: syntheticBars(Number(code.slice(4))) }));
  const started = performance.now();
  for (const { code, bars } of series) {
    await store.saveFetched({
      symbol: parseStockSymbol(code),
      name: `Synthetic ${code}`,
      adjust: "",
      span: { start: FIRST, end: LAST },
      bars,
      fetchedAt: new Date(NOW),
    });
  }
  return (series.length * SESSIONS.length) / ((performance.now() - started) / 1000);
}
