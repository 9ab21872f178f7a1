/**
 * Crypto symbols as users write them: `{exchange}:{BASE}/{QUOTE}` in the SDK and CLI
 * (`binance:BTC/USDT`), `{exchange}/{BASE}-{QUOTE}` in URLs. Case-insensitive; exchanges are ccxt ids.
 */
import { InputError } from "../errors.ts";
import { CRYPTO_EXCHANGES, type CryptoExchangeId, type CryptoMarketInfo, type CryptoPair } from "./types.ts";

/** A currency code: letters and digits (`BTC`, `USDT`, `1INCH`), at most 20. */
const CURRENCY = /^[A-Z0-9]{1,20}$/;
/**
 * `exchange:BASE/QUOTE` (or `BASE-QUOTE`), the SDK and CLI form, case-insensitive, matched against the trimmed
 * text. The SDK carries a generated copy of it (packages/sdk/scripts/markets.ts).
 */
export const CRYPTO_SYMBOL_FORM = /^(?<exchange>[a-z0-9]+):(?<base>[^/\-\s]+)[/-](?<quote>[^/\-\s]+)$/i;

/** Whether `text` is written as a crypto symbol (`exchange:BASE/QUOTE`), as opposed to a stock or index code. */
export function looksLikeCryptoSymbol(text: string): boolean {
  return CRYPTO_SYMBOL_FORM.test(text.trim());
}

/**
 * Validate an exchange id against the ones this system serves.
 * @throws {InputError} `INVALID_SYMBOL` naming the accepted exchanges.
 */
export function parseExchange(
  text: string,
  accepted: readonly CryptoExchangeId[] = CRYPTO_EXCHANGES,
): CryptoExchangeId {
  const id = text.trim().toLowerCase();
  if (!(accepted as readonly string[]).includes(id)) {
    throw new InputError(
      "INVALID_SYMBOL",
      `Unknown crypto exchange '${text}': expected one of ${accepted.join(", ")}`,
      { exchange: text, accepted },
    );
  }
  return id as CryptoExchangeId;
}

/**
 * A pair from an exchange id and `BASE-QUOTE` (URL form; `BASE/QUOTE` accepted too).
 * @throws {InputError} `INVALID_SYMBOL` for an unknown exchange or a pair not written as `BASE-QUOTE`.
 */
export function parsePair(
  exchange: string,
  pair: string,
  accepted: readonly CryptoExchangeId[] = CRYPTO_EXCHANGES,
): CryptoPair {
  const id = parseExchange(exchange, accepted);
  const [base, quote, ...rest] = pair.trim().toUpperCase().split(/[-/]/);
  if (base === undefined || quote === undefined || rest.length > 0 || !CURRENCY.test(base) || !CURRENCY.test(quote)) {
    throw new InputError(
      "INVALID_SYMBOL",
      `Invalid pair '${pair}': expected BASE-QUOTE, e.g. BTC-USDT (in the SDK and CLI: ${id}:BTC/USDT)`,
      { pair },
    );
  }
  return { exchange: id, base, quote, symbol: `${base}/${quote}` };
}

/**
 * A pair from its SDK/CLI form, `exchange:BASE/QUOTE` (`binance:BTC/USDT`; `-` for `/` accepted).
 * @throws {InputError} `INVALID_SYMBOL` naming the accepted form or exchanges.
 */
export function parseCryptoSymbol(text: string, accepted: readonly CryptoExchangeId[] = CRYPTO_EXCHANGES): CryptoPair {
  const match = CRYPTO_SYMBOL_FORM.exec(text.trim());
  if (!match?.groups) {
    throw new InputError(
      "INVALID_SYMBOL",
      `Invalid crypto symbol '${text}': expected exchange:BASE/QUOTE, e.g. binance:BTC/USDT`,
      { symbol: text },
    );
  }
  const { exchange, base, quote } = match.groups as { exchange: string; base: string; quote: string };
  return parsePair(exchange, `${base}-${quote}`, accepted);
}

/** A pair's SDK/CLI form, `binance:BTC/USDT`. */
export function formatCryptoSymbol(pair: CryptoPair): string {
  return `${pair.exchange}:${pair.symbol}`;
}

/** A pair's URL form, `BTC-USDT`. */
export function pairPath(pair: CryptoPair): string {
  return `${pair.base}-${pair.quote}`;
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}

/**
 * Up to `count` listed pairs closest to `pair`: the same base with other quotes first, then pairs
 * whose symbol is a small edit away, ranked by edit distance.
 */
export function closestPairs(pair: CryptoPair, markets: readonly CryptoMarketInfo[], count = 5): string[] {
  const scored = markets.map((m) => {
    const sameBase = m.base === pair.base ? 0 : 1;
    return { symbol: m.symbol, score: sameBase * 10 + distance(m.symbol, pair.symbol) };
  });
  return scored
    .filter((s) => s.score < 10 || s.score - 10 <= 3)
    .sort((a, b) => a.score - b.score || (a.symbol < b.symbol ? -1 : 1))
    .slice(0, count)
    .map((s) => s.symbol);
}
