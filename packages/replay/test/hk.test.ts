import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HK_YAHOO_RAW, ohlcvSnapshot } from "../src/data.ts";
import { startReplay } from "../src/index.ts";
import type { ReplayServer } from "../src/index.ts";
import { answeredAfter } from "./fake-delay.ts";

// Expected values are computed here straight from the (gzipped) fixture files, never from the shared data folder.
function gzFixture(rel: string): string {
  return gunzipSync(readFileSync(new URL(`../fixtures/${rel}`, import.meta.url))).toString("utf8");
}
/** Data rows of a fixture CSV as cell arrays. */
function rows(rel: string): string[][] {
  return gzFixture(rel)
    .split(/\r?\n/)
    .filter((line) => line !== "")
    .slice(1)
    .map((line) => line.split(","));
}
/** One source row of an unadjusted HK file (`Date,High,Low,Open,Close,Volume,Adj Close`). */
interface RawRow {
  date: string;
  high: string;
  low: string;
  open: string;
  close: string;
  volume: string;
}
function rawRows(file: string): RawRow[] {
  return rows(`hk_yahoo_raw/${file}`).map(([date, high, low, open, close, volume]) => ({
    date: date!,
    high: high!,
    low: low!,
    open: open!,
    close: close!,
    volume: volume!,
  }));
}
/** Source price text → the 3-dp text the replay should serve. */
const p3 = (text: string): string => (Math.round(Number(text) * 1000) / 1000).toFixed(3);
const raw0700 = rawRows("0700.HK.csv.gz");
const raw9988 = rawRows("9988.HK.csv.gz");

interface KlineData {
  code: string;
  market: number;
  name: string;
  decimal: number;
  dktotal: number;
  preKPrice: number;
  klines: string[];
}

let replay: ReplayServer;

