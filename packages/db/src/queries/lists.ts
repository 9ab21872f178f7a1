/**
 * Queries behind the stock list, company information and asset listing: the `StockListStore`,
 * `CompanyInfoStore` and `AssetStore` ports of `@quantdb/core/lists`.
 */
import type { IsoDate } from "@quantdb/core/dates";
import type {
  AssetQuery,
  AssetRecord,
  AssetStore,
  CompanyInfo,
  CompanyInfoStore,
  InstrumentSearchStore,
  ListMarket,
  SearchCandidate,
  StockListEntry,
  StockListSnapshot,
  StockListStore,
  StoredCompanyInfo,
} from "@quantdb/core/lists";
import type { StockSymbol } from "@quantdb/core/symbols";
import { and, asc, count, desc, eq, ilike, max, ne, or, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { Database } from "../client.ts";
import { dataVersionsWritten } from "../data-versions.ts";
import { instrumentWhere, ofStockMarkets, stockMarketKind, upsertInstrument } from "./instruments.ts";
import { instrumentProfiles, instruments, stockListSnapshots } from "../schema/index.ts";

/** Snapshot rows per INSERT: 26 parameters each keeps a statement far below PostgreSQL's 65,535. */
const CHUNK = 1000;

/**
 * `stock_list_snapshots.name` is NOT NULL; a stock upstream listed without a name (it sends `"-"`,
 * e.g. 603381 in the 2024-06 list) is stored as "" and read back as null.
 */
const NO_NAME = "";

/** `%`, `_` and `\` taken literally inside an ILIKE pattern. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const entryColumns = {
  symbol: stockListSnapshots.code,
  name: stockListSnapshots.name,
  price: stockListSnapshots.price,
  pct_change: stockListSnapshots.pctChange,
  change: stockListSnapshots.change,
  volume: stockListSnapshots.volume,
  amount: stockListSnapshots.amount,
  turnover_rate: stockListSnapshots.turnoverRate,
  pe_ratio: stockListSnapshots.peRatio,
  pe_ttm: stockListSnapshots.peTtm,
  pb_ratio: stockListSnapshots.pbRatio,
  market_cap: stockListSnapshots.marketCap,
  float_market_cap: stockListSnapshots.floatMarketCap,
  open: stockListSnapshots.open,
  high: stockListSnapshots.high,
  low: stockListSnapshots.low,
  prev_close: stockListSnapshots.prevClose,
  amplitude: stockListSnapshots.amplitude,
  volume_ratio: stockListSnapshots.volumeRatio,
  change_speed: stockListSnapshots.changeSpeed,
  change_5min: stockListSnapshots.change5min,
  change_60d: stockListSnapshots.change60d,
  change_ytd: stockListSnapshots.changeYtd,
};

async function latestSnapshot(db: Database, market: ListMarket) {
  const [latest] = await db
    .select({ date: max(stockListSnapshots.snapshotDate) })
    .from(stockListSnapshots)
    .where(eq(stockListSnapshots.market, market));
  const date = latest?.date;
  if (!date) return null;
  const [stats] = await db
    .select({ fetchedAt: max(stockListSnapshots.fetchedAt), count: count() })
    .from(stockListSnapshots)
    .where(and(eq(stockListSnapshots.snapshotDate, date), eq(stockListSnapshots.market, market)));
  if (!stats?.fetchedAt) return null;
  return { market, date, fetchedAt: new Date(stats.fetchedAt), count: stats.count };
}

async function snapshotRows(
  db: Database,
  market: ListMarket,
  date: IsoDate,
  page: { q?: string | undefined; limit?: number | undefined; offset: number },
) {
  const where = and(
    eq(stockListSnapshots.snapshotDate, date),
    eq(stockListSnapshots.market, market),
    page.q
      ? or(
          ilike(stockListSnapshots.code, containsPattern(page.q)),
          ilike(stockListSnapshots.name, containsPattern(page.q)),
        )
      : undefined,
  );
  const [totals] = await db.select({ total: count() }).from(stockListSnapshots).where(where);
  let query = db
    .select(entryColumns)
    .from(stockListSnapshots)
    .where(where)
    .orderBy(asc(stockListSnapshots.code))
    .offset(page.offset)
    .$dynamic();
  if (page.limit !== undefined) query = query.limit(page.limit);
  const rows = await query;
  return {
    total: totals?.total ?? 0,
    rows: rows.map((row): StockListEntry => ({ ...row, name: row.name === NO_NAME ? null : row.name })),
  };
}

async function saveSnapshot(db: Database, snapshot: StockListSnapshot): Promise<void> {
  const { market, date, fetchedAt } = snapshot;
  await db.transaction(async (tx) => {
    for (let i = 0; i < snapshot.rows.length; i += CHUNK) {
      const rows = snapshot.rows.slice(i, i + CHUNK).map((row) => ({
        snapshotDate: date,
        market,
        code: row.symbol,
        name: row.name ?? NO_NAME,
        price: row.price,
        pctChange: row.pct_change,
        change: row.change,
        volume: row.volume,
        amount: row.amount,
        turnoverRate: row.turnover_rate,
        peRatio: row.pe_ratio,
        peTtm: row.pe_ttm,
        pbRatio: row.pb_ratio,
        marketCap: row.market_cap,
        floatMarketCap: row.float_market_cap,
        open: row.open,
        high: row.high,
        low: row.low,
        prevClose: row.prev_close,
        amplitude: row.amplitude,
        volumeRatio: row.volume_ratio,
        changeSpeed: row.change_speed,
        change5min: row.change_5min,
        change60d: row.change_60d,
        changeYtd: row.change_ytd,
        fetchedAt,
      }));
      await tx
        .insert(stockListSnapshots)
        .values(rows)
        .onConflictDoUpdate({
          target: [stockListSnapshots.snapshotDate, stockListSnapshots.market, stockListSnapshots.code],
          set: {
            name: sql`excluded.name`,
            price: sql`excluded.price`,
            pctChange: sql`excluded.pct_change`,
            change: sql`excluded.change`,
            volume: sql`excluded.volume`,
            amount: sql`excluded.amount`,
            turnoverRate: sql`excluded.turnover_rate`,
            peRatio: sql`excluded.pe_ratio`,
            peTtm: sql`excluded.pe_ttm`,
            pbRatio: sql`excluded.pb_ratio`,
            marketCap: sql`excluded.market_cap`,
            floatMarketCap: sql`excluded.float_market_cap`,
            open: sql`excluded.open`,
            high: sql`excluded.high`,
            low: sql`excluded.low`,
            prevClose: sql`excluded.prev_close`,
            amplitude: sql`excluded.amplitude`,
            volumeRatio: sql`excluded.volume_ratio`,
            changeSpeed: sql`excluded.change_speed`,
            change5min: sql`excluded.change_5min`,
            change60d: sql`excluded.change_60d`,
            changeYtd: sql`excluded.change_ytd`,
            fetchedAt: sql`excluded.fetched_at`,
          },
        });
    }
    // A snapshot is exactly one scan: rows of an earlier scan of the same day that this one lacks go.
    await tx
      .delete(stockListSnapshots)
      .where(
        and(
          eq(stockListSnapshots.snapshotDate, date),
          eq(stockListSnapshots.market, market),
          ne(stockListSnapshots.fetchedAt, fetchedAt),
        ),
      );
    // The list is where names come from: held stocks take the name the snapshot gives them.
    await tx.execute(sql`
      update ${instruments} set name = s.name
      from ${stockListSnapshots} s
      where s.snapshot_date = ${date} and s.market = ${market} and s.name <> ${NO_NAME}
        and ${instruments.key} = 'stock:' || s.market || ':' || s.code
        and ${instruments.name} is distinct from s.name`);
  });
}

/** The stock-list snapshot store over a database (PGlite or PostgreSQL). */
export function createStockListStore(db: Database): StockListStore {
  return {
    latestSnapshot: (market) => latestSnapshot(db, market),
    snapshotRows: (market, date, page) => snapshotRows(db, market, date, page),
    saveSnapshot: (snapshot) => saveSnapshot(db, snapshot),
  };
}

const profileColumns = {
  industry: instrumentProfiles.industry,
  listingDate: instrumentProfiles.listingDate,
  totalShares: instrumentProfiles.totalShares,
  floatShares: instrumentProfiles.floatShares,
  totalMarketCap: instrumentProfiles.totalMarketCap,
  floatMarketCap: instrumentProfiles.floatMarketCap,
};

async function findCompanyInfo(db: Database, symbol: StockSymbol): Promise<StoredCompanyInfo | null> {
  const [row] = await db
    .select({ name: instruments.name, ...profileColumns, fetchedAt: instrumentProfiles.fetchedAt })
    .from(instruments)
    .innerJoin(instrumentProfiles, eq(instrumentProfiles.instrumentId, instruments.id))
    .where(instrumentWhere(symbol))
    .limit(1);
  return row ?? null;
}

async function saveCompanyInfo(db: Database, symbol: StockSymbol, info: CompanyInfo, fetchedAt: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const instrumentId = await upsertInstrument(tx, symbol, info.name);
    const profile = {
      industry: info.industry,
      listingDate: info.listingDate,
      totalShares: info.totalShares,
      floatShares: info.floatShares,
      totalMarketCap: info.totalMarketCap,
      floatMarketCap: info.floatMarketCap,
      raw: info.raw,
      fetchedAt,
    };
    await tx
      .insert(instrumentProfiles)
      .values({ instrumentId, ...profile })
      .onConflictDoUpdate({ target: instrumentProfiles.instrumentId, set: profile });
  });
  dataVersionsWritten(db); // the instrument row may have been created or renamed
}

