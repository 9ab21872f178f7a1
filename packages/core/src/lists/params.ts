/**
 * Validation of the stock-list and asset-listing queries as users send them (query strings, SDK
 * calls). Every failure is an {@link InputError} `VALIDATION_ERROR` naming the parameter.
 */
import { InputError } from "../errors.ts";
import { exchangeInfo } from "../markets/registry.ts";
import { LIST_MARKETS, type ListMarket } from "./types.ts";

/** `SH (Shanghai), SZ (Shenzhen), BJ (Beijing), HK (Hong Kong)`, for error messages. */
const LIST_MARKETS_NAMED = LIST_MARKETS.map((m) => `${m} (${exchangeInfo(m).place})`).join(", ");

/** Longest accepted `q` (code or name substring). */
export const MAX_QUERY_LENGTH = 50;
/** Default and largest `limit` of the asset listing. */
export const ASSET_LIMIT = { default: 50, max: 500 } as const;
/** Largest `limit` of a stock-list page (a whole market is about 5,000 rows; no limit = all of them). */
export const STOCK_LIST_MAX_LIMIT = 10_000;

function validation(name: string, value: unknown, message: string, extra: Record<string, unknown> = {}): InputError {
  return new InputError("VALIDATION_ERROR", `Invalid ${name} '${String(value)}': ${message}`, {
    [name]: value,
    ...extra,
  });
}

/**
 * Validate a market: `SH`, `SZ`, `BJ` or `HK`, case-insensitive.
 * @throws {InputError} `VALIDATION_ERROR` listing the accepted values; also when missing and `required`.
 */
export function parseListMarket(value: string | undefined, required: true): ListMarket;
export function parseListMarket(value: string | undefined, required: false): ListMarket | undefined;
export function parseListMarket(value: string | undefined, required: boolean): ListMarket | undefined {
  if (value === undefined || value.trim() === "") {
    if (!required) return undefined;
    throw new InputError("VALIDATION_ERROR", `Missing market: expected one of ${LIST_MARKETS.join(", ")}`, {
      market: value ?? null,
      accepted: LIST_MARKETS,
    });
  }
  const market = value.trim().toUpperCase();
  if (!(LIST_MARKETS as readonly string[]).includes(market)) {
    throw validation("market", value, `expected one of ${LIST_MARKETS_NAMED}`, { accepted: LIST_MARKETS });
  }
  return market as ListMarket;
}

/**
 * Validate a non-negative integer parameter written in decimal.
 * @throws {InputError} `VALIDATION_ERROR` when not an integer in [min, max].
 */
export function parseIntParam(
  name: string,
  value: string | undefined,
  range: { min: number; max: number; default: number },
): number;
export function parseIntParam(
  name: string,
  value: string | undefined,
  range: { min: number; max: number },
): number | undefined;
export function parseIntParam(
  name: string,
  value: string | undefined,
  range: { min: number; max: number; default?: number },
): number | undefined {
  if (value === undefined || value.trim() === "") return range.default;
  const text = value.trim();
  const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < range.min || number > range.max) {
    throw validation(name, value, `expected an integer from ${range.min} to ${range.max}`, {
      min: range.min,
      max: range.max,
    });
  }
  return number;
}

/**
 * A control character (C0, DEL, C1): never part of a code or a name, and NUL cannot be stored or compared by
 * PostgreSQL.
 */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Validate a search text: trimmed; empty means no filter.
 * @throws {InputError} `VALIDATION_ERROR` when longer than {@link MAX_QUERY_LENGTH} characters, or
 *   when it contains a control character (U+0000–U+001F, U+007F–U+009F) after trimming.
 */
export function parseSearchText(value: string | undefined): string | undefined {
  const text = value?.trim() ?? "";
  if (text === "") return undefined;
  if (text.length > MAX_QUERY_LENGTH) throw validation("q", value, `at most ${MAX_QUERY_LENGTH} characters`);
  const codePoint = controlCharacterIn(text);
  if (codePoint !== null) {
    throw new InputError(
      "VALIDATION_ERROR",
      `Invalid q: contains the control character ${codePoint}; send part of a code or a name`,
      { q: value },
    );
  }
  return text;
}

/**
 * The first control character (C0, DEL, C1) in `text` as `U+XXXX`, or null when there is none.
 * Every free-text parameter is checked with it before it reaches the database (PostgreSQL refuses
 * U+0000 in text: a 500 otherwise).
 */
export function controlCharacterIn(text: string): string | null {
  const control = CONTROL_CHARACTER.exec(text);
  return control === null ? null : `U+${control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** A stock-list request as received. */
export interface StockListQueryInput {
  /** `SH`, `SZ`, `BJ` or `HK` (required). */
  market?: string | undefined;
  /** Case-insensitive substring of the code or the name. */
  q?: string | undefined;
  /** Rows to return (1..10000); default every matching row. */
  limit?: string | undefined;
  /** Matching rows to skip first; default 0. */
  offset?: string | undefined;
}

/** A validated stock-list request. */
export interface StockListQuery {
  market: ListMarket;
  q: string | undefined;
  limit: number | undefined;
  offset: number;
}

/**
 * Validate a stock-list request. The market is required: a cold list of all four markets would be
 * about 100 upstream page calls in one request, which is what gets IPs banned (docs/upstream-spec.md §10).
 * @throws {InputError} `VALIDATION_ERROR` for a missing or unknown market, a bad `limit`/`offset`, a too long `q`.
 */
export function parseStockListQuery(input: StockListQueryInput): StockListQuery {
  return {
    market: parseListMarket(input.market, true),
    q: parseSearchText(input.q),
    limit: parseIntParam("limit", input.limit, { min: 1, max: STOCK_LIST_MAX_LIMIT }),
    offset: parseIntParam("offset", input.offset, { min: 0, max: 1_000_000, default: 0 }),
  };
}

/** An asset-listing request as received. */
export interface AssetQueryInput {
  /** `SH`, `SZ`, `BJ` or `HK`; default every market. */
  market?: string | undefined;
  /** `stock` or `index`; default both. */
  kind?: string | undefined;
  /** Case-insensitive substring of the code or the name. */
  q?: string | undefined;
  /** 1..500, default 50. */
  limit?: string | undefined;
  /** Default 0. */
  offset?: string | undefined;
}

/** A validated asset-listing request. */
export interface AssetQuery {
  market: ListMarket | undefined;
  kind: "stock" | "index" | undefined;
  q: string | undefined;
  limit: number;
  offset: number;
}

/**
 * Validate an asset-listing request.
 * @throws {InputError} `VALIDATION_ERROR` for an unknown market or kind, a `limit` outside 1..500,
 *   a negative or non-integer `offset`, a too long `q`.
 */
export function parseAssetQuery(input: AssetQueryInput): AssetQuery {
  let kind: AssetQuery["kind"];
  const kindText = input.kind?.trim().toLowerCase();
  if (kindText) {
    if (kindText !== "stock" && kindText !== "index")
      throw validation("kind", input.kind, "expected stock or index", { accepted: ["stock", "index"] });
    kind = kindText;
  }
  return {
    market: parseListMarket(input.market, false),
    kind,
    q: parseSearchText(input.q),
    limit: parseIntParam("limit", input.limit, { min: 1, max: ASSET_LIMIT.max, default: ASSET_LIMIT.default }),
    offset: parseIntParam("offset", input.offset, { min: 0, max: 10_000_000, default: 0 }),
  };
}