async function kline(params: Record<string, string>): Promise<{ rc: number; data: KlineData | null }> {
  const query = new URLSearchParams({
    fields1: "f1,f2,f3,f4,f5,f6",
    fields2: "f51,f52,f53,f54,f55,f56,f57,f58,f59,f60,f61",
    klt: "101",
    ...params,
  });
  const res = await fetch(`${replay.eastmoneyHistoryUrl}?${query.toString()}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { rc: number; data: KlineData | null };
}
async function klineData(params: Record<string, string>): Promise<KlineData> {
  const body = await kline(params);
  expect(body.data).not.toBeNull();
  return body.data!;
}
/** The served kline of one date, split into fields. */
async function bar(secid: string, fqt: string, date: string): Promise<string[]> {
  const key = date.replaceAll("-", "");
  const data = await klineData({ secid, fqt, beg: key, end: key });
  expect(data.klines).toHaveLength(1);
  return data.klines[0]!.split(",");
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

describe("Hong Kong unadjusted (fqt=0) from Yahoo CSVs", () => {
  it("serves a range with HKD prices to 3 dp, volume in shares equal to the source, and the HK envelope", async () => {
    const data = await klineData({ secid: "116.00700", fqt: "0", beg: "20220801", end: "20220831" });
    const source = raw0700.filter((r) => r.date >= "2022-08-01" && r.date <= "2022-08-31");
    expect(source.length).toBeGreaterThan(20);
    expect(data).toMatchObject({ code: "00700", market: 116, name: "腾讯控股", decimal: 3, dktotal: raw0700.length });
    expect(Object.keys(data)).toEqual(["code", "market", "name", "decimal", "dktotal", "preKPrice", "klines"]);
    expect(data.klines).toHaveLength(source.length);
    data.klines.forEach((line, n) => {
      const f = line.split(",");
      const src = source[n]!;
      expect(f).toHaveLength(11);
      expect(f[0]).toBe(src.date);
      expect([f[1], f[2], f[3], f[4]]).toEqual([p3(src.open), p3(src.close), p3(src.high), p3(src.low)]);
      expect(Number(f[5])).toBe(Number(src.volume)); // shares, not lots
      expect(f[5]).toMatch(/^\d+$/);
      for (const price of f.slice(1, 5)) expect(price).toMatch(/^\d+\.\d{3}$/);
      expect(f[9]).toMatch(/^-?\d+\.\d{3}$/); // change, in HKD
      expect([f[6], f[10]]).toEqual(["-", "-"]); // amount, turnover: not in the source
    });
    const before = raw0700[raw0700.indexOf(source[0]!) - 1]!;
    expect(data.preKPrice).toBe(Number(p3(before.close)));
    // Hand-checked: source 2022-08-01 H 304.79998779296875, L 299.6000061035156, O 302.0, C 299.6000061035156,
    // Volume 39993630.0 (shares); previous close 306.79998779296875.
    expect(data.klines[0]).toBe("2022-08-01,302.000,299.600,304.800,299.600,39993630,-,1.69,-2.35,-7.200,-");
  });

  it("derives change / pct / amplitude from the previous row's close like the A-share conversion", async () => {
    // Tencent's first day: no previous close; the second day's derived fields use the first close.
    const all = await klineData({ secid: "116.00700", fqt: "0", beg: "0", end: "20500000" });
    expect(all.klines).toHaveLength(4514);
    expect(all.klines[0]).toBe("2004-06-16,0.875,0.830,0.925,0.815,2198875000,-,-,-,-,-");
    expect(all.klines[1]).toBe("2004-06-17,0.830,0.845,0.875,0.825,419007500,-,6.02,1.81,0.015,-");
    expect(all.preKPrice).toBe(0.875); // no earlier bar: the first open stands in
    expect(all.klines.map((k) => k.slice(0, 10))).toEqual(raw0700.map((r) => r.date));
    expect(all.klines.map((k) => Number(k.split(",")[5]))).toEqual(raw0700.map((r) => Number(r.volume)));
  });

  it("keeps the source's defective rows verbatim", async () => {
    // Flat filler rows with Volume=0 on days HKEX was closed (typhoons, holidays).
    expect((await bar("116.00700", "0", "2016-08-02")).join(",")).toBe(
      "2016-08-02,184.500,184.500,184.500,184.500,0,-,0.00,0.00,0.000,-",
    );
    expect((await bar("116.00700", "0", "2004-07-01")).join(",")).toBe(
      "2004-07-01,0.860,0.860,0.860,0.860,0,-,0.00,0.00,0.000,-",
    );
    expect((await bar("116.00700", "0", "2017-08-23")).join(",")).toBe(
      "2017-08-23,324.000,324.000,324.000,324.000,0,-,0.00,0.00,0.000,-",
    );
    // Half-day 2021-12-24: one flat price, Volume=0 (both files).
    expect((await bar("116.00700", "0", "2021-12-24")).join(",")).toBe(
      "2021-12-24,460.800,460.800,460.800,460.800,0,-,0.00,-0.22,-1.000,-",
    );
    expect((await bar("116.09988", "0", "2021-12-24")).join(",")).toBe(
      "2021-12-24,113.000,113.000,113.000,113.000,0,-,0.00,-0.26,-0.300,-",
    );
    // A real trading day with a price range but Volume=0.
    expect((await bar("116.00700", "0", "2016-01-07")).join(",")).toBe(
      "2016-01-07,144.600,140.200,146.000,140.000,0,-,4.11,-3.97,-5.800,-",
    );
    // OHLC violations: high < low on 2009-12-31 (so the amplitude is negative); open < low on 2014-05-15.
    const d1231 = await bar("116.00700", "0", "2009-12-31");
    expect(d1231.join(",")).toBe("2009-12-31,33.300,33.800,33.200,33.740,12396690,-,-1.64,2.36,0.780,-");
    expect(Number(d1231[3])).toBeLessThan(Number(d1231[4]));
    const d0515 = await bar("116.00700", "0", "2014-05-15");
    expect(d0515.slice(0, 6).join(",")).toBe("2014-05-15,102.800,108.800,112.000,107.900,51693834");
    expect(Number(d0515[1])).toBeLessThan(Number(d0515[4]));
    // 2012-03-19 is missing from the source, so from the replay too.
    const gap = await klineData({ secid: "116.00700", fqt: "0", beg: "20120316", end: "20120320" });
    expect(gap.klines.map((k) => k.slice(0, 10))).toEqual(["2012-03-16", "2012-03-20"]);
    // The partial last bar (2022-09-19) is served as recorded.
    expect((await bar("116.00700", "0", "2022-09-19")).slice(0, 6).join(",")).toBe(
      "2022-09-19,292.200,290.000,292.800,288.400,11929044",
    );

    // Inventory (fixtures/README.md): 19 zero-volume rows and 3 OHLC violations in 0700; 5 zero-volume rows in 9988.
    const all = (await klineData({ secid: "116.00700", fqt: "0", beg: "0", end: "20500000" })).klines.map((k) =>
      k.split(","),
    );
    expect(all.filter((f) => f[5] === "0")).toHaveLength(19);
    const violations = all.filter((f) => {
      const [o, c, h, l] = [f[1], f[2], f[3], f[4]].map(Number) as [number, number, number, number];
      return !(l <= o && l <= c && o <= h && c <= h);
    });
    expect(violations.map((f) => f[0])).toEqual(["2009-12-31", "2010-01-15", "2014-05-15"]);
    const ali = (await klineData({ secid: "116.09988", fqt: "0", beg: "0", end: "20500000" })).klines;
    expect(ali).toHaveLength(raw9988.length);
    expect(ali.filter((k) => k.split(",")[5] === "0").map((k) => k.slice(0, 10))).toEqual([
      "2020-12-24",
      "2020-12-31",
      "2021-02-11",
      "2021-12-24",
      "2022-01-31",
    ]);
  });

  it("serves 09988 with its own envelope", async () => {
    const data = await klineData({ secid: "116.09988", fqt: "0", beg: "0", end: "20191127" });
    expect(data).toMatchObject({
      code: "09988",
      market: 116,
      name: "阿里巴巴-W",
      decimal: 3,
      dktotal: 694,
      preKPrice: 187,
    });
    const first = raw9988[0]!;
    expect(data.klines[0]).toBe(`2019-11-26,187.000,${p3(first.close)},189.500,187.000,74549578,-,-,-,-,-`);
    expect(data.klines[1]!.split(",")[5]).toBe(raw9988[1]!.volume);
  });
});

describe("Hong Kong qfq (fqt=1) from Yahoo's dividend-adjusted series", () => {
  const adjusted = rows("hk_yahoo_adjusted/0700.HK.csv.gz"); // Date,Open,High,Low,Close,Volume,Dividends,Stock Splits

  it("serves 116.00700 fqt=1 with the date part of each Date, 3-dp prices and the source volume", async () => {
    const data = await klineData({ secid: "116.00700", fqt: "1", beg: "0", end: "20500000" });
    expect(data).toMatchObject({ code: "00700", market: 116, name: "腾讯控股", decimal: 3, dktotal: 1363 });
    expect(adjusted).toHaveLength(1363);
    expect(data.klines).toHaveLength(1363);
    data.klines.forEach((line, n) => {
      const f = line.split(",");
      const [date, open, high, low, close, volume] = adjusted[n]!;
      expect(date).toBe(`${f[0]} 00:00:00+08:00`);
      expect([f[1], f[2], f[3], f[4], f[5]]).toEqual([p3(open!), p3(close!), p3(high!), p3(low!), volume]);
    });
    expect(data.klines[0]).toBe("2020-01-02,334.417,340.290,342.426,334.239,15176989,-,-,-,-,-");
    expect(data.klines.at(-1)).toBe("2025-07-18,525.000,519.000,525.000,516.500,13781213,-,1.64,0.39,2.000,-");
  });

  it("is dividend-adjusted: below the unadjusted close before the last ex-date, and lmt / preKPrice work", async () => {
    const qfq = await bar("116.00700", "1", "2022-09-16");
    const raw = await bar("116.00700", "0", "2022-09-16");
    expect(Number(qfq[2])).toBeLessThan(Number(raw[2]));
    expect(raw[2]).toBe("293.200");
    const last = await klineData({ secid: "116.00700", fqt: "1", end: "20250718", lmt: "3" });
    expect(last.klines.map((k) => k.slice(0, 10))).toEqual(["2025-07-16", "2025-07-17", "2025-07-18"]);
    expect(last.preKPrice).toBe(Number(p3(adjusted.at(-4)![4]!)));
    expect(last.dktotal).toBe(1363);
  });
});

describe("Hong Kong: data:null cases, request handling, faults and suspensions", () => {
  it("answers data:null for unknown HK codes, hfq, missing fqt=1 datasets and wrong markets", async () => {
    for (const params of [
      { secid: "116.00005", fqt: "0" }, // in the shared data, not in the fixtures
      { secid: "116.99999", fqt: "0" },
      { secid: "116.700", fqt: "0" }, // not zero-padded
      { secid: "116.00700", fqt: "2" }, // hfq
      { secid: "116.09988", fqt: "1" }, // no adjusted 9988 fixture
      { secid: "0.00700", fqt: "0" },
      { secid: "1.00700", fqt: "0" },
    ]) {
      expect((await kline({ ...params, beg: "0", end: "20500000" })).data).toBeNull();
    }
  });

  it("lmt without beg (as stock_hk_hist sends) caps to the last N bars", async () => {
    const data = await klineData({ secid: "116.00700", fqt: "0", end: "20500000", lmt: "1000000" });
    expect(data.klines).toHaveLength(4514);
    const five = await klineData({ secid: "116.00700", fqt: "0", end: "20220919", lmt: "5" });
    expect(five.klines.map((k) => k.slice(0, 10))).toEqual(raw0700.slice(-5).map((r) => r.date));
    expect(five.preKPrice).toBe(Number(p3(raw0700.at(-6)!.close)));
  });

  it("suspend, faults scoped to an HK secid, latency and the request log work for HK", async () => {
    replay.suspend("116.00700", "2016-08-01", "2016-08-02");
    const suspended = await klineData({ secid: "116.00700", fqt: "0", beg: "20160729", end: "20160803" });
    expect(suspended.klines.map((k) => k.slice(0, 10))).toEqual(["2016-07-29", "2016-08-03"]);
    expect(suspended.dktotal).toBe(4512);
    const after = await klineData({ secid: "116.00700", fqt: "0", beg: "20160801", end: "20160803" });
    expect(after.preKPrice).toBe(186.5); // 2016-07-29 close
    expect((await klineData({ secid: "116.09988", fqt: "0", beg: "0", end: "20500000" })).dktotal).toBe(694);

    replay.injectFault({ kind: "data-null", secid: "116.00700", times: 1 });
    expect((await kline({ secid: "116.09988", fqt: "0", beg: "20220919", end: "20220919" })).data).not.toBeNull();
    expect((await kline({ secid: "116.00700", fqt: "0", beg: "20220919", end: "20220919" })).data).toBeNull();
    expect((await kline({ secid: "116.00700", fqt: "0", beg: "20220919", end: "20220919" })).data).not.toBeNull();

    replay.injectFault({ kind: "bad-row", secid: "116.00700", times: 1 });
    const bad = await klineData({ secid: "116.00700", fqt: "0", beg: "20220915", end: "20220919" });
    expect(bad.klines.map((k) => k.split(",").length)).toEqual([11, 11, 7]);

    replay.injectFault({ kind: "http500", secid: "116.00700", times: 1 });
    const failed = await fetch(`${replay.eastmoneyHistoryUrl}?secid=116.00700&fqt=0&klt=101&end=20500000&lmt=1`);
    expect(failed.status).toBe(500);
    await failed.text();

    replay.setLatency(100);
    const before = replay.requestCount();
    const latest = () => klineData({ secid: "116.00700", fqt: "1", end: "20500000", lmt: "1" });
    await answeredAfter(100, () => replay.requestCount() > before, latest);

    expect(replay.requestCount({ secid: "116.00700" })).toBe(7);
    expect(replay.requestCount({ secid: "116.00700", fqt: "1" })).toBe(1);
  });
});

describe("OHLCV conversion", () => {
  it("skips rows Yahoo marks null, keeps the previous served close for the next row, and rejects other garbage", () => {
    const text = [
      "Date,High,Low,Open,Close,Volume,Adj Close",
      "2020-01-02,10.5,9.5,10.0,10.0,1000,9.9",
      "2020-01-03,null,null,null,null,null,null",
      "2020-01-06,11.0,10.0,10.2,10.5,1234,10.4",
    ].join("\n");
    const snapshot = ohlcvSnapshot("synthetic.csv", text, HK_YAHOO_RAW);
    expect(snapshot.skipped).toEqual(["2020-01-03"]);
    expect(snapshot.bars.map((b) => b.kline)).toEqual([
      "2020-01-02,10.000,10.000,10.500,9.500,1000,-,-,-,-,-",
      "2020-01-06,10.200,10.500,11.000,10.000,1234,-,10.00,5.00,0.500,-",
    ]);
    expect(() => ohlcvSnapshot("synthetic.csv", text.replace("1234", "12x4"), HK_YAHOO_RAW)).toThrow(/bad volume/);
    expect(() => ohlcvSnapshot("synthetic.csv", text.replace("Adj Close", "Adj"), HK_YAHOO_RAW)).toThrow(/column 6/);
  });
});
