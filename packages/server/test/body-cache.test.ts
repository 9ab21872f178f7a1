/**
 * Reused serialised answers (src/body-cache.ts), ETag/304, compression and the columns/CSV formats:
 * a write by anyone (this API, another replica on the same database, the CLI writing directly) is
 * seen by the very next read.
 */
import { parseStockSymbol } from "@quantdb/core/symbols";
import { bulkUpsertBars, clearAll, createHistoryStore } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { BodyCache, etagMatches, serialise } from "../src/body-cache.ts";
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

  it("tags a body by its bytes, or a large one by its identity key and its two ends", () => {
    const pad = "x".repeat(3000);
    const big = (middle: string) => `{"head":1,"data":"${pad}${middle.repeat(5000)}${pad}","tail":2}`;
    expect(serialise(big("a"), "application/json").etag).not.toBe(serialise(big("b"), "application/json").etag);
    // the identity stands for the middle: same key and ends → same tag; another key → another tag
    expect(serialise(big("a"), "application/json", 0, "k1").etag).toBe(
      serialise(big("b"), "application/json", 0, "k1").etag,
    );
    expect(serialise(big("a"), "application/json", 0, "k1").etag).not.toBe(
      serialise(big("a"), "application/json", 0, "k2").etag,
    );
    // a change of shape at either end changes the tag under the same key
    expect(serialise(big("a"), "application/json", 0, "k1").etag).not.toBe(
      serialise(big("a").replace('"tail"', '"tale"'), "application/json", 0, "k1").etag,
    );
    // small bodies are always hashed whole
    expect(serialise('{"a":1}', "application/json", 0, "k1").etag).toBe(serialise('{"a":1}', "application/json").etag);
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
    expect(cold.headers.get("etag")).not.toBe(etag);
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
});
