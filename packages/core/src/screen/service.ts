/**
 * The screener (issue 18, docs/screener.md): evaluate fields for every symbol of a universe at one
 * date, keep those passing the filters and rank them by a weighted mean of percentile ranks. Bars
 * come through the history (or crypto) service like any request, so a screen fetches only what the
 * cache lacks and a repeated one makes no upstream call; a symbol whose bars cannot be had is listed
 * in `missing` with the reason, the rest answered.
 */
import pLimit from "p-limit";
import type { Calendars } from "../calendar/index.ts";
import { finalThroughOn, firstOfSessionsBefore } from "../calendar/index.ts";
import type { Clock } from "../clock.ts";
import { looksLikeCryptoSymbol, parseCryptoSymbol } from "../crypto/pairs.ts";
import { utcDate } from "../crypto/grid.ts";
import type { CryptoService } from "../crypto/service.ts";
import type { CryptoExchangeId, CryptoPair } from "../crypto/types.ts";
import { addCalendarDays, localTime, type IsoDate } from "../dates.ts";
import { InputError, QuantDbError, RateLimitedError, UpstreamError } from "../errors.ts";
import { parseAdjust, parseHistoryQuery } from "../history/request.ts";
import { parseDateParam } from "../params.ts";
import type { HistoryService } from "../history/service.ts";
import type { Adjust } from "../history/types.ts";
import { type ConstituentIndex, INDEX_CONSTITUENT_BOARDS, isConstituentIndex } from "../lists/clist.ts";
import type { StockListService } from "../lists/service.ts";
import type { ListMarket, StockListEntry } from "../lists/types.ts";
import { STOCK_EXCHANGES } from "../markets/registry.ts";
import { parseStockSymbol, type StockSymbol } from "../symbols/index.ts";
import { type CallGate, currentCallGate, withCallGate } from "../upstream/gate.ts";
import {
  computeFields,
  lookbackSessions,
  parseField,
  SESSIONS_PER_YEAR,
  type ScreenBar,
  type ScreenField,
  type SnapshotField,
} from "./fields.ts";
import { FILTER_OPS, passes, type RankFactor, scores, type ScreenFilter } from "./score.ts";

/** Symbols a screen evaluates at once (each may make one upstream call; the host policies bound the rest). */
export const SCREEN_CONCURRENCY = 4;
/** Largest explicit symbol list, and the largest `top` of a crypto universe. */
export const MAX_EXPLICIT_SYMBOLS = 1000;
/** Results returned by default and at most. */
export const SCREEN_LIMIT = { default: 50, max: 1000 } as const;
/** Pairs of a crypto universe by default (the top N by 24 h quote volume). */
export const DEFAULT_CRYPTO_TOP = 50;

/** A screen as received (the JSON body of `POST /api/v1/screen`). */
export interface ScreenRequestInput {
  /** `"000300"`, `"000016"`, `"000905"`, `"SH"`, `"SZ"`, `"BJ"`, `"HK"`, `"crypto:binance:USDT"`, `{symbols}`. */
  universe: string | { symbols: string[] };
  /** Exchange-local date (`YYYY-MM-DD` or `YYYYMMDD`); default the last session whose bars are final. */
  as_of?: string | undefined;
  /** Stocks: `qfq` (default), `""` or `hfq`. */
  adjust?: string | undefined;
  filters?: { field: string; op: string; value: number | number[] }[] | undefined;
  rank_by?: { field: string; order?: string | undefined; weight?: number | undefined }[] | undefined;
  limit?: number | undefined;
  /** Crypto universes: how many pairs, by 24 h quote volume. @default 50 */
  top?: number | undefined;
}

/** Where a screen's symbols come from. */
export type ScreenUniverse =
  | { kind: "index"; index: ConstituentIndex }
  | { kind: "market"; market: ListMarket }
  | { kind: "crypto"; exchange: CryptoExchangeId; quote: string; top: number }
  | { kind: "symbols"; symbols: ({ kind: "stock"; symbol: StockSymbol } | { kind: "crypto"; pair: CryptoPair })[] };

