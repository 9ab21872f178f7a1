/**
 * The instruments table, shared by every query module: lookup and create-or-rename.
 */
import type { StoredInstrument } from "@quantdb/core/history";
import { instrumentKey } from "@quantdb/core/markets";
import type { Instrument } from "@quantdb/core/symbols";
import { eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../client.ts";
import { instruments } from "../schema/index.ts";

/** A transaction handle of either driver. */
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** Kinds of the stock markets' instruments (CN, HK): what the stock endpoints list and ingest. */
const STOCK_MARKET_KINDS = ["stock", "index"] as const;

/**
 * The stock markets' instruments (stocks and indices), not crypto pairs (kind `crypto`, stored in the
 * same table since migration 0011): for the listings and walks of the stock endpoints, whose shapes
 * only know stocks and indices. {@link stockMarketKind} selects their kind with that narrower type.
 */
export const ofStockMarkets = inArray(instruments.kind, [...STOCK_MARKET_KINDS]);

/** `instruments.kind` typed as the stock markets' kinds: select it only with {@link ofStockMarkets} in the WHERE. */
export const stockMarketKind = sql<(typeof STOCK_MARKET_KINDS)[number]>`${instruments.kind}`;

/** WHERE clause matching one instrument by its key (`instrumentKey`: kind, market, code). */
export function instrumentWhere(instrument: Pick<Instrument, "kind" | "market" | "code">) {
  return eq(instruments.key, instrumentKey(instrument));
}

/** The stored instrument, or null if it was never stored. */
export async function findInstrument(
  db: Database | Transaction,
  instrument: Instrument,
): Promise<StoredInstrument | null> {
  const rows = await db
    .select({ id: instruments.id, name: instruments.name })
    .from(instruments)
    .where(instrumentWhere(instrument))
    .limit(1);
  return rows[0] ?? null;
}

/** Create the instrument or, when `name` is given, rename it; returns its id. */
export async function upsertInstrument(
  tx: Database | Transaction,
  instrument: Instrument,
  name: string | null,
): Promise<number> {
  const [row] = await tx
    .insert(instruments)
    .values({
      key: instrumentKey(instrument),
      kind: instrument.kind,
      market: instrument.market,
      code: instrument.code,
      currency: instrument.currency,
      name,
    })
    .onConflictDoUpdate({
      target: instruments.key,
      set: { name: sql`coalesce(excluded.name, ${instruments.name})` },
    })
    .returning({ id: instruments.id });
  return row!.id;
}
