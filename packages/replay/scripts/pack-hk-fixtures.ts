/**
 * Rebuild the gzipped Hong Kong fixtures from the project's shared data set. The CSVs are gzipped
 * byte for byte (node:zlib, level 9), so each `.csv.gz` decompresses to exactly the shared file.
 *
 *   npx tsx scripts/pack-hk-fixtures.ts [shared kline dir]   (default /work/shared/data/kline)
 *
 * Prints each fixture's compressed size and the sha256 of its decompressed content.
 */

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

/** fixture path (relative to `fixtures/`) → source path (relative to the shared kline dir). */
const FILES: ReadonlyArray<readonly [string, string]> = [
  ["hk_yahoo_raw/0700.HK.csv.gz", "hk_yahoo_raw_2004_2022/0700.HK.csv"],
  ["hk_yahoo_raw/9988.HK.csv.gz", "hk_yahoo_raw_2004_2022/9988.HK.csv"],
  ["hk_yahoo_adjusted/0700.HK.csv.gz", "hk_yahoo_adjusted_2020_2025/0700.HK.csv"],
];

const sourceDir = process.argv[2] ?? "/work/shared/data/kline";
const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

for (const [target, source] of FILES) {
  const bytes = readFileSync(join(sourceDir, source));
  const packed = gzipSync(bytes, { level: 9 });
  if (!gunzipSync(packed).equals(bytes)) throw new Error(`${target}: gzip round trip changed the bytes`);
  const out = join(fixturesDir, target);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, packed);
  const sha = createHash("sha256").update(bytes).digest("hex");
  console.log(`${target}\t${packed.length} bytes (from ${bytes.length})\tsha256 ${sha}`);
}
