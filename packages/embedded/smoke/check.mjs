// Runs inside a fresh npm project that installed the packed @quantdb/sdk and @quantdb/embedded tarballs.
import assert from "node:assert/strict";
import { QuantDbApiError } from "@quantdb/sdk";
import { createEmbedded } from "@quantdb/embedded";

const range = { start: "2024-01-02", end: "2024-03-29", adjust: "qfq" };
const replay = process.env.QUANTDB_SMOKE_REPLAY;
const upstream = {
  eastmoneyHistory: replay,
  eastmoneyQuote: replay,
  eastmoneyList: replay,
  eastmoneyDatacenter: replay,
  sinaCalendar: `${replay}/realstock/company/klc_td_sh.txt`,
  ccxt: { binance: replay },
};
const embedded = await createEmbedded({ dataDir: process.env.QUANTDB_SMOKE_DATA, upstream });
const local = await embedded.getHistory("600519", range);
assert.equal(local.name, "贵州茅台");
assert.equal(local.data.length, 58);
assert.equal(local.data[0].volume, 3215600, "volume in shares");
assert.equal(local.metadata.cache.upstream_requests, 1);
assert.equal((await embedded.getHistory("600519.SH", range)).metadata.cache.hit, true);
await assert.rejects(
  embedded.getHistory("NOPE", range),
  (e) => e instanceof QuantDbApiError && e.code === "INVALID_SYMBOL",
);
// Crypto: the bundle imports ccxt (a dependency of @quantdb/embedded) on the first crypto call.
const btc = await embedded.getCryptoHistory("binance:BTC/USDT", { start: "2025-01-01", end: "2025-01-31" });
assert.equal(btc.data.length, 31);
assert.equal(btc.metadata.units.quote, "USDT", "prices in the quote currency");
assert.equal(btc.metadata.cache.upstream_requests, 1);
await assert.rejects(
  createEmbedded({ dataDir: process.env.QUANTDB_SMOKE_DATA, upstream }),
  /in use by another process/,
);
await embedded.close();
const reopened = await createEmbedded({ dataDir: process.env.QUANTDB_SMOKE_DATA, upstream });
assert.equal((await reopened.getHistory("600519", range)).metadata.cache.hit, true, "persistent across reopen");
await reopened.close();
console.log("smoke: embedded mode ok");
