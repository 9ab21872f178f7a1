/**
 * Instrument search for autocompletion (`GET /api/v1/assets/search`): stocks of the stored
 * stock-list snapshots (A-shares and HK, the newest snapshot of each market) plus the instruments
 * the database holds (indices among them), matched on code or name and ranked by how well they
 * match. Never calls upstream: a market whose list was never fetched is reported as such, and the
 * caller may fetch it with the stock-list endpoint.
 */
import type { IsoDate } from "../dates.ts";
import { InputError } from "../errors.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { parseIntParam, parseSearchText } from "./params.ts";
import { LIST_MARKETS, type ListMarket } from "./types.ts";

/** Default and largest `limit` of a search. */
export const SEARCH_LIMIT = { default: 10, max: 50 } as const;

/** A search request as received (query string, SDK call). */
export interface InstrumentSearchInput {
  /**
   * Part of a code (`6005`, `0700`), a name (`茅台`, `腾讯`), or a full symbol in any accepted form (`0700.HK`,
   * `sh600519`).
   */
  q?: string | undefined;
  /** 1..50, default 10. */
  limit?: string | undefined;
}

/** A validated search request. */
export interface InstrumentSearchQuery {
  /** The text as typed (trimmed). */
  q: string;
  /**
   * What codes and names are matched against: `q`, or the canonical code when `q` is a full symbol with an exchange
   * (`0700.HK` → `00700`).
   */
  text: string;
  /** The market a full symbol named (`600519.SH` → SH); undefined for plain text. */
  market: ListMarket | undefined;
  limit: number;
}

/**
 * Validate a search request. A text carrying an exchange marker (`.SH`, `sh…`, `.HK`, `hk…`) that
 * parses as a stock symbol is searched by its canonical code within its market.
 * @throws {InputError} `VALIDATION_ERROR` when `q` is missing or blank, longer than 50 characters,
 *   or `limit` is not an integer from 1 to 50.
 */
export function parseInstrumentSearch(input: InstrumentSearchInput): InstrumentSearchQuery {
  const q = parseSearchText(input.q);
  if (q === undefined)
    throw new InputError("VALIDATION_ERROR", "Missing q: the text to search codes and names for", {
      q: input.q ?? null,
    });
  const limit = parseIntParam("limit", input.limit, { min: 1, max: SEARCH_LIMIT.max, default: SEARCH_LIMIT.default });
  if (/^[\x20-\x7e]+$/.test(q) && /[a-z.:]/i.test(q)) {
    try {
      const symbol = parseStockSymbol(q);
      return { q, text: symbol.code, market: symbol.market, limit };
    } catch {
      // not a symbol: search the text as typed
    }
  }
  return { q, text: q, market: undefined, limit };
}

/**
 * How well a code and name match a search text, lower is better: 0 the code equals it, 1 the code
 * starts with it, 2 the name starts with it, 3 the code or name contains it (case-insensitive),
 * null no match. Stores must order candidates by this rank, then market, then code.
 */
export function matchRank(text: string, code: string, name: string | null): 0 | 1 | 2 | 3 | null {
  const t = text.toLowerCase();
  const c = code.toLowerCase();
  const n = name?.toLowerCase() ?? "";
  if (c === t) return 0;
  if (c.startsWith(t)) return 1;
  if (n.startsWith(t)) return 2;
  if (c.includes(t) || n.includes(t)) return 3;
  return null;
}

/** One candidate from storage. */
export interface SearchCandidate {
  kind: "stock" | "index";
  /** SH, SZ, BJ, HK; indices may carry their own (e.g. CSI). */
  market: string;
  code: string;
  name: string | null;
}

/** One search result. */
export interface SearchHit extends SearchCandidate {
  /**
   * Where it was found: `list` (a stock-list snapshot) or `held` (an instrument the database holds, not in any stored
   * list).
   */
  source: "list" | "held";
  /** {@link matchRank} of the hit. */
  rank: 0 | 1 | 2 | 3;
}

/** The newest stored snapshot of each market (null: never fetched). */
export type ListCoverage = { market: ListMarket; snapshotDate: IsoDate | null }[];

/** Storage the search needs (implemented by `@quantdb/db`). */
export interface InstrumentSearchStore {
  /**
   * Stocks of the newest snapshot of each market matching `text` (code or name contains it, case-insensitive), best
   * {@link matchRank} first, at most `limit`.
   */
  searchSnapshots(text: string, options: { market: ListMarket | undefined; limit: number }): Promise<SearchCandidate[]>;
  /** Held instruments (stocks and indices) matching `text`, ordered and limited likewise. */
  searchHeld(text: string, options: { market: ListMarket | undefined; limit: number }): Promise<SearchCandidate[]>;
  /** The newest snapshot date of every market that has one. */
  latestSnapshotDates(): Promise<Partial<Record<ListMarket, IsoDate>>>;
}

/** A search answer. */
export interface SearchResult {
  query: InstrumentSearchQuery;
  hits: SearchHit[];
  /** Which markets' lists were searched (snapshot date) and which were never fetched (null). */
  lists: ListCoverage;
}

const MARKET_ORDER = new Map<string, number>(LIST_MARKETS.map((m, i) => [m, i]));

/**
 * Merge list and held candidates into one ranked, de-duplicated page: by {@link matchRank}, then
 * stocks before indices, then market (SH, SZ, BJ, HK, others), then code. A held stock that is also
 * in a list appears once, as `list`.
 */
export function mergeSearchHits(
  text: string,
  listed: readonly SearchCandidate[],
  held: readonly SearchCandidate[],
  limit: number,
): SearchHit[] {
  const seen = new Set<string>();
  const hits: SearchHit[] = [];
  for (const [source, candidates] of [
    ["list", listed],
    ["held", held],
  ] as const) {
    for (const candidate of candidates) {
      const key = `${candidate.kind}|${candidate.market}|${candidate.code}`;
      const rank = matchRank(text, candidate.code, candidate.name);
      if (rank === null || seen.has(key)) continue;
      seen.add(key);
      hits.push({ ...candidate, source, rank });
    }
  }
  const marketOrder = (m: string) => MARKET_ORDER.get(m) ?? MARKET_ORDER.size;
  hits.sort(
    (a, b) =>
      a.rank - b.rank ||
      (a.kind === b.kind ? 0 : a.kind === "stock" ? -1 : 1) ||
      marketOrder(a.market) - marketOrder(b.market) ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
  return hits.slice(0, limit);
}

/** Searches stored lists and held instruments; never calls upstream. */
export class InstrumentSearch {
  readonly #store: InstrumentSearchStore;
  constructor(store: InstrumentSearchStore) {
    this.#store = store;
  }

  /** Ranked matches of a validated query (see {@link parseInstrumentSearch}). */
  async search(query: InstrumentSearchQuery): Promise<SearchResult> {
    const options = { market: query.market, limit: query.limit };
    const [listed, held, dates] = await Promise.all([
      this.#store.searchSnapshots(query.text, options),
      this.#store.searchHeld(query.text, options),
      this.#store.latestSnapshotDates(),
    ]);
    return {
      query,
      hits: mergeSearchHits(query.text, listed, held, query.limit),
      lists: LIST_MARKETS.map((market) => ({ market, snapshotDate: dates[market] ?? null })),
    };
  }
}
