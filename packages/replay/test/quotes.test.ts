import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startReplay } from "../src/index.ts";
import type { ReplayServer } from "../src/index.ts";
import { MOVING_QUOTE_BARS } from "../src/quotes.ts";
import { answeredAfter } from "./fake-delay.ts";

// Expected values are computed here straight from the fixture files (never from the shared data folder).
function fixture(rel: string): string {
  const bytes = readFileSync(new URL(`../fixtures/${rel}`, import.meta.url));
  const text = (rel.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
function lastRows(rel: string): [string[], string[]] {
  const lines = fixture(rel)
    .split(/\r?\n/)
    .filter((line) => line !== "");
  return [lines.at(-2)!.split(","), lines.at(-1)!.split(",")];
}
/** The last `count` data rows of a CSV fixture, split into cells. */
function tailRows(rel: string, count: number): string[][] {
  const lines = fixture(rel)
    .split(/\r?\n/)
    .filter((line) => line !== "");
  return lines.slice(-count).map((line) => line.split(","));
}
const round = (value: number, decimals: number) => Number(value.toFixed(decimals));
const names = JSON.parse(fixture("names.json")) as Record<string, string>;

const ULIST = "/api/qt/ulist.np/get";
const FIELDS = "f2,f3,f4,f5,f6,f8,f12,f13,f14,f15,f16,f17,f18,f124";

let replay: ReplayServer;

async function ulist(
  params: Record<string, string>,
): Promise<{ rc: number; data: { total: number; diff: unknown } | null }> {
  const res = await fetch(
    `${replay.url}${ULIST}?${new URLSearchParams({ fltt: "2", invt: "2", fields: FIELDS, ...params }).toString()}`,
  );
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return (await res.json()) as { rc: number; data: { total: number; diff: unknown } | null };
}
async function rows(params: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const body = await ulist(params);
  expect(body.rc).toBe(0);
  expect(Array.isArray(body.data?.diff)).toBe(true);
  return body.data!.diff as Array<Record<string, unknown>>;
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

describe("ulist.np quotes from the last recorded bar", () => {
  it("quotes 600519 from its last unadjusted bar: CNY 2 dp, lots, change vs prior bar, 15:00 Shanghai", async () => {
    // raw/600519.csv: 日期,开盘,最高,最低,收盘,成交量 (shares)
    const [before, last] = lastRows("raw/600519.csv");
    const close = round(Number(last[4]), 2);
    const prev = round(Number(before[4]), 2);
    const [row] = await rows({ secids: "1.600519" });
    expect(row).toEqual({
      f2: close,
      f3: round(((close - prev) / prev) * 100, 2),
      f4: round(close - prev, 2),
      f5: Math.round(Number(last[5]) / 100),
      f6: "-",
      f8: "-",
      f12: "600519",
      f13: 1,
      f14: names["600519"],
      f15: round(Number(last[2]), 2),
      f16: round(Number(last[3]), 2),
      f17: round(Number(last[1]), 2),
      f18: prev,
      f124: Date.parse(`${last[0]}T07:00:00Z`) / 1000,
    });
  });

  it("quotes qfq-only 430047 with recorded amount and turnover; HK 00700 in HKD, volume in shares, 16:00", async () => {
    // qfq CSV: 日期,开盘,收盘,最高,最低,成交量,成交额,振幅,涨跌幅,涨跌额,换手率
    const [bBefore, bLast] = lastRows("qfq/430047.csv");
    // hk_yahoo_raw: Date,High,Low,Open,Close,Volume,Adj Close
    const [hBefore, hLast] = lastRows("hk_yahoo_raw/0700.HK.csv.gz");
    const [bj, hk] = await rows({ secids: "0.430047,116.00700" });
    expect(bj).toMatchObject({
      f2: Number(bLast[2]),
      f17: Number(bLast[1]),
      f15: Number(bLast[3]),
      f16: Number(bLast[4]),
      f5: Number(bLast[5]),
      f6: Number(bLast[6]),
      f8: Number(bLast[10]),
      f18: Number(bBefore[2]),
      f12: "430047",
      f13: 0,
      f14: names["430047"],
      f124: Date.parse(`${bLast[0]}T07:00:00Z`) / 1000,
    });
    const close = round(Number(hLast[4]), 3);
    const prev = round(Number(hBefore[4]), 3);
    expect(hk).toMatchObject({
      f2: close,
      f18: prev,
      f4: round(close - prev, 3),
      f5: Number(hLast[5]),
      f6: "-",
      f8: "-",
      f12: "00700",
      f13: 116,
      f14: names["00700"],
      f124: Date.parse(`${hLast[0]}T08:00:00Z`) / 1000,
    });
  });

  it("omits unknown secids, answers data:null when it knows none, and sends only the requested fields", async () => {
    expect((await rows({ secids: "1.600519,0.999999,116.00700,1.600000" })).map((r) => `${r.f13}.${r.f12}`)).toEqual([
      "1.600519",
      "116.00700",
    ]);
    expect((await ulist({ secids: "0.999999" })).data).toBeNull();
    expect((await ulist({ secids: "" })).data).toBeNull();
    expect(await rows({ secids: "0.000001", fields: "f12,f14,f2" })).toEqual([
      { f2: expect.any(Number), f12: "000001", f14: names["000001"] },
    ]);
  });

  it('sends diff as an object keyed "0","1" when np is not 1, and JSONP when cb is given', async () => {
    const asArray = await rows({ secids: "1.600519,116.00700" });
    const body = await ulist({ secids: "1.600519,116.00700", np: "2" });
    expect(body.data!.diff).toEqual({ "0": asArray[0], "1": asArray[1] });
    const res = await fetch(`${replay.url}${ULIST}?secids=1.600519&cb=jQuery1`);
    expect(await res.text()).toMatch(/^jQuery1\(\{"rc":0,.*\}\);$/);
  });

  it("logs quote requests with their path so they can be counted apart from kline requests", async () => {
    await rows({ secids: "1.600519" });
    await fetch(`${replay.eastmoneyHistoryUrl}?secid=1.600519&klt=101&fqt=1&beg=20240102&end=20240105`).then((r) =>
      r.text(),
    );
    await rows({ secids: "116.00700" });
    expect(replay.requestCount()).toBe(3);
    expect(replay.requestCount({ path: ULIST })).toBe(2);
    expect(replay.requestCount({ path: "/api/qt/stock/kline/get" })).toBe(1);
    expect(replay.requests.filter((r) => r.path === ULIST).map((r) => r.query.secids)).toEqual([
      "1.600519",
      "116.00700",
    ]);
    const control = (await (
      await fetch(`${replay.url}/__replay/requests?path=${encodeURIComponent(ULIST)}`)
    ).json()) as { count: number };
    expect(control.count).toBe(2);
    expect((await fetch(`${replay.url}${ULIST}`, { method: "POST" })).status).toBe(405);
  });
});

describe("ulist.np faults", () => {
  const url = () => `${replay.url}${ULIST}?fltt=2&fields=${FIELDS}&secids=1.600519,116.00700`;

  it("reset and http500 apply to quote requests; a secid-scoped fault only to lists naming that secid", async () => {
    replay.injectFault({ kind: "reset", times: 1 });
    await expect(fetch(url())).rejects.toThrow();
    replay.injectFault({ kind: "http500", times: 1, secid: "116.00700" });
    const other = await fetch(`${replay.url}${ULIST}?secids=1.600519`);
    expect(other.status).toBe(200);
    await other.text();
    const hit = await fetch(url());
    expect(hit.status).toBe(500);
    await hit.text();
    expect((await fetch(url())).status).toBe(200);
    expect(replay.requestCount({ path: ULIST })).toBe(4);
  });

  it("captcha, malformed, bad-row and data-null", async () => {
    replay.injectFault({ kind: "captcha", times: 1 });
    replay.injectFault({ kind: "malformed", times: 1 });
    replay.injectFault({ kind: "bad-row", times: 1 });
    replay.injectFault({ kind: "data-null", times: 1 });
    const captcha = await fetch(url());
    expect(captcha.headers.get("content-type")).toMatch(/^text\/html/);
    await captcha.text();
    const malformed = await (await fetch(url())).text();
    expect(() => JSON.parse(malformed)).toThrow();
    const bad = (await (await fetch(url())).json()) as { data: { diff: Array<{ f2: unknown }> } };
    expect(bad.data.diff.map((r) => typeof r.f2)).toEqual(["number", "string"]);
    expect(((await (await fetch(url())).json()) as { data: unknown }).data).toBeNull();
  });

  it("slow delays the answer by delayMs", async () => {
    replay.injectFault({ kind: "slow", delayMs: 300, times: 1 });
    const before = replay.requestCount();
    const res = await answeredAfter(
      300,
      () => replay.requestCount() > before,
      async () => {
        const answer = await fetch(url());
        await answer.text();
        return answer;
      },
    );
    expect(res.status).toBe(200);
  });
});

describe("moving quotes: recorded bars replayed in a loop", () => {
  // raw/600519.csv: 日期,开盘,最高,最低,收盘,成交量 (shares); the window is its last 60 rows, oldest first
  const rows600519 = tailRows("raw/600519.csv", MOVING_QUOTE_BARS + 1);
  const closes = rows600519.map((r) => round(Number(r[4]), 2));
  const quoteTime = (date: string) => Date.parse(`${date}T07:00:00Z`) / 1000;

  it("steps each secid through its last 60 closes, oldest first, and wraps; f18 the bar before", async () => {
    expect(MOVING_QUOTE_BARS).toBe(60);
    replay.setMovingQuotes(true);
    const served: Array<Record<string, unknown>> = [];
    for (let n = 0; n < MOVING_QUOTE_BARS + 2; n++) served.push((await rows({ secids: "1.600519" }))[0]!);
    // n-th answer = bar n mod 60 of the window; its previous close is the row before it in the fixture
    for (let n = 0; n < served.length; n++) {
      const i = n % MOVING_QUOTE_BARS;
      expect([n, served[n]!.f2, served[n]!.f18, served[n]!.f124]).toEqual([
        n,
        closes[i + 1],
        closes[i],
        quoteTime(rows600519[i + 1]![0]!),
      ]);
    }
    // the first answer, field by field, as the static quote derives them
    const [, oldest] = rows600519;
    const [close, prev] = [closes[1]!, closes[0]!];
    expect(served[0]).toEqual({
      f2: close,
      f3: round(((close - prev) / prev) * 100, 2),
      f4: round(close - prev, 2),
      f5: Math.round(Number(oldest![5]) / 100),
      f6: "-",
      f8: "-",
      f12: "600519",
      f13: 1,
      f14: names["600519"],
      f15: round(Number(oldest![2]), 2),
      f16: round(Number(oldest![3]), 2),
      f17: round(Number(oldest![1]), 2),
      f18: prev,
      f124: quoteTime(oldest![0]!),
    });
    // the 60th answer is the last recorded bar, i.e. the static quote
    replay.setMovingQuotes(false);
    expect(served[MOVING_QUOTE_BARS - 1]).toEqual((await rows({ secids: "1.600519" }))[0]);
  });

  it("keeps a cursor per secid: a secid first asked later starts at its own oldest bar", async () => {
    // hk_yahoo_raw: Date,High,Low,Open,Close,Volume,Adj Close
    const hk = tailRows("hk_yahoo_raw/0700.HK.csv.gz", MOVING_QUOTE_BARS);
    replay.setMovingQuotes(true);
    await rows({ secids: "1.600519" });
    await rows({ secids: "1.600519" });
    const [a, h] = await rows({ secids: "1.600519,116.00700" });
    expect(a!.f2).toBe(closes[3]);
    expect(h).toMatchObject({
      f12: "00700",
      f2: round(Number(hk[0]![4]), 3),
      f124: Date.parse(`${hk[0]![0]}T08:00:00Z`) / 1000,
    });
    const [h2] = await rows({ secids: "116.00700" });
    expect(h2!.f2).toBe(round(Number(hk[1]![4]), 3));
  });

  it("is off by default; reset() and setMovingQuotes(false) serve the static last bar again", async () => {
    const last = closes.at(-1);
    expect((await rows({ secids: "1.600519" }))[0]!.f2).toBe(last);
    expect((await rows({ secids: "1.600519" }))[0]!.f2).toBe(last);
    replay.setMovingQuotes(true);
    expect((await rows({ secids: "1.600519" }))[0]!.f2).toBe(closes[1]);
    replay.reset();
    expect((await rows({ secids: "1.600519" }))[0]!.f2).toBe(last);
    expect((await rows({ secids: "1.600519" }))[0]!.f2).toBe(last);
    // the control endpoint switches it too, restarting the cursors
    const on = await fetch(`${replay.url}/__replay/moving-quotes`, { method: "POST", body: '{"on":true}' });
    expect(on.status).toBe(200);
    await on.text();
    expect((await rows({ secids: "1.600519" }))[0]!.f2).toBe(closes[1]);
    replay.setMovingQuotes(false);
    expect((await rows({ secids: "1.600519" }))[0]!.f2).toBe(last);
    expect(() => replay.setMovingQuotes("yes" as unknown as boolean)).toThrow(/true or false/);
  });

  it("startReplay({ movingQuotes: true }) starts moving; a data-null fault does not advance the cursor", async () => {
    const moving = await startReplay({ movingQuotes: true });
    try {
      const get = async () => {
        const res = await fetch(`${moving.url}${ULIST}?fltt=2&fields=f2&secids=1.600519`);
        return ((await res.json()) as { data: { diff: Array<{ f2: number }> } | null }).data;
      };
      expect((await get())!.diff[0]!.f2).toBe(closes[1]);
      moving.injectFault({ kind: "data-null", times: 1 });
      expect(await get()).toBeNull();
      expect((await get())!.diff[0]!.f2).toBe(closes[2]);
      moving.reset();
      expect((await get())!.diff[0]!.f2).toBe(closes.at(-1));
    } finally {
      await moving.close();
    }
  });
});