/** A validated screen. */
export interface ScreenQuery {
  universe: ScreenUniverse;
  /** The universe as the request wrote it (echoed). */
  universeLabel: string | { symbols: string[] };
  asOf: IsoDate | null;
  adjust: Adjust;
  filters: ScreenFilter[];
  rankBy: RankFactor[];
  limit: number;
  /** Every field evaluated: `close`, then the filters' and the ranking's, de-duplicated. */
  fields: ScreenField[];
}

/** One ranked symbol. */
export interface ScreenResultRow {
  /** Stock code (`600519`) or crypto pair (`binance:BTC/USDT`). */
  symbol: string;
  /** SH, SZ, BJ, HK or CRYPTO. */
  market: string;
  name: string | null;
  /** Weighted mean percentile rank in [0, 1]; null when the screen ranks by nothing. */
  score: number | null;
  /** Date of the bar the values are of (before `as_of` when the symbol did not trade on it). */
  date: IsoDate;
  /** True when that bar's session has not ended (an `as_of` of today during trading). */
  provisional: boolean;
  values: Record<string, number>;
}

/** A symbol the screen could not evaluate, and why. */
export interface ScreenMissing {
  symbol: string;
  reason: string;
}

/** The stock-list snapshot the snapshot fields of a market were read from. */
export interface ScreenSnapshotUsed {
  market: ListMarket;
  date: IsoDate;
  fetched_at: string;
}

/** The answer to a screen. */
export interface ScreenResult {
  asOf: IsoDate;
  universe: string | { symbols: string[] };
  adjust: Adjust;
  results: ScreenResultRow[];
  universeSize: number;
  evaluated: number;
  matched: number;
  missing: ScreenMissing[];
  upstreamRequests: number;
  /** Symbols whose bars came wholly from the cache / needed an upstream call. */
  symbolsFromCache: number;
  symbolsFetched: number;
  snapshots: ScreenSnapshotUsed[];
  /** How the universe's membership is dated (survivorship), for index and market universes. */
  membership: string | null;
}

/** A stock-list row and the snapshot (market, day, time read) it belongs to. */
interface SnapshotRow {
  entry: StockListEntry | undefined;
  date: IsoDate;
  fetchedAt: Date;
}

type Member =
  | { kind: "stock"; symbol: StockSymbol; name: string | null; snapshot: SnapshotRow | null }
  | { kind: "crypto"; pair: CryptoPair; name: string };

function invalid(message: string, details?: Record<string, unknown>): InputError {
  return new InputError("VALIDATION_ERROR", message, details);
}

const SNAPSHOT_VALUE: Record<SnapshotField, (entry: StockListEntry) => number | null> = {
  market_cap: (e) => e.market_cap,
  float_market_cap: (e) => e.float_market_cap,
  pe_ttm: (e) => e.pe_ttm,
  pb: (e) => e.pb_ratio,
};

/** The index constituents of one exchange-local day, shared by every screen of that day. */
interface HeldConstituents {
  day: IsoDate;
  rows: Promise<{ rows: StockListEntry[]; at: Date }>;
}

/** Anything that lists an index's current constituents (the Eastmoney clist client). */
export interface ConstituentSource {
  fetchIndexConstituents(
    index: ConstituentIndex,
    options?: { signal?: AbortSignal },
  ): Promise<{ rows: StockListEntry[]; pages: number }>;
}

/** Screens universes through the cache. */
export class ScreenService {
  readonly #history: HistoryService;
  readonly #crypto: CryptoService;
  readonly #lists: StockListService;
  readonly #constituentSource: ConstituentSource;
  readonly #calendars: Calendars;
  readonly #clock: Clock;
  readonly #constituents = new Map<ConstituentIndex, HeldConstituents>();

  constructor(options: {
    history: HistoryService;
    crypto: CryptoService;
    lists: StockListService;
    constituents: ConstituentSource;
    calendars: Calendars;
    clock: Clock;
  }) {
    this.#history = options.history;
    this.#crypto = options.crypto;
    this.#lists = options.lists;
    this.#constituentSource = options.constituents;
    this.#calendars = options.calendars;
    this.#clock = options.clock;
  }