/** The company-profile store over a database. */
export function createCompanyInfoStore(db: Database): CompanyInfoStore {
  return {
    findCompanyInfo: (symbol) => findCompanyInfo(db, symbol),
    saveCompanyInfo: (symbol, info, fetchedAt) => saveCompanyInfo(db, symbol, info, fetchedAt),
  };
}

async function listAssets(db: Database, query: AssetQuery) {
  const conditions: (SQL | undefined)[] = [
    ofStockMarkets,
    query.market ? eq(instruments.market, query.market) : undefined,
    query.kind ? eq(instruments.kind, query.kind) : undefined,
    query.q
      ? or(ilike(instruments.code, containsPattern(query.q)), ilike(instruments.name, containsPattern(query.q)))
      : undefined,
  ];
  const where = and(...conditions);
  const [totals] = await db.select({ total: count() }).from(instruments).where(where);
  const rows = await db
    .select({
      kind: stockMarketKind,
      market: instruments.market,
      code: instruments.code,
      name: instruments.name,
      currency: instruments.currency,
      ...profileColumns,
      profileFetchedAt: instrumentProfiles.fetchedAt,
    })
    .from(instruments)
    .leftJoin(instrumentProfiles, eq(instrumentProfiles.instrumentId, instruments.id))
    .where(where)
    .orderBy(asc(instruments.market), asc(instruments.code), asc(instruments.kind))
    .limit(query.limit)
    .offset(query.offset);
  return { total: totals?.total ?? 0, items: rows satisfies AssetRecord[] };
}

