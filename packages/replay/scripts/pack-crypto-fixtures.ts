/**
 * Rebuild the Binance fixtures (`fixtures/crypto/binance/`) from the project's shared data set:
 *
 * - the three kline CSVs are gzipped byte for byte (node:zlib, level 9), so each `.csv.gz`
 *   decompresses to exactly the shared file (nothing trimmed);
 * - the 2021-04-29 `exchangeInfo` recording is trimmed to the symbols in {@link KEPT_SYMBOLS}: every
 *   top-level field is kept as recorded, and each kept symbol entry is copied unchanged, in the
 *   recording's order. It is written as the recorder wrote the whole document (4-space indent, no final
 *   line break), so every kept entry is byte-identical to its text in the source file.
 *
 *   npx tsx scripts/pack-crypto-fixtures.ts [shared crypto dir]   (default /work/shared/data/crypto)
 *
 * Prints each fixture's size and the sha256 of its (decompressed) content.
 */

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

/** fixture path (relative to `fixtures/crypto/`) → source path (relative to the shared crypto dir). */
const KLINE_FILES: ReadonlyArray<readonly [string, string]> = [
  [
    "binance/klines_1d/BTCUSDT_1d_2024-07-27_2026-07-26.csv.gz",
    "binance/klines_1d/BTCUSDT_1d_2024-07-27_2026-07-26.csv",
  ],
  [
    "binance/klines_1d/ETHUSDT_1d_2024-07-27_2026-07-26.csv.gz",
    "binance/klines_1d/ETHUSDT_1d_2024-07-27_2026-07-26.csv",
  ],
  [
    "binance/klines_1h/BTCUSDT_1h_2026-01-27_2026-07-26.csv.gz",
    "binance/klines_1h/BTCUSDT_1h_2026-01-27_2026-07-26.csv",
  ],
];
const EXCHANGE_INFO_SOURCE = "binance/exchange_info/exchangeInfo_spot_2021-04-29.json";
const EXCHANGE_INFO_TARGET = "binance/exchange_info/exchangeInfo_spot_2021-04-29.trimmed.json";

/**
 * The symbols kept from the 1,418 of the recording: the two pairs with bars (BTCUSDT, ETHUSDT), the
 * pairs issue 17 names, and a spread of USDT, BTC, BUSD and ETH quotes, plus BCCBTC, whose status is
 * `BREAK` (a delisted pair: ccxt marks it inactive), so clients meet both statuses.
 */
const KEPT_SYMBOLS: ReadonlySet<string> = new Set([
  "BTCUSDT",
  "ETHUSDT",
  "BNBUSDT",
  "XRPUSDT",
  "ADAUSDT",
  "DOGEUSDT",
  "SOLUSDT",
  "DOTUSDT",
  "LTCUSDT",
  "LINKUSDT",
  "TRXUSDT",
  "BCHUSDT",
  "EOSUSDT",
  "MATICUSDT",
  "AVAXUSDT",
  "UNIUSDT",
  "BUSDUSDT",
  "USDCUSDT",
  "ETHBTC",
  "LTCBTC",
  "BNBBTC",
  "XRPBTC",
  "ADABTC",
  "DOGEBTC",
  "SOLBTC",
  "DOTBTC",
  "LINKBTC",
  "BCCBTC",
  "BTCBUSD",
  "ETHBUSD",
  "BNBBUSD",
  "XRPBUSD",
  "ADABUSD",
  "DOGEBUSD",
  "SOLBUSD",
  "BNBETH",
  "LINKETH",
]);

const sourceDir = process.argv[2] ?? "/work/shared/data/crypto";
const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "crypto");
const sha256 = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

for (const [target, source] of KLINE_FILES) {
  const bytes = readFileSync(join(sourceDir, source));
  const packed = gzipSync(bytes, { level: 9 });
  if (!gunzipSync(packed).equals(bytes)) throw new Error(`${target}: gzip round trip changed the bytes`);
  const out = join(fixturesDir, target);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, packed);
  console.log(`${target}\t${packed.length} bytes (from ${bytes.length})\tsha256 ${sha256(bytes)}`);
}

const sourceText = readFileSync(join(sourceDir, EXCHANGE_INFO_SOURCE), "utf8");
const info = JSON.parse(sourceText) as { symbols: Array<{ symbol: string }> } & Record<string, unknown>;
// The trim keeps the recorder's exact text only if the recorder's layout is JSON.stringify's with 4 spaces.
if (JSON.stringify(info, null, 4) !== sourceText) throw new Error("exchangeInfo: source is not 4-space JSON text");
const kept = info.symbols.filter((s) => KEPT_SYMBOLS.has(s.symbol));
const missing = [...KEPT_SYMBOLS].filter((id) => !kept.some((s) => s.symbol === id));
if (missing.length > 0) throw new Error(`exchangeInfo: not in the recording: ${missing.join(", ")}`);
const trimmed = JSON.stringify({ ...info, symbols: kept }, null, 4);
for (const entry of kept) {
  const text = JSON.stringify(entry, null, 4).replaceAll("\n", "\n        ");
  if (!sourceText.includes(text)) throw new Error(`exchangeInfo: ${entry.symbol} is not byte-identical to the source`);
}
const out = join(fixturesDir, EXCHANGE_INFO_TARGET);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, trimmed);
console.log(
  `${EXCHANGE_INFO_TARGET}\t${Buffer.byteLength(trimmed)} bytes, ${kept.length} of ${info.symbols.length} symbols\t` +
    `sha256 ${sha256(trimmed)} (source sha256 ${sha256(sourceText)})`,
);
