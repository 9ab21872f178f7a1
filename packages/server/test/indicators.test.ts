/**
 * `GET /api/v1/indicators/{symbol}` through the replay on PGlite and PostgreSQL: the warm-up bars come
 * through the cache (a repeat makes no upstream call), the answer's rows are the history's bars from
 * start_date on, and each column equals the core formula computed over the history endpoint's own
 * bars (the formulas themselves are checked against independent implementations in core).
 */
import { computeIndicators, parseIndicators } from "@quantdb/core/indicators";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { systemSuite } from "./harness.ts";

const INDICATORS = "/api/v1/indicators";

describe.each(testDrivers())("GET /api/v1/indicators/{symbol} on %s", (driver) => {
  const system = systemSuite(driver);

  it("computes 600519 qfq indicators after 15 × 26 = 390 warm-up sessions; a repeat is a hit", async () => {
    const api = await system.api();
    const list = "ma:5,macd,kdj,rsi:6,boll,atr,obv";
    const path = `${INDICATORS}/600519?indicators=${list}&start_date=2024-03-01&end_date=2024-05-20`;
    const answer = await api.get(path);
    expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
    expect(answer.body).toMatchObject({ symbol: "600519", market: "SH", adjust: "qfq", period: "daily" });
    expect(answer.body.indicators).toEqual([
      "ma5",
      "macd_dif",
      "macd_dea",
      "macd",
      "kdj_k",
      "kdj_d",
      "kdj_j",
      "rsi6",
      "boll_mid",
      "boll_upper",
      "boll_lower",
      "atr14",
      "obv",
    ]);
    // max(250, 15 × the longest period): macd's 26
    expect(answer.body.metadata).toMatchObject({ convention: "tdx", warmup_sessions: 390 });

    // the same bars from the history endpoint, warm-up included, and the formulas over them
    const warmed = await api.get(
      `/api/v1/historical/stock/600519?adjust=qfq&start_date=2022-01-01&end_date=2024-05-20`,
    );
    const bars = warmed.body.data as { date: string; close: number }[];
    const first = bars.findIndex((b) => b.date >= "2024-03-01");
    const used = bars.slice(first - 390);
    const expected = computeIndicators(used as never, parseIndicators("ma:5,macd,kdj,rsi:6,boll,atr,obv"), 390);
    expect(answer.body.data.map((r: { date: string }) => r.date)).toEqual(bars.slice(first).map((b) => b.date));
    for (const column of answer.body.indicators as string[]) {
      expect(
        answer.body.data.map((r: Record<string, number | null>) => r[column]),
        column,
      ).toEqual(expected[column]!.slice(390));
    }
    expect(answer.body.data[0].obv).toBe(0);

    const before = system.replay.requestCount();
    const repeat = await api.get(path);
    expect(repeat.body.data).toEqual(answer.body.data);
    expect(system.replay.requestCount()).toBe(before);
    const csv = await api.get(`${path}&format=csv`);
    expect((csv.body as string).split("\n")[0]).toBe(
      "date,open,high,low,close,volume,provisional,ma5,macd_dif,macd_dea,macd,kdj_k,kdj_d,kdj_j,rsi6,boll_mid," +
        "boll_upper,boll_lower,atr14,obv",
    );
  });

  it("serves a crypto pair's indicators and refuses a bad indicator list with a 400 naming the forms", async () => {
    const api = await system.api();
    const crypto = await api.get(
      `${INDICATORS}/binance:BTC-USDT?indicators=ema:20,rsi&start_date=2026-01-01&end_date=2026-01-31`,
    );
    expect(crypto.status).toBe(200);
    expect(crypto.body).toMatchObject({ symbol: "BTC/USDT", exchange: "binance", market: "CRYPTO", period: "1d" });
    expect(crypto.body.data).toHaveLength(31);
    expect(crypto.body.metadata.warmup_sessions).toBe(300); // 15 × ema's 20
    const bad = await api.get(`${INDICATORS}/600519?indicators=ma:5,ma:10`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_ERROR");
    const unknown = await api.get(`${INDICATORS}/600519?indicators=foo`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/macd/);
  });
});