  /**
   * Validate a screen.
   * @throws {InputError} `VALIDATION_ERROR` naming the bad part (universe, field, operator, value,
   *   order, weight, limit, top), `INVALID_SYMBOL` for a bad symbol of an explicit list,
   *   `INVALID_DATE` / `INVALID_ADJUST` as history does
   */
  parse(input: ScreenRequestInput): ScreenQuery {
    const universe = this.#parseUniverse(input.universe, input.top);
    const cryptoOnly =
      universe.kind === "crypto" || (universe.kind === "symbols" && universe.symbols.every((m) => m.kind === "crypto"));
    if (cryptoOnly && input.adjust !== undefined && input.adjust !== "")
      throw new InputError("INVALID_ADJUST", `adjust ${JSON.stringify(input.adjust)}: crypto pairs are unadjusted`, {
        adjust: input.adjust,
      });
    const adjust = parseAdjust(input.adjust ?? (cryptoOnly ? "" : "qfq"));
    const asOf = input.as_of === undefined ? null : parseDateParam("as_of", input.as_of);
    if (asOf !== null && asOf > this.#today())
      throw new InputError("INVALID_DATE", `as_of ${asOf} is in the future (today is ${this.#today()})`, {
        as_of: asOf,
      });
    const fields = new Map<string, ScreenField>([["close", parseField("close")]]);
    const use = (name: unknown, where: string): string => {
      if (typeof name !== "string" || name === "") throw invalid(`${where}: field must be a non-empty string`);
      if (!fields.has(name)) fields.set(name, parseField(name));
      return name;
    };
    const filters = (input.filters ?? []).map((filter, i): ScreenFilter => {
      const where = `filters[${i}]`;
      const field = use(filter?.field, where);
      const op = filter.op as ScreenFilter["op"];
      if (!FILTER_OPS.includes(op)) throw invalid(`${where}: op must be one of ${FILTER_OPS.join(", ")}`);
      const value = filter.value;
      if (op === "between") {
        if (!Array.isArray(value) || value.length !== 2 || !value.every(Number.isFinite) || value[0]! > value[1]!)
          throw invalid(`${where}: between takes [low, high], two finite numbers with low <= high`);
        return { field, op, value: [value[0]!, value[1]!] };
      }
      if (typeof value !== "number" || !Number.isFinite(value))
        throw invalid(`${where}: value must be a finite number`);
      return { field, op, value };
    });
    if (filters.length > 20) throw invalid("filters: at most 20");
    const rankBy = (input.rank_by ?? []).map((factor, i): RankFactor => {
      const where = `rank_by[${i}]`;
      const field = use(factor?.field, where);
      const order = factor.order ?? "desc";
      if (order !== "asc" && order !== "desc") throw invalid(`${where}: order must be asc or desc`);
      const weight = factor.weight ?? 1;
      if (typeof weight !== "number" || !(weight > 0) || weight > 1000)
        throw invalid(`${where}: weight must be a number > 0 and <= 1000`);
      return { field, order, weight };
    });
    if (rankBy.length > 10) throw invalid("rank_by: at most 10 factors");
    const limit = input.limit ?? SCREEN_LIMIT.default;
    if (!Number.isInteger(limit) || limit < 1 || limit > SCREEN_LIMIT.max)
      throw invalid(`limit must be an integer from 1 to ${SCREEN_LIMIT.max}`);
    const crypto =
      universe.kind === "crypto" || (universe.kind === "symbols" && universe.symbols.some((s) => s.kind === "crypto"));
    for (const field of fields.values()) {
      if (crypto && (field.kind === "snapshot" || field.kind === "turnover_avg"))
        throw invalid(`field ${field.name} does not exist for crypto pairs (stocks only)`);
    }
    return {
      universe,
      universeLabel: input.universe,
      asOf,
      adjust,
      filters,
      rankBy,
      limit,
      fields: [...fields.values()],
    };
  }

  #parseUniverse(universe: ScreenRequestInput["universe"], top: number | undefined): ScreenUniverse {
    if (top !== undefined && (!Number.isInteger(top) || top < 1 || top > MAX_EXPLICIT_SYMBOLS))
      throw invalid(`top must be an integer from 1 to ${MAX_EXPLICIT_SYMBOLS}`);
    if (typeof universe === "string") {
      const text = universe.trim();
      if (isConstituentIndex(text)) return { kind: "index", index: text };
      if ((STOCK_EXCHANGES as readonly string[]).includes(text.toUpperCase()))
        return { kind: "market", market: text.toUpperCase() as ListMarket };
      const crypto = /^crypto:([a-z0-9]+):([a-z0-9]+)$/i.exec(text);
      if (crypto) {
        const exchange = crypto[1]!.toLowerCase();
        if (!(this.#crypto.exchanges as readonly string[]).includes(exchange))
          throw invalid(`universe ${text}: exchange ${exchange} is not served (${this.#crypto.exchanges.join(", ")})`);
        return {
          kind: "crypto",
          exchange: exchange as CryptoExchangeId,
          quote: crypto[2]!.toUpperCase(),
          top: top ?? DEFAULT_CRYPTO_TOP,
        };
      }
      throw invalid(
        `universe ${JSON.stringify(universe)} is not one of: an index ` +
          `(${Object.keys(INDEX_CONSTITUENT_BOARDS).join(", ")}), ` +
          `a market (${STOCK_EXCHANGES.join(", ")}), crypto:<exchange>:<QUOTE>, or {"symbols": [...]}`,
      );
    }
    const list = universe?.symbols;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_EXPLICIT_SYMBOLS)
      throw invalid(`universe.symbols must be a list of 1 to ${MAX_EXPLICIT_SYMBOLS} symbols`);
    const seen = new Set<string>();
    const symbols: Extract<ScreenUniverse, { kind: "symbols" }>["symbols"] = [];
    for (const text of list) {
      if (typeof text !== "string") throw invalid("universe.symbols holds a value that is not a string");
      const member = looksLikeCryptoSymbol(text)
        ? { kind: "crypto" as const, pair: parseCryptoSymbol(text, this.#crypto.exchanges) }
        : { kind: "stock" as const, symbol: parseStockSymbol(text) };
      const key = member.kind === "crypto" ? `${member.pair.exchange}:${member.pair.symbol}` : member.symbol.secid;
      if (seen.has(key)) continue;
      seen.add(key);
      symbols.push(member);
    }
    return { kind: "symbols", symbols };
  }

  #today(): IsoDate {
    return localTime(this.#clock.now(), "Asia/Shanghai").date;
  }

  /**
   * Run a screen.
   * @throws {UpstreamError} when the universe cannot be listed, or when every symbol failed upstream
   * @throws {RateLimitedError} when the caller's upstream budget refused every call the screen needed
   */
  async run(query: ScreenQuery, options: { signal?: AbortSignal } = {}): Promise<ScreenResult> {
    let calls = 0;
    const outer = currentCallGate();
    const gate: CallGate = {
      beforeCall(host: string): void {
        outer?.beforeCall(host);
        calls++;
      },
    };
    const result = await withCallGate(gate, () => this.#run(query, options.signal));
    return { ...result, upstreamRequests: calls };
  }

  async #run(query: ScreenQuery, signal: AbortSignal | undefined): Promise<ScreenResult> {
    const { members, membership } = await this.#members(query, signal);
    const asOf = query.asOf ?? this.#defaultAsOf(members);
    const snapshotFields = query.fields.filter((f) => f.kind === "snapshot");
    const snapshots = snapshotFields.length > 0 ? await this.#snapshots(members, signal) : new Map();
    const usedSnapshots = new Map<string, ScreenSnapshotUsed>();
    const lookback = lookbackSessions(query.fields);
    const limit = pLimit(SCREEN_CONCURRENCY);
    const evaluated: ScreenResultRow[] = [];
    const missing: ScreenMissing[] = [];
    const failures: QuantDbError[] = [];
    let fromCache = 0;
    let fetched = 0;
    await Promise.all(
      members.map((member) =>
        limit(async () => {
          signal?.throwIfAborted();
          const label = memberLabel(member);
          try {
            const got = await this.#bars(member, query.adjust, asOf, lookback, signal);
            if (got.hit) fromCache++;
            else fetched++;
            if (got.incomplete) {
              missing.push({ symbol: label, reason: got.incomplete });
              return;
            }
            const bars = got.bars;
            const annualisation = member.kind === "crypto" ? SESSIONS_PER_YEAR.crypto : SESSIONS_PER_YEAR.stock;
            const values = computeFields(bars, query.fields, annualisation);
            const row: SnapshotRow | null =
              member.kind !== "stock" || snapshotFields.length === 0
                ? null
                : (member.snapshot ?? snapshotRow(snapshots.get(member.symbol.market)!, member.symbol.code));
            const unusable =
              row && member.kind === "stock" ? this.#snapshotUnusable(member.symbol.market, row.date, asOf) : null;
            for (const field of snapshotFields) {
              const entry = row?.entry;
              if (unusable) values.set(field.name, { value: null, reason: unusable });
              else if (!entry)
                values.set(field.name, { value: null, reason: "not in the market's stock-list snapshot" });
              else {
                if (member.kind === "stock" && row) {
                  const market = member.symbol.market;
                  usedSnapshots.set(`${market}|${row.date}`, {
                    market,
                    date: row.date,
                    fetched_at: row.fetchedAt.toISOString(),
                  });
                }
                const value = SNAPSHOT_VALUE[(field as { field: SnapshotField }).field](entry);
                values.set(
                  field.name,
                  value === null ? { value: null, reason: "upstream reported none in the stock list" } : { value },
                );
              }
            }
            const out: Record<string, number> = {};
            const reasons: string[] = [];
            for (const [name, v] of values) {
              if (v.value === null) reasons.push(`${name}: ${v.reason}`);
              else out[name] = v.value;
            }
            if (reasons.length > 0) {
              missing.push({ symbol: label, reason: reasons.join("; ") });
              return;
            }
            const last = bars[bars.length - 1]!;
            evaluated.push({
              symbol: label,
              market: member.kind === "crypto" ? "CRYPTO" : member.symbol.market,
              name: member.kind === "crypto" ? member.name : (member.name ?? got.name),
              score: null,
              date: last.date,
              provisional: got.provisional,
              values: out,
            });
          } catch (error) {
            if (error instanceof UpstreamError || error instanceof RateLimitedError) {
              failures.push(error);
              missing.push({ symbol: label, reason: `${error.code}: ${error.message}` });
            } else if (error instanceof InputError) {
              missing.push({ symbol: label, reason: `${error.code}: ${error.message}` });
            } else throw error;
          }
        }),
      ),
    );
    if (evaluated.length === 0 && failures.length > 0 && failures.length === missing.length) throw failures[0];
    const matched = evaluated.filter((row) => query.filters.every((f) => passes(row.values[f.field]!, f)));
    if (query.rankBy.length > 0) {
      const s = scores(
        matched.map((row) => row.values),
        query.rankBy,
      );
      matched.forEach((row, i) => {
        row.score = s[i]!;
      });
    }
    const bySymbol = (a: ScreenResultRow, b: ScreenResultRow) =>
      a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
    matched.sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || bySymbol(a, b));
    missing.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    return {
      asOf,
      universe: query.universeLabel,
      adjust: query.adjust,
      results: matched.slice(0, query.limit),
      universeSize: members.length,
      evaluated: evaluated.length,
      matched: matched.length,
      missing,
      upstreamRequests: 0,
      symbolsFromCache: fromCache,
      symbolsFetched: fetched,
      snapshots: [...usedSnapshots.values()].sort((x, y) => (x.market < y.market ? -1 : x.market > y.market ? 1 : 0)),
      membership,
    };
  }

  /** The universe's members, with names and (for list universes) their stock-list rows. */
  async #members(
    query: ScreenQuery,
    signal: AbortSignal | undefined,
  ): Promise<{ members: Member[]; membership: string | null }> {
    const { universe } = query;
    switch (universe.kind) {
      case "index": {
        const { rows, at } = await this.#constituentRows(universe.index, signal);
        const date = this.#today();
        const members = rows.map((row): Member => {
          const symbol = parseStockSymbol(row.symbol);
          // The board's rows are clist rows of today, as a market list's are: the snapshot fields come with them.
          return { kind: "stock", symbol, name: row.name, snapshot: { entry: row, date, fetchedAt: at } };
        });
        return {
          members,
          membership:
            `index ${universe.index}: its constituents as Eastmoney lists them today (${this.#today()}), ` +
            "not as of as_of (survivorship: past members that left the index are not screened)",
        };
      }
      case "market": {
        const list = await this.#lists.getStockList({
          market: universe.market,
          q: undefined,
          limit: undefined,
          offset: 0,
        });
        const members = list.stocks.map(
          (row): Member => ({
            kind: "stock",
            symbol: parseStockSymbol(`${row.symbol}.${universe.market}`),
            name: row.name,
            snapshot: { entry: row, date: list.snapshotDate, fetchedAt: list.fetchedAt },
          }),
        );
        return {
          members,
          membership:
            `market ${universe.market}: the stocks listed in its stock-list snapshot of ${list.snapshotDate} ` +
            "(survivorship: delisted stocks are not screened)",
        };
      }
      case "crypto": {
        const { markets } = await this.#crypto.markets(universe.exchange, universe.quote, signal);
        const members = markets
          .filter((m) => m.active)
          .slice(0, universe.top)
          .map((m): Member => {
            const pair = parseCryptoSymbol(`${universe.exchange}:${m.symbol}`, this.#crypto.exchanges);
            return { kind: "crypto", pair, name: m.symbol };
          });
        return {
          members,
          membership:
            `crypto:${universe.exchange}:${universe.quote}: the top ${universe.top} active spot pairs by 24 h quote ` +
            "volume as the exchange reports them now",
        };
      }
      case "symbols":
        return {
          members: universe.symbols.map(
            (s): Member =>
              s.kind === "crypto"
                ? { kind: "crypto", pair: s.pair, name: s.pair.symbol }
                : { kind: "stock", symbol: s.symbol, name: null, snapshot: null },
          ),
          membership: null,
        };
    }
  }

