import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startReplay } from "../src/index.ts";
import type { ReplayServer } from "../src/index.ts";
import { answeredAfter } from "./fake-delay.ts";

// Expected values are computed here straight from the fixture files (never from the shared data folder).
function fixture(rel: string): string {
  const text = readFileSync(new URL(`../fixtures/${rel}`, import.meta.url), "utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
function csv(rel: string): string[][] {
  return fixture(rel)
    .split(/\r?\n/)
    .filter((line) => line !== "")
    .slice(1)
    .map((line) => line.split(","));
}
/** qfq CSV rows as the kline strings Eastmoney would send (first 11 columns, source text kept). */
function qfqKlines(code: string): string[] {
  return csv(`qfq/${code}.csv`).map((cells) => cells.slice(0, 11).join(","));
}
const recorded = JSON.parse(fixture("eastmoney_raw_json/000001.json")) as {
  data: { preKPrice: number; dktotal: number; klines: string[] };
};

interface KlineData {
  code: string;
  market: number;
  name: string;
  decimal: number;
  dktotal: number;
  preKPrice: number;
  klines: string[];
}
interface Envelope {
  rc: number;
  data: KlineData | null;
  [key: string]: unknown;
}

let replay: ReplayServer;

function klineUrl(params: Record<string, string>, base = replay.eastmoneyHistoryUrl): string {
  const query = new URLSearchParams({
    fields1: "f1,f2,f3,f4,f5,f6",
    fields2: "f51,f52,f53,f54,f55,f56,f57,f58,f59,f60,f61,f116",
    ut: "7eea3edcaed734bea9cbfc24409ed989",
    klt: "101",
    ...params,
  });
  return `${base}?${query.toString()}`;
}
async function kline(params: Record<string, string>): Promise<Envelope> {
  const res = await fetch(klineUrl(params));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return (await res.json()) as Envelope;
}
async function klineData(params: Record<string, string>): Promise<KlineData> {
  const body = await kline(params);
  expect(body.data).not.toBeNull();
  return body.data!;
}
async function control(method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  return fetch(`${replay.url}/__replay/${path}`, init);
}

beforeAll(async () => {
  replay = await startReplay();
});
afterAll(async () => {
  await replay.close();
});
beforeEach(() => {
  replay.reset();
});

describe("kline endpoint: qfq (fqt=1) from recorded Eastmoney values", () => {
  it("serves exactly the fixture rows for [beg, end] inside the recorded envelope", async () => {
    expect(replay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(replay.eastmoneyHistoryUrl).toBe(`${replay.url}/api/qt/stock/kline/get`);
    const all = qfqKlines("600519");
    const expected = all.filter((k) => k >= "2023-03-01" && k.slice(0, 10) <= "2023-03-31");
    const body = await kline({ secid: "1.600519", fqt: "1", beg: "20230301", end: "20230331" });
    expect(Object.keys(body)).toEqual(["rc", "rt", "svr", "lt", "full", "dlmkts", "dsc", "data"]);
    expect(body).toMatchObject({ rc: 0, rt: 17, svr: 183641822, lt: 1, full: 0, dlmkts: "", dsc: "0" });
    const data = body.data!;
    expect(Object.keys(data)).toEqual(["code", "market", "name", "decimal", "dktotal", "preKPrice", "klines"]);
    expect(data).toMatchObject({ code: "600519", market: 1, name: "贵州茅台", decimal: 2, dktotal: 818 });
    expect(expected.length).toBeGreaterThan(15);
    expect(data.klines).toEqual(expected);
    const before = all[all.indexOf(expected[0]!) - 1]!.split(",");
    expect(data.preKPrice).toBe(Number(before[2]));
    for (const line of data.klines) expect(line.split(",")).toHaveLength(11);
  });

  it("beg=0&end=20500000 returns the whole dataset; the first bar's open stands in for preKPrice", async () => {
    const rows = qfqKlines("000001");
    expect(rows).toHaveLength(842);
    const data = await klineData({ secid: "0.000001", fqt: "1", beg: "0", end: "20500000" });
    expect(data.klines).toEqual(rows); // the 4 MA columns of this file are not served
    expect(data).toMatchObject({ code: "000001", market: 0, name: "平安银行", dktotal: 842 });
    expect(data.preKPrice).toBe(Number(rows[0]!.split(",")[1]));
    // Beijing codes live under market 0.
    const bj = await klineData({ secid: "0.830799", fqt: "1", beg: "0", end: "20500101" });
    expect(bj.klines).toEqual(qfqKlines("830799"));
    expect(bj).toMatchObject({ code: "830799", market: 0, name: "艾融软件", dktotal: 818 });
    for (const [secid, code] of [
      ["0.300750", "300750"],
      ["0.430047", "430047"],
      ["1.688981", "688981"],
    ] as const) {
      expect((await klineData({ secid, fqt: "1", beg: "0", end: "20500000" })).klines).toEqual(qfqKlines(code));
    }
  });

  it("lmt keeps the last N bars within the range", async () => {
    const all = qfqKlines("300750");
    const data = await klineData({ secid: "0.300750", fqt: "1", end: "20240301", lmt: "5" });
    const endIndex = all.findIndex((k) => k.startsWith("2024-03-01"));
    expect(data.klines).toEqual(all.slice(endIndex - 4, endIndex + 1));
    expect(data.preKPrice).toBe(Number(all[endIndex - 5]!.split(",")[2]));
    expect(data.dktotal).toBe(818);
    const ranged = await klineData({ secid: "0.300750", fqt: "1", beg: "20240226", end: "20240301", lmt: "100" });
    expect(ranged.klines).toEqual(all.filter((k) => k.slice(0, 10) >= "2024-02-26" && k.slice(0, 10) <= "2024-03-01"));
  });

  it("data:null for unknown secid, wrong market, hfq and unsupported klt; klines:[] for an empty range", async () => {
    expect((await kline({ secid: "0.999999", fqt: "1", beg: "0", end: "20500000" })).data).toBeNull();
    expect((await kline({ secid: "1.000001", fqt: "1", beg: "0", end: "20500000" })).data).toBeNull();
    expect((await kline({ secid: "0.600519", fqt: "1", beg: "0", end: "20500000" })).data).toBeNull();
    expect((await kline({ secid: "0.000001", fqt: "2", beg: "0", end: "20500000" })).data).toBeNull();
    expect((await kline({ secid: "0.000001", fqt: "1", klt: "102", beg: "0", end: "20500000" })).data).toBeNull();
    expect((await kline({ secid: "1.688981", fqt: "0", beg: "0", end: "20500000" })).data).toBeNull();
    const null0 = await kline({ secid: "0.999999", fqt: "1" });
    expect(null0).toMatchObject({ rc: 0, dsc: "0", data: null });
    const empty = await klineData({ secid: "1.600519", fqt: "1", beg: "20300101", end: "20500000" });
    expect(empty.klines).toEqual([]);
    expect(empty.dktotal).toBe(818);
  });

  it("wraps the body as JSONP when cb is given", async () => {
    const res = await fetch(
      klineUrl({
        secid: "1.600519",
        fqt: "1",
        beg: "20240522",
        end: "20240522",
        cb: "jQuery1124_1700000000000",
        _: "1700000000000",
      }),
    );
    const text = await res.text();
    expect(text.startsWith("jQuery1124_1700000000000(")).toBe(true);
    expect(text.endsWith(");")).toBe(true);
    const body = JSON.parse(text.slice("jQuery1124_1700000000000(".length, -2)) as Envelope;
    expect(body.data!.klines).toEqual([qfqKlines("600519").at(-1)]);
  });
});

describe("kline endpoint: unadjusted (fqt=0) converted from Yahoo bars", () => {
  const round2 = (text: string): number => Math.round(Number(text) * 100) / 100;

  it("converts shares to lots, rounds prices, derives change / pct / amplitude from the previous close", async () => {
    const rows = csv("raw/600519.csv"); // 日期,开盘,最高,最低,收盘,成交量(shares)
    const i = rows.findIndex((r) => r[0] === "2024-08-13");
    const [date, open, high, low, close, shares] = rows[i]!;
    const prevClose = round2(rows[i - 1]![4]!);
    const change = round2(close!) - prevClose;
    const expected = [
      date,
      round2(open!).toFixed(2),
      round2(close!).toFixed(2),
      round2(high!).toFixed(2),
      round2(low!).toFixed(2),
      String(Math.round(Number(shares) / 100)),
      "-",
      (((round2(high!) - round2(low!)) / prevClose) * 100).toFixed(2),
      ((change / prevClose) * 100).toFixed(2),
      change.toFixed(2),
      "-",
    ].join(",");
    expect(expected).toBe("2024-08-13,1433.00,1423.01,1435.00,1412.01,16308,-,1.60,-0.91,-13.09,-");
    const data = await klineData({ secid: "1.600519", fqt: "0", beg: "20240813", end: "20240813" });
    expect(data.klines).toEqual([expected]);
    expect(data).toMatchObject({ code: "600519", market: 1, name: "贵州茅台", dktotal: 484, preKPrice: prevClose });
  });

  it("marks the first bar's derived fields as missing", async () => {
    const data = await klineData({ secid: "0.300750", fqt: "0", beg: "0", end: "20500000" });
    expect(data.klines).toHaveLength(484);
    const first = data.klines[0]!.split(",");
    expect(first[0]).toBe("2024-08-12");
    expect([first[6], first[7], first[8], first[9], first[10]]).toEqual(["-", "-", "-", "-", "-"]);
    expect(data.preKPrice).toBe(Number(first[1]));
    for (const line of data.klines) expect(line.split(",")).toHaveLength(11);
  });

  it("matches Eastmoney's own recorded values where qfq equals raw (000001 after the 2024-10-10 ex-date)", async () => {
    replay.useSnapshot("0.000001", "1", "2025-03-05");
    const qfq = await klineData({ secid: "0.000001", fqt: "1", beg: "20241011", end: "20250305" });
    const raw = await klineData({ secid: "0.000001", fqt: "0", beg: "20241011", end: "20250305" });
    expect(raw.klines).toHaveLength(qfq.klines.length);
    const mismatched: string[] = [];
    raw.klines.forEach((line, n) => {
      const mine = line.split(",");
      const theirs = qfq.klines[n]!.split(",");
      expect(mine[0]).toBe(theirs[0]);
      expect(mine[5]).toBe(theirs[5]); // volume in lots agrees on every day
      // open, close, high, low, amplitude, pct, change
      if ([1, 2, 3, 4, 7, 8, 9].some((f) => mine[f] !== theirs[f])) mismatched.push(mine[0]!);
    });
    // Yahoo's high/low (and on 2025-01-16 the open) differ from Eastmoney on two days.
    expect(mismatched).toEqual(["2024-12-05", "2025-01-16"]);
  });
});

describe("request log", () => {
  it("logs kline requests in order with their parameters and counts them with filters", async () => {
    await kline({ secid: "1.600519", fqt: "1", beg: "20240101", end: "20240131" });
    await kline({ secid: "1.600519", fqt: "0", beg: "0", end: "20500000", lmt: "10" });
    await kline({ secid: "0.000001", fqt: "1", beg: "0", end: "20500000" });
    await kline({ secid: "0.999999", fqt: "1" });
    await fetch(`${replay.url}/nope`);
    await control("GET", "requests");
    expect(replay.requestCount()).toBe(4);
    expect(replay.requestCount({ secid: "1.600519" })).toBe(2);
    expect(replay.requestCount({ fqt: "1" })).toBe(3);
    expect(replay.requestCount({ secid: "1.600519", fqt: "0" })).toBe(1);
    expect(replay.requestCount({ secid: "0.300750" })).toBe(0);
    const [first, second] = replay.requests;
    expect(first).toMatchObject({
      path: "/api/qt/stock/kline/get",
      secid: "1.600519",
      fqt: "1",
      klt: "101",
      beg: "20240101",
      end: "20240131",
    });
    expect(first!.query.ut).toBe("7eea3edcaed734bea9cbfc24409ed989");
    expect(typeof first!.at).toBe("number");
    expect(second).toMatchObject({ lmt: "10" });
    replay.reset();
    expect(replay.requestCount()).toBe(0);
  });

  it("serves 404 text for any other path", async () => {
    for (const path of ["/api/qt/stock/kline/get/", "/x/api/qt/stock/kline/get", "/api/qt/stock/trends2/get"]) {
      const res = await fetch(`${replay.url}${path}?secid=0.000001`);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      await res.text();
    }
    expect(replay.requestCount()).toBe(0);
  });
});

describe("faults", () => {
  const params = { secid: "1.600519", fqt: "1", beg: "20240501", end: "20240522" };

  it("reset destroys the socket without a response", async () => {
    replay.injectFault({ kind: "reset", times: 1 });
    await expect(fetch(klineUrl(params))).rejects.toThrow();
    expect(replay.requestCount()).toBe(1);
    expect((await kline(params)).data!.klines.length).toBeGreaterThan(0);
  });

  it("http500 answers status 500", async () => {
    replay.injectFault({ kind: "http500" });
    const res = await fetch(klineUrl(params));
    expect(res.status).toBe(500);
    expect((await res.text()).length).toBeGreaterThan(0);
  });

  it("slow delays the normal answer by delayMs", async () => {
    replay.injectFault({ kind: "slow", delayMs: 300, times: 1 });
    const before = replay.requestCount();
    const request = async () => (await fetch(klineUrl(params))).json() as Promise<Envelope>;
    const body = await answeredAfter(300, () => replay.requestCount() > before, request);
    expect(body.data!.code).toBe("600519");
  });

  it("captcha answers a 200 text/html page", async () => {
    replay.injectFault({ kind: "captcha" });
    const res = await fetch(klineUrl(params));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const text = await res.text();
    expect(text).toMatch(/<html/);
    expect(text).toContain("验证");
  });

  it("malformed answers truncated JSON", async () => {
    replay.injectFault({ kind: "malformed" });
    const res = await fetch(klineUrl(params));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith('{"rc":0')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it("bad-row puts one 7-field kline into a valid envelope", async () => {
    replay.injectFault({ kind: "bad-row" });
    const data = (await kline(params)).data!;
    const widths = data.klines.map((line) => line.split(",").length);
    expect(widths.filter((w) => w === 7)).toHaveLength(1);
    expect(widths.filter((w) => w === 11)).toHaveLength(widths.length - 1);
  });

  it("data-null answers a valid envelope with data:null", async () => {
    replay.injectFault({ kind: "data-null" });
    expect(await kline(params)).toMatchObject({ rc: 0, data: null });
  });

  it("times limits how many requests a fault hits; secid scopes it; clearFaults removes it", async () => {
    replay.injectFault({ kind: "http500", times: 2 });
    expect((await fetch(klineUrl(params))).status).toBe(500);
    expect((await fetch(klineUrl(params))).status).toBe(500);
    expect((await fetch(klineUrl(params))).status).toBe(200);

    replay.injectFault({ kind: "data-null", secid: "0.000001" });
    expect((await kline(params)).data).not.toBeNull();
    expect((await kline({ ...params, secid: "0.000001" })).data).toBeNull();
    expect((await kline({ ...params, secid: "0.000001" })).data).toBeNull();
    replay.clearFaults();
    expect((await kline({ ...params, secid: "0.000001" })).data).not.toBeNull();
    expect(replay.requestCount()).toBe(7);
  });

  it("rejects unknown fault kinds and bad counts", () => {
    expect(() => replay.injectFault({ kind: "boom" as never })).toThrow();
    expect(() => replay.injectFault({ kind: "reset", times: 0 })).toThrow();
  });

  it("setLatency delays every kline response", async () => {
    replay.setLatency(150);
    for (let i = 0; i < 2; i++) {
      const before = replay.requestCount();
      await answeredAfter(
        150,
        () => replay.requestCount() > before,
        () => kline(params),
      );
    }
  });
});

describe("suspensions and snapshots", () => {
  it("suspend omits the window's bars for every fqt of that secid", async () => {
    const all = qfqKlines("600519");
    replay.suspend("1.600519", "2024-05-15", "2024-05-20");
    const data = await klineData({ secid: "1.600519", fqt: "1", beg: "20240501", end: "20240531" });
    const expected = all
      .filter((k) => k.slice(0, 10) >= "2024-05-01" && (k.slice(0, 10) < "2024-05-15" || k.slice(0, 10) > "2024-05-20"))
      // the first bar back measures change, pct and amplitude from the last close before the window (1701.98)
      .map((k) =>
        k.startsWith("2024-05-21")
          ? "2024-05-21,1708.0,1705.0,1709.73,1698.16,16293,2776847499.0,0.68,0.18,3.02,0.13"
          : k,
      );
    expect(data.klines).toEqual(expected);
    const removed = all.filter((k) => k.slice(0, 10) >= "2024-05-15" && k.slice(0, 10) <= "2024-05-20").length;
    expect(removed).toBe(4);
    expect(data.dktotal).toBe(818 - removed);
    // The bar after the gap: preKPrice is the last close before the suspension.
    const after = await klineData({ secid: "1.600519", fqt: "1", beg: "20240515", end: "20240522" });
    expect(after.klines[0]!.slice(0, 10)).toBe("2024-05-21");
    expect(after.preKPrice).toBe(Number(all.find((k) => k.startsWith("2024-05-14"))!.split(",")[2]));
    const raw = await klineData({ secid: "1.600519", fqt: "0", beg: "20241201", end: "20500000" });
    replay.suspend("1.600519", "2025-01-02", "2025-01-03");
    const rawSuspended = await klineData({ secid: "1.600519", fqt: "0", beg: "20241201", end: "20500000" });
    const kept = raw.klines.filter((k) => !k.startsWith("2025-01-02") && !k.startsWith("2025-01-03"));
    expect(rawSuspended.klines).toHaveLength(raw.klines.length - 2);
    expect(rawSuspended.klines.filter((k) => !k.startsWith("2025-01-06"))).toEqual(
      kept.filter((k) => !k.startsWith("2025-01-06")),
    );
    const close = (k: string) => Number(k.split(",")[2]);
    const resumed = rawSuspended.klines.find((k) => k.startsWith("2025-01-06"))!;
    const lastBefore = raw.klines.find((k) => k.startsWith("2024-12-31"))!;
    expect(Number(resumed.split(",")[9])).toBeCloseTo(close(resumed) - close(lastBefore), 2);
    expect(() => replay.suspend("1.600519", "20250101", "2025-01-03")).toThrow();
  });

  it("useSnapshot switches 000001 qfq to the recorded 2025-03-05 response", async () => {
    const old = await klineData({ secid: "0.000001", fqt: "1", beg: "20240626", end: "20240626" });
    expect(old.klines).toEqual([qfqKlines("000001").at(-1)]);
    replay.useSnapshot("0.000001", "1", "2025-03-05");
    const all = await klineData({ secid: "0.000001", fqt: "1", beg: "0", end: "20500000" });
    expect(all.klines).toEqual(recorded.data.klines);
    expect(all.klines).toHaveLength(210);
    expect(all.dktotal).toBe(210);
    expect(all.preKPrice).toBe(recorded.data.preKPrice); // the recorded close before 2024-04-22
    const same = await klineData({ secid: "0.000001", fqt: "1", beg: "20240626", end: "20240626" });
    expect(same.klines[0]!.slice(0, 10)).toBe("2024-06-26");
    expect(same.klines[0]).not.toBe(old.klines[0]); // qfq history was rewritten by later dividends
    expect(() => replay.useSnapshot("0.000001", "1", "2024-01-01")).toThrow();
    expect(() => replay.useSnapshot("1.000001", "1", "2025-03-05")).toThrow();
    replay.useSnapshot("0.000001", "1", "2024-06-26");
    expect((await klineData({ secid: "0.000001", fqt: "1", beg: "0", end: "20500000" })).dktotal).toBe(842);
    replay.useSnapshot("0.000001", "1", "2025-03-05");
    replay.reset();
    expect((await klineData({ secid: "0.000001", fqt: "1", beg: "0", end: "20500000" })).dktotal).toBe(842);
  });
});

describe("control endpoints", () => {
  it("drive faults, snapshots, suspensions, latency and the log over HTTP", async () => {
    const params = { secid: "0.000001", fqt: "1", beg: "20240620", end: "20240626" };
    expect((await control("POST", "faults", { kind: "http500", times: 1 })).status).toBe(200);
    expect((await fetch(klineUrl(params))).status).toBe(500);
    expect((await control("POST", "faults", { kind: "data-null" })).status).toBe(200);
    expect((await kline(params)).data).toBeNull();
    expect((await control("DELETE", "faults")).status).toBe(200);
    expect((await kline(params)).data).not.toBeNull();

    const log = (await (await control("GET", "requests")).json()) as { count: number; requests: { secid: string }[] };
    expect(log.count).toBe(3);
    expect(log.requests.map((r) => r.secid)).toEqual(["0.000001", "0.000001", "0.000001"]);

    expect((await control("POST", "snapshot", { secid: "0.000001", fqt: "1", snapshot: "2025-03-05" })).status).toBe(
      200,
    );
    expect((await klineData({ ...params, end: "20500000" })).klines.at(-1)).toBe(recorded.data.klines.at(-1));
    expect((await control("POST", "snapshot", { secid: "0.000001", fqt: "1", snapshot: "nope" })).status).toBe(400);

    expect((await control("POST", "suspend", { secid: "0.000001", from: "2024-06-21", to: "2024-06-24" })).status).toBe(
      200,
    );
    const suspended = await klineData(params);
    expect(suspended.klines.map((k) => k.slice(0, 10))).toEqual(["2024-06-20", "2024-06-25", "2024-06-26"]);

    expect((await control("POST", "latency", { ms: 120 })).status).toBe(200);
    const before = replay.requestCount();
    await answeredAfter(
      120,
      () => replay.requestCount() > before,
      () => kline(params),
    );
    expect((await control("POST", "latency", { ms: -1 })).status).toBe(400);

    expect((await control("POST", "reset")).status).toBe(200);
    expect(replay.requestCount()).toBe(0);
    const restored = await klineData(params);
    expect(restored.klines).toEqual(qfqKlines("000001").filter((k) => k.slice(0, 10) >= "2024-06-20"));
    expect((await control("POST", "faults", { kind: "bogus" })).status).toBe(400);
    expect((await control("GET", "unknown")).status).toBe(404);
    expect(replay.requestCount()).toBe(1);
  });
});

describe("close", () => {
  it("resolves promptly while a slow request is pending", async () => {
    const other = await startReplay();
    other.injectFault({ kind: "slow" }); // default 60 s
    const pending = fetch(klineUrl({ secid: "1.600519", fqt: "1" }, other.eastmoneyHistoryUrl));
    const settled = pending.then(
      () => "resolved",
      () => "rejected",
    );
    while (other.requestCount() === 0) await new Promise((r) => setImmediate(r));
    // close does not wait for the 60 s answer (the test would time out first): it destroys the socket
    await other.close();
    expect(await settled).toBe("rejected");
  });
});

describe("Sina trading-date list", () => {
  it("serves the recorded klc_td_sh.txt body verbatim", async () => {
    const response = await fetch(replay.sinaTradeDatesUrl);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body.startsWith('var datelist="LC/AAAf8CXCw6mH')).toBe(true);
    expect(body.endsWith('";var KLC_TD_SH=datelist;')).toBe(true);
    expect(replay.requestCount()).toBe(0);
  });
});
