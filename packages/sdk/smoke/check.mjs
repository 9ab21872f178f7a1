// Runs inside a fresh npm project that installed only the packed @quantdb/sdk tarball (remote client).
import assert from "node:assert/strict";
import { createClient, QuantDbApiError } from "@quantdb/sdk";

const range = { start: "2024-01-02", end: "2024-03-29", adjust: "qfq" };

// Remote: the API on the replay upstream.
const remote = createClient({ baseUrl: process.env.QUANTDB_SMOKE_API });
const history = await remote.getHistory("600519", range);
assert.equal(history.name, "贵州茅台");
assert.equal(history.data.length, 58);
assert.equal(history.data[0].volume, 3215600, "volume in shares");
const again = await remote.getHistory("600519.SH", range);
assert.equal(again.metadata.cache.hit, true);
await assert.rejects(
  remote.getHistory("NOPE", range),
  (e) => e instanceof QuantDbApiError && e.code === "INVALID_SYMBOL" && e.status === 400,
);
console.log("smoke: remote client ok");
