/**
 * Rebuild the stock-list fixtures from the project's shared data set:
 *
 * - `stocklist/a_share_stock_list_2024-06_tszlam.csv.gz`: the shared A-share list gzipped byte for
 *   byte (every column is served);
 * - `stocklist/hk_stock_list_2017_abu.subset.csv.gz`: the 6 columns of the shared HK list the replay
 *   serves (`symbol,co_name,industry,mv,equity,hk_equity`), every row, read with an RFC 4180 parser
 *   (the source has quoted multi-line `co_intro` fields) and written back as RFC 4180 CSV.
 *
 *   npx tsx scripts/pack-stocklist-fixtures.ts [shared stocklist dir]   (default /work/shared/data/stocklist)
 *
 * Checks both round trips and prints sizes and sha256 values (of the decompressed content).
 * `stocklist/stock_get_688635.json` is transcribed by hand (see fixtures/README.md), not built here.
 */

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { A_SHARE_LIST_FIXTURE, HK_LIST_FIXTURE, HK_SUBSET_HEADER, csvField, parseCsv } from "../src/lists.ts";

const sourceDir = process.argv[2] ?? "/work/shared/data/stocklist";
const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

function write(target: string, bytes: Buffer): void {
  const packed = gzipSync(bytes, { level: 9 });
  if (!gunzipSync(packed).equals(bytes)) throw new Error(`${target}: gzip round trip changed the bytes`);
  const out = join(fixturesDir, target);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, packed);
  const sha = createHash("sha256").update(bytes).digest("hex");
  console.log(`${target}\t${packed.length} bytes (from ${bytes.length})\tsha256 ${sha}`);
}

const aShares = readFileSync(join(sourceDir, "a_share_stock_list_2024-06_tszlam.csv"));
write(A_SHARE_LIST_FIXTURE, aShares);

const hkSource = readFileSync(join(sourceDir, "hk_stock_list_2017_abu.csv"));
console.log(`hk source sha256 ${createHash("sha256").update(hkSource).digest("hex")}`);
const [header, ...rows] = parseCsv(hkSource.toString("utf8"));
if (!header) throw new Error("HK list: empty file");
const columns = HK_SUBSET_HEADER.map((name) => {
  const at = header.indexOf(name);
  if (at < 0) throw new Error(`HK list: no column ${name}`);
  return at;
});
const subset = rows.map((cells, i) => {
  if (cells.length !== header.length)
    throw new Error(`HK list: record ${i + 2} has ${cells.length} fields, header ${header.length}`);
  return columns.map((at) => cells[at]!);
});
const text = [HK_SUBSET_HEADER.join(","), ...subset.map((cells) => cells.map(csvField).join(","))].join("\n") + "\n";
const [checkHeader, ...checkRows] = parseCsv(text);
if (
  JSON.stringify(checkHeader) !== JSON.stringify(HK_SUBSET_HEADER) ||
  JSON.stringify(checkRows) !== JSON.stringify(subset)
) {
  throw new Error("HK subset: CSV round trip changed the cells");
}
console.log(`HK list: ${rows.length} records, ${header.length} columns → ${HK_SUBSET_HEADER.length} columns`);
write(HK_LIST_FIXTURE, Buffer.from(text, "utf8"));
