/**
 * Crypto symbols on the client side: whether a text is written `exchange:BASE/QUOTE` (core's rule,
 * generated into `./markets.generated.ts`), and the `{exchange}/{BASE-QUOTE}` path segments of a
 * pair. No I/O; the server validates the exchange and pair itself.
 */
import { QuantDbApiError } from "./errors.ts";
import { CRYPTO_MARKET, type CryptoExchange } from "./markets.generated.ts";

/**
 * A crypto spot pair: `"binance:BTC/USDT"` (exchange and pair in one string, `-` for `/` accepted,
 * any case), or `{ exchange, pair }` with the pair as `BTC/USDT` or `BTC-USDT`.
 */
export type CryptoSymbol = string | CryptoPairRef;

/** A crypto spot pair as exchange and pair. */
export interface CryptoPairRef {
  /** Exchange (ccxt id): `binance`, `okx`, `bybit`, `coinbase` or `kraken` (those the server is configured for). */
  exchange: CryptoExchange | (string & {});
  /** The pair, `BASE/QUOTE` or `BASE-QUOTE` (`BTC/USDT`): prices in QUOTE, volumes in BASE. */
  pair: string;
}

const FORM = new RegExp(CRYPTO_MARKET.symbolPattern, CRYPTO_MARKET.symbolPatternFlags);

/**
 * Whether `symbol` is written as a crypto pair, `exchange:BASE/QUOTE` (`binance:BTC/USDT`,
 * `okx:eth-usdt`), as opposed to a stock or index code. Says nothing about whether the server
 * serves that exchange or the exchange lists that pair.
 * @example isCryptoSymbol("binance:BTC/USDT"); // true
 * @example isCryptoSymbol("600519"); // false
 */
export function isCryptoSymbol(symbol: string): boolean {
  return typeof symbol === "string" && FORM.test(symbol.trim());
}

/** The path segments of a pair: the exchange in lower case and `BASE-QUOTE` in upper case. */
export function cryptoPathParams(symbol: CryptoSymbol): { exchange: string; pair: string } {
  if (typeof symbol === "string") {
    const groups = FORM.exec(symbol.trim())?.groups;
    if (!groups) {
      throw new QuantDbApiError({
        code: "INVALID_SYMBOL",
        status: 0,
        message:
          `Invalid crypto symbol ${JSON.stringify(symbol)}: expected exchange:BASE/QUOTE, e.g. ` +
          CRYPTO_MARKET.symbolExamples.sdk,
        details: { symbol },
      });
    }
    return pathParams(groups.exchange!, `${groups.base}-${groups.quote}`);
  }
  if (!symbol || typeof symbol.exchange !== "string" || typeof symbol.pair !== "string") {
    throw new QuantDbApiError({
      code: "INVALID_SYMBOL",
      status: 0,
      message: `Invalid crypto pair: expected "exchange:BASE/QUOTE" or { exchange, pair }`,
      details: { symbol: String(symbol) },
    });
  }
  return pathParams(symbol.exchange, symbol.pair.replaceAll("/", "-"));
}

function pathParams(exchange: string, pair: string): { exchange: string; pair: string } {
  const params = { exchange: exchange.trim().toLowerCase(), pair: pair.trim().toUpperCase() };
  if (params.exchange === "" || params.pair === "") {
    throw new QuantDbApiError({
      code: "INVALID_SYMBOL",
      status: 0,
      message: `Invalid crypto pair: exchange and pair must not be empty (e.g. ${CRYPTO_MARKET.symbolExamples.sdk})`,
      details: params,
    });
  }
  return params;
}

/** A pair as the batch endpoint takes it: strings as given, `{ exchange, pair }` as `exchange:BASE/QUOTE`. */
export function cryptoSymbolText(symbol: CryptoSymbol): string {
  if (typeof symbol === "string") return symbol;
  const { exchange, pair } = cryptoPathParams(symbol);
  return `${exchange}:${pair.replace("-", "/")}`;
}
