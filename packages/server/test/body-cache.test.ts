/**
 * Reused serialised answers (src/body-cache.ts), ETag/304, compression and the columns/CSV formats:
 * a write by anyone (this API, another replica on the same database, the CLI writing directly) is
 * seen by the very next read.
 */
import { parseStockSymbol } from "@quantdb/core/symbols";
import { bulkUpsertBars, clearAll, createHistoryStore } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import http from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { BodyCache, etagMatches, serialise } from "../src/body-cache.ts";
import { negotiateEncoding } from "../src/encoding.ts";
import { systemSuite } from "./harness.ts";

const PATH = "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240329&adjust=qfq";

describe("BodyCache", () => {
  it("keeps at most maxBytes, dropping the least recently used first, and never a body over a quarter of it", () => {
    const cache = new BodyCache(400);
    const body = (n: number) => serialise("x".repeat(n), "text/plain");
    cache.set("a", body(100));
    cache.set("b", body(100));
    cache.set("c", body(100));
    expect(cache.get("a")).toBeDefined(); // a is now the most recently used
    cache.set("d", body(100));
    cache.set("e", body(100));
    expect(cache.get("b")).toBeUndefined();
    expect(["a", "c", "d", "e"].every((k) => cache.get(k))).toBe(true);
    expect(cache.size()).toEqual({ entries: 4, bytes: 400 });
    cache.set("big", body(101));
    expect(cache.get("big")).toBeUndefined();
  });

  it("tags a body by its bytes and type, or by the parts it is told determine it", () => {
    expect(serialise('{"a":1}', "application/json").etag).toBe(serialise('{"a":1}', "application/json").etag);
    expect(serialise('{"a":1}', "application/json").etag).not.toBe(serialise('{"a":2}', "application/json").etag);
    expect(serialise("a", "text/csv").etag).not.toBe(serialise("a", "application/json").etag);
    // a history answer is tagged without its metadata.cache: two texts, one tag
    const tagged = ['{"metadata":{"cache":null}}', "[1,2]"];
    expect(serialise('{"metadata":{"cache":{"hit":false}},"data":[1,2]}', "application/json", 2, tagged).etag).toBe(
      serialise('{"metadata":{"cache":{"hit":true}},"data":[1,2]}', "application/json", 2, tagged).etag,
    );
  });

  it("counts every compressed variant in its size, keeps each beside its body, each decoding to it", async () => {
    const cache = new BodyCache(1_000_000);
    const text = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ date: `d${i}`, close: i / 7 })));
    const body = serialise(text, "application/json");
    cache.set("k", body);
    expect(cache.size()).toEqual({ entries: 1, bytes: body.bytes.byteLength });
    const [gz, br] = await Promise.all([cache.variant("k", body, "gzip"), cache.variant("k", body, "br")]);
    expect(Buffer.from(gunzipSync(gz)).equals(Buffer.from(body.bytes))).toBe(true);
    expect(Buffer.from(brotliDecompressSync(br)).equals(Buffer.from(body.bytes))).toBe(true);
    expect(cache.size().bytes).toBe(body.bytes.byteLength + gz.byteLength + br.byteLength);
    // kept: the same bytes come back without compressing again
    expect(cache.variant("k", body, "gzip")).toBe(gz);
    // a new body under the key drops the old variants
    const newer = serialise(text.replace("d1", "e1"), "application/json");
    cache.set("k", newer);
    expect(cache.size().bytes).toBe(newer.bytes.byteLength);
    const again = await cache.variant("k", newer, "gzip");
    expect(gunzipSync(again).toString()).toBe(text.replace("d1", "e1"));
    // a body not kept is compressed for that answer only
    const loose = serialise(text, "application/json");
    expect(gunzipSync(await cache.variant("other", loose, "gzip")).toString()).toBe(text);
    expect(cache.size().entries).toBe(1);
  });

  it("negotiates brotli, gzip or identity by q-value", () => {
    expect(negotiateEncoding(undefined)).toBe("identity");
    expect(negotiateEncoding("gzip, deflate")).toBe("gzip");
    expect(negotiateEncoding("gzip, deflate, br")).toBe("br");
    expect(negotiateEncoding("gzip, deflate, br, zstd")).toBe("br");
    expect(negotiateEncoding("br;q=0.5, gzip")).toBe("gzip");
    expect(negotiateEncoding("br;q=0, *")).toBe("gzip");
    expect(negotiateEncoding("*")).toBe("br");
    expect(negotiateEncoding("deflate")).toBe("identity");
    expect(negotiateEncoding("gzip;q=0.4, identity;q=0.9")).toBe("identity");
    expect(negotiateEncoding("gzip;q=0")).toBe("identity");
    expect(negotiateEncoding("identity;q=0, gzip;q=0.1")).toBe("gzip");
    expect(negotiateEncoding("GZIP")).toBe("gzip");
  });

  it("matches If-None-Match weakly, in lists and with *", () => {
    const { etag } = serialise("{}", "application/json");
    expect(etagMatches(etag, etag)).toBe(true);
    expect(etagMatches(etag.replace(/^W\//, ""), etag)).toBe(true);
    expect(etagMatches(`"x", ${etag}`, etag)).toBe(true);
    expect(etagMatches("*", etag)).toBe(true);
    expect(etagMatches('"x"', etag)).toBe(false);
    expect(etagMatches(undefined, etag)).toBe(false);
  });
});

describe.each(testDrivers())("reused history answers on %s", (driver) => {
  const system = systemSuite(driver);

  it("answers a warm repeat byte-identically with an ETag, and 304 to If-None-Match", async () => {
    const api = await system.api();
    const cold = await fetch(api.url + PATH);
    const coldBody = (await cold.json()) as any;
    expect(coldBody.metadata.cache.hit).toBe(false);
    const warm = await fetch(api.url + PATH);
    const warmText = await warm.text();
    // the warm answer is the stored JSON passed through; it carries the same bars as the cold one built
    expect(JSON.parse(warmText).data).toEqual(coldBody.data);
    expect(JSON.parse(warmText).metadata.count).toBe(coldBody.data.length);
    const again = await fetch(api.url + PATH);
    expect(await again.text()).toBe(warmText);
    expect(JSON.parse(warmText).metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });
    const etag = warm.headers.get("etag")!;
    expect(etag).toMatch(/^W\/".+"$/);
    expect(again.headers.get("etag")).toBe(etag);
    // the answer that fetched from upstream carries the same tag: it validates the next request
    expect(cold.headers.get("etag")).toBe(etag);
    const notModified = await fetch(api.url + PATH, { headers: { "If-None-Match": etag } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
    expect((await fetch(api.url + PATH, { headers: { "If-None-Match": '"other"' } })).status).toBe(200);
    expect(system.replay.requestCount()).toBe(1);
    expect((await api.get("/api/v1/cache/stats")).body.requests).toMatchObject({ total: 5, hits: 4 });
  });

  it("sees a write to the instrument by another process on the next read, and ignores writes to others", async () => {
    const api = await system.api();
    const first = await api.get(PATH);
    const before = await api.get(PATH);
    expect(before.body.data).toEqual(first.body.data);
    const store = createHistoryStore(system.database.db);
    const id = (await store.findInstrument(parseStockSymbol("600519")))!.id;

    // another instrument is written: the cached answer stays valid
    await api.get("/api/v1/historical/stock/000001?start_date=20240102&end_date=20240329");
    const unchanged = await fetch(api.url + PATH, { headers: { "If-None-Match": before.headers.get("etag")! } });
    expect(unchanged.status).toBe(304);

    // the CLI (a direct store write, as from another process) rewrites one bar
    const bar = before.body.data[5];
    const { provisional, partial, ...stored } = bar;
    await bulkUpsertBars(system.database.db, id, "qfq", [{ ...stored, close: bar.close + 1 }], new Date());
    const after = await api.get(PATH);
    expect(after.body.data[5].close).toBe(bar.close + 1);
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));

    // a second replica on the same database refreshes the series: the first sees upstream's bars again
    const replica = await system.api();
    expect((await fetch(replica.url + "/api/v1/cache/refresh/600519", { method: "POST" })).status).toBe(200);
    expect((await api.get(PATH)).body.data[5].close).toBe(bar.close);

    // clearing the symbol (on the replica) makes the next read fetch again
    expect((await fetch(replica.url + "/api/v1/cache/clear/600519", { method: "DELETE" })).status).toBe(200);
    const refetched = await api.get(PATH);
    expect(refetched.body.metadata.cache.hit).toBe(false);
    expect(refetched.body.data).toEqual(first.body.data);
    expect(system.replay.requestCount({ secid: "1.600519" })).toBe(3);
    await api.get(PATH);
    await clearAll(system.database.db);
    expect((await api.get(PATH)).body.metadata.cache.hit).toBe(false);
  });

  it("serves weekly bars from reuse until a write, then recomputes them", async () => {
    const api = await system.api();
    const weekly = `${PATH}&period=weekly`;
    await api.get(weekly);
    const warm = await api.get(weekly);
    expect(warm.body.metadata.cache.hit).toBe(true);
    const id = (await createHistoryStore(system.database.db).findInstrument(parseStockSymbol("600519")))!.id;
    const daily = (await api.get(PATH)).body.data;
    const last = daily.at(-1);
    const { provisional, partial, ...stored } = last;
    await bulkUpsertBars(system.database.db, id, "qfq", [{ ...stored, close: 1 }], new Date());
    expect((await api.get(weekly)).body.data.at(-1).close).toBe(1);
  });

  it("answers format=columns and format=csv with the same bars, and compresses on request", async () => {
    const api = await system.api();
    const rows = (await api.get(PATH)).body;
    for (let round = 0; round < 2; round++) {
      const columns = await fetch(`${api.url}${PATH}&format=columns`);
      expect(columns.headers.get("content-type")).toContain("application/vnd.quantdb.columns+json");
      const body = (await columns.json()) as any;
      expect(body.data).toBeUndefined();
      expect(body.metadata.count).toBe(rows.data.length);
      expect(body.columns.date).toEqual(rows.data.map((b: { date: string }) => b.date));
      const rebuilt = body.columns.date.map((_: string, i: number) =>
        Object.fromEntries(Object.keys(body.columns).map((k) => [k, body.columns[k][i]])),
      );
      expect(rebuilt).toEqual(rows.data);

      const csv = await fetch(`${api.url}${PATH}&format=csv`);
      expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      const [header, ...lines] = (await csv.text()).trimEnd().split("\n");
      expect(header).toBe(
        "date,open,high,low,close,volume,amount,amplitude,pct_change,change,turnover_rate,provisional,partial",
      );
      expect(lines.map((l) => l.split(","))).toEqual(
        rows.data.map((b: Record<string, unknown>) =>
          header!.split(",").map((k) => (b[k] === null ? "" : String(b[k]))),
        ),
      );
    }
    const gz = await fetch(`${api.url}${PATH}`, { headers: { "Accept-Encoding": "gzip" } });
    // undici decompresses transparently; check the header and the decoded body instead
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(JSON.parse(await gz.text()).data).toEqual(rows.data);
    expect((await api.get(`${PATH}&format=xml`)).status).toBe(400);
  });

  it("serves each client the variant kept with the answer, decoding to exactly the identity bytes", async () => {
    const api = await system.api();
    const cold = await raw(api.url + PATH);
    const identity = await raw(api.url + PATH);
    expect(identity.headers["content-encoding"]).toBeUndefined();
    for (const [accept, coding] of [
      ["gzip, deflate", "gzip"],
      ["gzip, deflate, br", "br"],
      ["br;q=0.8, gzip", "gzip"],
      ["gzip;q=0.2, identity", undefined],
    ] as const) {
      for (let round = 0; round < 2; round++) {
        const answer = await raw(api.url + PATH, { "accept-encoding": accept });
        expect(answer.status, accept).toBe(200);
        expect(answer.headers["content-encoding"], accept).toBe(coding);
        expect(answer.headers.vary, accept).toContain("Accept-Encoding");
        expect(answer.headers.etag, accept).toBe(identity.headers.etag);
        expect(decode(answer).equals(identity.body), accept).toBe(true);
      }
    }
    // the answer that fetched from upstream is compressed on the fly and validates like the others
    expect(cold.headers.etag).toBe(identity.headers.etag);
    const notModified = await raw(api.url + PATH, { "accept-encoding": "br", "if-none-match": cold.headers.etag! });
    expect(notModified.status).toBe(304);
    expect(notModified.body.byteLength).toBe(0);
    expect(system.replay.requestCount()).toBe(1);
  });

  it("drops every variant on a write: the next read sees the new data in every encoding", async () => {
    const api = await system.api();
    const profiles = [undefined, "gzip, deflate", "gzip, deflate, br"];
    const read = async (accept: string | undefined) => {
      const answer = await raw(api.url + PATH, accept ? { "accept-encoding": accept } : {});
      return JSON.parse(decode(answer).toString("utf8"));
    };
    for (const accept of profiles) await read(accept);
    const before = await read(undefined);
    expect(before.metadata.cache.hit).toBe(true);
    const id = (await createHistoryStore(system.database.db).findInstrument(parseStockSymbol("600519")))!.id;
    const bar = before.data[3];
    const { provisional, partial, ...stored } = bar;
    await bulkUpsertBars(system.database.db, id, "qfq", [{ ...stored, close: bar.close + 2 }], new Date());
    for (const accept of profiles.reverse()) expect((await read(accept)).data[3].close, accept).toBe(bar.close + 2);
  });
});

/** One GET over loopback without decoding the body (fetch would decompress it). */
function raw(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

/** The identity bytes of an answer: decoded as its Content-Encoding says. */
function decode(answer: { headers: http.IncomingHttpHeaders; body: Buffer }): Buffer {
  const coding = answer.headers["content-encoding"];
  if (coding === "gzip") return gunzipSync(answer.body);
  if (coding === "br") return brotliDecompressSync(answer.body);
  if (coding === undefined) return answer.body;
  throw new Error(`unexpected Content-Encoding ${coding}`);
}
