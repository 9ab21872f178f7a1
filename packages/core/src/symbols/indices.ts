/**
 * Index symbols. An index is its own instrument kind: a bare `000001` on the index endpoints is the
 * SSE Composite (`1.000001`), on the stock endpoints Ping An Bank (`0.000001`).
 */
import { InputError } from "../errors.ts";

/** Where an index is compiled: SSE, SZSE, BSE, China Securities Index Co. (CSI) or Hang Seng Indexes (HK). */
export type IndexMarket = "SH" | "SZ" | "BJ" | "CSI" | "HK";

/** A parsed index symbol. */
export interface IndexSymbol {
  kind: "index";
  market: IndexMarket;
  /** `000300`, `399001`, `931151`, or for HK `HSI`, `HSCEI`, `HSTECH`. */
  code: string;
  /** Eastmoney secid, e.g. `1.000300`, `0.399001`, `2.931151`, `100.HSI`, `124.HSTECH`. */
  secid: string;
  /** Currency of the index's traded amount; index levels themselves are points. */
  currency: "CNY" | "HKD";
}

/** HK indices QuantDB knows, with Eastmoney's market ids (docs/upstream-spec.md §1.2) and the aliases people type. */
const HK_INDICES: Record<string, { secid: string; aliases: string[] }> = {
  HSI: { secid: "100.HSI", aliases: ["^HSI", "HK.HSI", "HSI.HK", "HANG SENG", "HANG SENG INDEX", "HANGSENG", "恒生指数"] },
  HSCEI: {
    secid: "100.HSCEI",
    aliases: ["^HSCE", "HSCE", "HK.HSCEI", "HANG SENG CHINA ENTERPRISES", "HS CHINA ENTERPRISES", "H SHARES", "国企指数"],
  },
  HSTECH: { secid: "124.HSTECH", aliases: ["^HSTECH", "HK.HSTECH", "HANGSENG TECH", "HANG SENG TECH", "HANG SENG TECH INDEX", "恒生科技指数"] },
};

const HK_ALIAS = new Map<string, string>();
for (const [code, { aliases }] of Object.entries(HK_INDICES)) {
  HK_ALIAS.set(code, code);
  for (const alias of aliases) HK_ALIAS.set(alias, code);
}

/** Human-readable list of accepted forms, used in error messages. */
export const ACCEPTED_INDEX_FORMS =
  "000001 (SSE Composite), 000300, sh000300, 000300.SH, 399001, sz399001, 399006.SZ, csi931151, 899050.BJ, HSI, HSCEI, HSTECH (and aliases such as ^HSI, HANG SENG)";

const PREFIX: Record<string, Exclude<IndexMarket, "HK">> = { SH: "SH", SS: "SH", SZ: "SZ", BJ: "BJ", CSI: "CSI" };
const EASTMONEY_ID: Record<Exclude<IndexMarket, "HK">, string> = { SH: "1", SZ: "0", BJ: "0", CSI: "2" };

/** The compiler of a bare 6-digit index code (docs/upstream-spec.md §1.2): 000xxx SSE/CSI on SSE, 399xxx SZSE, 899xxx BSE, 93xxxx CSI. */
function marketOfCode(code: string): Exclude<IndexMarket, "HK"> | null {
  if (code.startsWith("000")) return "SH";
  if (code.startsWith("399")) return "SZ";
  if (code.startsWith("899")) return "BJ";
  if (code.startsWith("93")) return "CSI";
  return null;
}

function invalid(input: string, why: string): InputError {
  return new InputError("INVALID_SYMBOL", `Invalid index symbol '${input}': ${why}. Accepted forms: ${ACCEPTED_INDEX_FORMS}.`, {
    symbol: input,
    accepted_forms: ACCEPTED_INDEX_FORMS,
  });
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
  const hk = HK_ALIAS.get(text);
  if (hk) return { kind: "index", market: "HK", code: hk, secid: HK_INDICES[hk]!.secid, currency: "HKD" };

  const match = /^(?:(SH|SZ|BJ|CSI)(\d{6})|(\d{6})(?:\.(SH|SS|SZ|BJ|CSI))?)$/.exec(text);
  if (!match) throw invalid(input, "not a recognised index symbol");
  const code = (match[2] ?? match[3])!;
  const stated = match[1] ?? match[4];
  const market = stated ? PREFIX[stated]! : marketOfCode(code);
  if (!market) throw invalid(input, `${code} is not a known index code range; give the exchange (e.g. ${code}.SH or csi${code})`);
  return { kind: "index", market, code, secid: `${EASTMONEY_ID[market]}.${code}`, currency: "CNY" };
}