/** The held-instrument listing over a database. */
export function createAssetStore(db: Database): AssetStore {
  return { listAssets: (query) => listAssets(db, query) };
}

/** Stored snapshot dates per market, newest first (tests and diagnostics). */
export async function stockListSnapshotDates(
  db: Database,
  market: ListMarket,
): Promise<{ date: IsoDate; count: number }[]> {
  return db
    .select({ date: stockListSnapshots.snapshotDate, count: count() })
    .from(stockListSnapshots)
    .where(eq(stockListSnapshots.market, market))
    .groupBy(stockListSnapshots.snapshotDate)
    .orderBy(desc(stockListSnapshots.snapshotDate));
}

/** `%`, `_` and `\` taken literally inside an ILIKE prefix pattern. */
function prefixPattern(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The `matchRank` rule of `@quantdb/core/lists` in SQL: 0 exact code, 1 code prefix, 2 name prefix, 3 contains. */
function rankOf(code: SQL | AnyColumn, name: SQL | AnyColumn, text: string): SQL<number> {
  return sql<number>`case when lower(${code}) = lower(${text}) then 0
    when ${code} ilike ${prefixPattern(text)} then 1
    when ${name} ilike ${prefixPattern(text)} then 2
    else 3 end`;
}

async function searchSnapshots(
  db: Database,
  text: string,
  options: { market: ListMarket | undefined; limit: number },
): Promise<SearchCandidate[]> {
  const latest = db
    .select({ market: stockListSnapshots.market, date: max(stockListSnapshots.snapshotDate).as("latest_date") })
    .from(stockListSnapshots)
    .groupBy(stockListSnapshots.market)
    .as("latest");
  const rank = rankOf(stockListSnapshots.code, stockListSnapshots.name, text);
  const rows = await db
    .select({ market: stockListSnapshots.market, code: stockListSnapshots.code, name: stockListSnapshots.name })
    .from(stockListSnapshots)
    .innerJoin(
      latest,
      and(eq(latest.market, stockListSnapshots.market), eq(latest.date, stockListSnapshots.snapshotDate)),
    )
    .where(
      and(
        options.market ? eq(stockListSnapshots.market, options.market) : undefined,
        or(
          ilike(stockListSnapshots.code, containsPattern(text)),
          ilike(stockListSnapshots.name, containsPattern(text)),
        ),
      ),
    )
    .orderBy(rank, asc(stockListSnapshots.market), asc(stockListSnapshots.code))
    .limit(options.limit);
  return rows.map((row) => ({
    kind: "stock",
    market: row.market,
    code: row.code,
    name: row.name === NO_NAME ? null : row.name,
  }));
}

async function searchHeld(
  db: Database,
  text: string,
  options: { market: ListMarket | undefined; limit: number },
): Promise<SearchCandidate[]> {
  const name = sql`coalesce(${instruments.name}, '')`;
  return db
    .select({ kind: stockMarketKind, market: instruments.market, code: instruments.code, name: instruments.name })
    .from(instruments)
    .where(
      and(
        ofStockMarkets,
        options.market ? eq(instruments.market, options.market) : undefined,
        or(ilike(instruments.code, containsPattern(text)), ilike(instruments.name, containsPattern(text))),
      ),
    )
    .orderBy(
      rankOf(sql`${instruments.code}`, name, text),
      asc(instruments.kind),
      asc(instruments.market),
      asc(instruments.code),
    )
    .limit(options.limit);
}

async function latestSnapshotDates(db: Database): Promise<Partial<Record<ListMarket, IsoDate>>> {
  const rows = await db
    .select({ market: stockListSnapshots.market, date: max(stockListSnapshots.snapshotDate) })
    .from(stockListSnapshots)
    .groupBy(stockListSnapshots.market);
  const dates: Partial<Record<ListMarket, IsoDate>> = {};
  for (const row of rows) if (row.date) dates[row.market as ListMarket] = row.date;
  return dates;
}

/** The instrument search over stored stock-list snapshots and held instruments (never upstream). */
export function createInstrumentSearchStore(db: Database): InstrumentSearchStore {
  return {
    searchSnapshots: (text, options) => searchSnapshots(db, text, options),
    searchHeld: (text, options) => searchHeld(db, text, options),
    latestSnapshotDates: () => latestSnapshotDates(db),
  };
}