  /** An index's constituents, listed once per exchange-local day (a failed listing is not kept). */
  #constituentRows(
    index: ConstituentIndex,
    signal: AbortSignal | undefined,
  ): Promise<{ rows: StockListEntry[]; at: Date }> {
    const day = this.#today();
    const held = this.#constituents.get(index);
    if (held && held.day === day) return held.rows;
    const rows = this.#constituentSource
      .fetchIndexConstituents(index, { signal })
      .then((scan) => ({ rows: scan.rows, at: this.#clock.now() }));
    const entry = { day, rows };
    this.#constituents.set(index, entry);
    rows.catch(() => {
      if (this.#constituents.get(index) === entry) this.#constituents.delete(index);
    });
    return rows;
  }

  /**
   * The latest date whose bars are final in every market of the universe (so nothing provisional is
   * screened by default): the earliest of the markets' last final sessions.
   */
  #defaultAsOf(members: readonly Member[]): IsoDate {
    const markets = new Set(members.map((m) => (m.kind === "crypto" ? "CRYPTO" : m.symbol.market)));
    if (markets.size === 0) markets.add("SH");
    let asOf: IsoDate | null = null;
    for (const market of markets) {
      const session = this.#latestFinalSession(market as ListMarket | "CRYPTO");
      if (asOf === null || session < asOf) asOf = session;
    }
    return asOf!;
  }

  /** A market's last session whose bars are final now. */
  #latestFinalSession(market: ListMarket | "CRYPTO"): IsoDate {
    const calendar = market === "CRYPTO" ? this.#calendars.get("CRYPTO") : this.#calendars.forMarket(market);
    const final = finalThroughOn(calendar, this.#clock.now());
    return calendar.sessionOnOrBefore(final) ?? final;
  }

  /**
   * Why a snapshot of `date` cannot answer for `asOf`, or null when it can: it is used when it is not
   * after `as_of`, or when `as_of` is the market's latest final session (the default: today's snapshot is
   * then the newest data there is, and the answer names its date); an earlier `as_of` is never answered
   * with later data.
   */
  #snapshotUnusable(market: ListMarket, date: IsoDate, asOf: IsoDate): string | null {
    return date <= asOf || asOf === this.#latestFinalSession(market)
      ? null
      : `the stock-list snapshot held is of ${date}, after as_of (no past snapshot is used)`;
  }

  /** Today's stock-list snapshot of each market whose members came without one (explicit symbol lists). */
  async #snapshots(
    members: readonly Member[],
    signal: AbortSignal | undefined,
  ): Promise<Map<ListMarket, { date: IsoDate; fetchedAt: Date; rows: Map<string, StockListEntry> }>> {
    const markets = new Set<ListMarket>();
    for (const m of members) if (m.kind === "stock" && m.snapshot === null) markets.add(m.symbol.market);
    const out = new Map<ListMarket, { date: IsoDate; fetchedAt: Date; rows: Map<string, StockListEntry> }>();
    for (const market of markets) {
      signal?.throwIfAborted();
      const list = await this.#lists.getStockList({ market, q: undefined, limit: undefined, offset: 0 });
      out.set(market, {
        date: list.snapshotDate,
        fetchedAt: list.fetchedAt,
        rows: new Map(list.stocks.map((row) => [row.symbol, row])),
      });
    }
    return out;
  }

  /** The member's bars from `lookback` sessions before `as_of` through `as_of`, through the cache. */
  async #bars(
    member: Member,
    adjust: Adjust,
    asOf: IsoDate,
    lookback: number,
    signal: AbortSignal | undefined,
  ): Promise<{
    bars: ScreenBar[];
    name: string | null;
    hit: boolean;
    provisional: boolean;
    incomplete: string | null;
  }> {
    if (member.kind === "crypto") {
      const query = this.#crypto.parseQuery({
        exchange: member.pair.exchange,
        pair: `${member.pair.base}-${member.pair.quote}`,
        start_date: addCalendarDays(asOf, -lookback - 1),
        end_date: asOf,
        timeframe: "1d",
      });
      const result = await this.#crypto.getBars(query, { signal });
      const bars = result.bars.map((bar) => ({ ...bar, date: utcDate(bar.time), turnover_rate: null }));
      return {
        bars,
        name: member.name,
        hit: result.cache.hit,
        provisional: result.bars.at(-1)?.provisional ?? false,
        incomplete: null,
      };
    }
    // `lookback` sessions before as_of's own: the first of the lookback + 1 sessions up to as_of.
    const calendar = this.#calendars.forMarket(member.symbol.market);
    const start = firstOfSessionsBefore(calendar, addCalendarDays(asOf, 1), lookback + 1, asOf);
    const query = parseHistoryQuery(
      {
        symbol: `${member.symbol.code}.${member.symbol.market}`,
        adjust,
        start_date: start,
        end_date: asOf,
      },
      this.#clock,
    );
    const result = await this.#history.getBars(query, { signal });
    const incomplete = result.complete
      ? null
      : `${result.upstreamError?.code ?? "UPSTREAM_UNAVAILABLE"}: upstream failed for ${result.missing
          .map((s) => `${s.start}..${s.end}`)
          .join(", ")}`;
    const empty = result.bars.length === 0 ? result.cache.unconfirmed_empty.length > 0 : false;
    return {
      bars: result.bars,
      name: result.name,
      hit: result.cache.hit,
      provisional: result.bars.at(-1)?.provisional ?? false,
      incomplete:
        incomplete ??
        (result.bars.length === 0
          ? `no bars from upstream for ${start}..${asOf}` +
            (empty ? " (an empty answer, to be confirmed by the next request)" : "")
          : null),
    };
  }
}

function snapshotRow(
  snapshot: { date: IsoDate; fetchedAt: Date; rows: Map<string, StockListEntry> },
  code: string,
): SnapshotRow {
  return { entry: snapshot.rows.get(code), date: snapshot.date, fetchedAt: snapshot.fetchedAt };
}

function memberLabel(member: Member): string {
  return member.kind === "crypto" ? `${member.pair.exchange}:${member.pair.symbol}` : member.symbol.code;
}
