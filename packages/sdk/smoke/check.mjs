// Runs inside a fresh npm project that installed the packed @quantdb/sdk tarball.
import assert from "node:assert/strict";
import { createClient, QuantDbApiError } from "@quantdb/sdk";
import { createEmbedded } from "@quantdb/sdk/embedded";

const range = { start: "2024-01-02", end: "2024-03-29", adjust: "qfq" };

// Remote: the API on the replay upstream.
const remote = createClient({ baseUrl: process.env.QUANTDB_SMOKE_API });
const history = await remote.getHistory("600519", range);
assert.equal(history.name, "贵州茅台");
assert.equal(history.data.length, 58);
assert.equal(history.data[0].volume, 3215600, "volume in shares");
const again = await remote.getHistory("600519.SH", range);
assert.equal(again.metadata.cache.hit, true);
await assert.rejects(remote.getHistory("NOPE", range), (e) => e instanceof QuantDbApiError && e.code === "INVALID_SYMBOL" && e.status === 400);
console.log("smoke: remote client ok");

// Embedded: no server; the same answers from QuantDB in this process.
const replay = process.env.QUANTDB_SMOKE_REPLAY;
const upstream = { eastmoneyHistory: replay, eastmoneyQuote: replay, eastmoneyList: replay, eastmoneyDatacenter: replay, sinaCalendar: `${replay}/realstock/company/klc_td_sh.txt` };
const embedded = await createEmbedded({ dataDir: process.env.QUANTDB_SMOKE_DATA, upstream });
const local = await embedded.getHistory("600519", range);
assert.deepEqual(local.data, history.data);
assert.equal(local.metadata.cache.upstream_requests, 1);
assert.equal((await embedded.getHistory("600519", range)).metadata.cache.hit, true);
await assert.rejects(createEmbedded({ dataDir: process.env.QUANTDB_SMOKE_DATA, upstream }), /in use by another process/);
await embedded.close();
const reopened = await createEmbedded({ dataDir: process.env.QUANTDB_SMOKE_DATA, upstream });
assert.equal((await reopened.getHistory("600519", range)).metadata.cache.hit, true, "persistent across reopen");
await reopened.close();
console.log("smoke: embedded mode ok");
