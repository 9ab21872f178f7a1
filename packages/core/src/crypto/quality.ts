/**
 * The quality gate of crypto bars: every bar of an exchange's answer is checked before anything
 * of it is stored or served. ccxt returns whatever the exchange sent, even rows of nulls for a body
 * that was not data (docs/adr/0008-crypto-through-ccxt.md), so nothing is taken on trust.
 */
import { z } from "zod";
import { UpstreamError } from "../errors.ts";
import { isoTime, onGrid } from "./grid.ts";
import type { CryptoBar, CryptoBarsPage } from "./types.ts";

const price = z.number().finite().positive();
const quantity = z.number().finite().nonnegative();

/** A raw row as the adapter hands it over: `[time, open, high, low, close, volume, amount]`. */
const RawRow = z.tuple([z.number().int(), price, price, price, price, quantity, quantity.nullable()]);

/** Why a row is rejected, or null when it is a valid bar. */
function defect(bar: CryptoBar, page: CryptoBarsPage): string | null {
  if (!onGrid(bar.time, page.timeframe)) return `open time ${isoTime(bar.time)} is not on the ${page.timeframe} grid`;
  if (bar.high < Math.max(bar.open, bar.close, bar.low)) return "high below open, close or low";
  if (bar.low > Math.min(bar.open, bar.close)) return "low above open or close";
  return null;
}

/**
 * Check an exchange's rows for one page and turn them into bars: every row must be finite numbers
 * with positive prices, a non-negative volume and amount, an open time on the timeframe's grid,
 * high and low enclosing open and close, and no time twice. Rows outside the page's window (some
 * exchanges ignore `until`) are dropped, not rejected: they were not asked for.
 * @returns bars ascending by time, inside [page.since, page.until]
 * @throws {UpstreamError} `UPSTREAM_INVALID` (reason `bad_row`, with the row) when any row fails.
 */
export function checkRows(rows: readonly unknown[], page: CryptoBarsPage, host: string): CryptoBar[] {
  const bars: CryptoBar[] = [];
  const seen = new Set<number>();
  for (const row of rows) {
    const parsed = RawRow.safeParse(row);
    const reject = (why: string): never => {
      throw new UpstreamError("UPSTREAM_INVALID", `Upstream sent an invalid bar for ${page.pair.symbol}: ${why}`, {
        host,
        exchange: page.pair.exchange,
        reason: "bad_row",
        row: JSON.stringify(row)?.slice(0, 200) ?? String(row),
      });
    };
    if (!parsed.success) reject(parsed.error.issues[0]?.message ?? "not a bar");
    const [time, open, high, low, close, volume, amount] = parsed.data as z.infer<typeof RawRow>;
    const bar: CryptoBar = { time, open, high, low, close, volume, amount };
    const why = defect(bar, page);
    if (why !== null) reject(why);
    if (seen.has(time)) reject(`open time ${isoTime(time)} sent twice`);
    seen.add(time);
    if (time >= page.since && time <= page.until) bars.push(bar);
  }
  return bars.sort((a, b) => a.time - b.time);
}
