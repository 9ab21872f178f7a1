/**
 * Index symbols. An index is its own instrument kind: a bare `000001` on the index endpoints is the
 * SSE Composite (`1.000001`), on the stock endpoints Ping An Bank (`0.000001`). The accepted forms
 * are each market's data (`../markets/registry.ts`: `symbols.index`, `namedIndices`).
 */
import { eastmoneySecid } from "../eastmoney/ids.ts";
import { InputError } from "../errors.ts";
import { STOCK_MARKET_IDS, MARKETS, marketOfExchange } from "../markets/registry.ts";
import type { Currency, IndexCompiler } from "../markets/types.ts";

/** Where an index is compiled: SSE, SZSE, BSE, China Securities Index Co. (CSI) or Hang Seng Indexes (HK). */
export type IndexMarket = IndexCompiler;

/** A parsed index symbol. */
export interface IndexSymbol {
  kind: "index";
  market: IndexMarket;
  /** `000300`, `399001`, `931151`, or for HK `HSI`, `HSCEI`, `HSTECH`. */
  code: string;
  /**
   * Eastmoney's id for it, e.g. `1.000300`, `0.399001`, `2.931151`, `100.HSI`, `124.HSTECH`: the
   * Eastmoney adapter's mapping (`eastmoneySecid`), carried for its calls; never stored.
   */
  secid: string;
  /** Currency of the index's traded amount (the market's); index levels themselves are points. */
  currency: Currency;
}

/** Named indices of every market: each name and alias (upper case) → (compiler, code). */
const NAMED = new Map<string, { market: IndexCompiler; code: string }>();
for (const id of STOCK_MARKET_IDS) {
  const { namedIndices, indexCompilers } = MARKETS[id];
  for (const [code, aliases] of Object.entries(namedIndices)) {
    for (const name of [code, ...aliases]) NAMED.set(name, { market: indexCompilers[0]!, code });
  }
}

/** Human-readable list of accepted forms, used in error messages. */
export const ACCEPTED_INDEX_FORMS = STOCK_MARKET_IDS.map((id) => MARKETS[id].symbols.indexExamples).join(", ");

function invalid(input: string, why: string): InputError {
  return new InputError(
    "INVALID_SYMBOL",
    `Invalid index symbol '${input}': ${why}. Accepted forms: ${ACCEPTED_INDEX_FORMS}.`,
    {
      symbol: input,
      accepted_forms: ACCEPTED_INDEX_FORMS,
    },
  );
}

function build(market: IndexCompiler, code: string): IndexSymbol {
  const secid = eastmoneySecid({ kind: "index", market, code });
  return { kind: "index", market, code, secid, currency: marketOfExchange(market).currency };
}

/**
 * Parse an index symbol.
 * @example parseIndexSymbol("000300") // { market: "SH", code: "000300", secid: "1.000300", ... }
 * @example parseIndexSymbol("Hang Seng") // { market: "HK", code: "HSI", secid: "100.HSI", ... }
 * @throws {InputError} `INVALID_SYMBOL` listing the accepted forms.
 */
export function parseIndexSymbol(input: string): IndexSymbol {
  const text = input.trim().toUpperCase().replace(/\s+/g, " ");
  if (text === "") throw invalid(input, "empty symbol");
  const named = NAMED.get(text);
  if (named) return build(named.market, named.code);

  for (const id of STOCK_MARKET_IDS) {
    const forms = MARKETS[id].symbols;
    for (const pattern of forms.index) {
      const groups = pattern.exec(text)?.groups;
      if (!groups?.code) continue;
      const code = groups.code;
      const written = groups.exchange;
      const stated = written === undefined ? undefined : (forms.exchangeAliases[written] ?? written);
      const market = (stated as IndexCompiler | undefined) ?? forms.indexCompilerOfCode(code);
      if (!market) {
        throw invalid(
          input,
          `${code} is not a known index code range; give the exchange (e.g. ${code}.SH or csi${code})`,
        );
      }
      return build(market, code);
    }
  }
  throw invalid(input, "not a recognised index symbol");
}
