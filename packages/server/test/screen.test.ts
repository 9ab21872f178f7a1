/**
 * `POST /api/v1/screen` through the replay on PGlite and PostgreSQL: the replay's CSI 300 (the recorded
 * 2026-07 constituents) screened at 2024-05-22, where the replay holds qfq bars for 4 members; every
 * value and score is checked against a plain re-computation over the history endpoint's own bars; the
 * other members are listed in `missing` with the reason; repeated screens make no upstream call.
 */
import { ManualClock } from "@quantdb/core/clock";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { type Api, systemSuite } from "./harness.ts";

type Row = { symbol: string; name: string | null; score: number | null; date: string; values: Record<string, number> };

function post(api: Api, body: unknown) {
  return api.get("/api/v1/screen", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Percentile rank by definition: rank = 1 + (values worse) + (ties − 1)/2; (rank − 1)/(n − 1). */
function percentile(values: number[], i: number, order: "asc" | "desc"): number {
  const better = (a: number, b: number) => (order === "desc" ? a > b : a < b);
  const worse = values.filter((v) => better(values[i]!, v)).length;
  const ties = values.filter((v) => v === values[i]).length;
  return values.length === 1 ? 1 : (worse + (ties - 1) / 2) / (values.length - 1);
}

describe.each(testDrivers())("POST /api/v1/screen on %s", (driver) => {
  const system = systemSuite(driver);

  it("ranks the replay's CSI 300 at 2024-05-22, explains every missing member, repeats from the cache", async () => {
    const api = await system.api();
    const request = {
      universe: "000300",
      as_of: "2024-05-22",
      filters: [{ field: "close", op: ">", value: 0 }],
      rank_by: [
        { field: "pct_change_20", order: "desc" },
        { field: "volatility_20", order: "asc", weight: 0.5 },
      ],
      limit: 300,
    };
    const first = await post(api, request);
    expect(first.status, JSON.stringify(first.body).slice(0, 400)).toBe(200);
    const { body } = first;
    expect(body).toMatchObject({ as_of: "2024-05-22", universe: "000300", adjust: "qfq" });
    expect(body.metadata.universe_size).toBe(300);
    expect(body.metadata.membership).toMatch(/constituents as Eastmoney lists them today.*survivorship/);
    const results = body.results as Row[];
    // the members the replay holds qfq bars for (packages/replay/fixtures/README.md)
    expect(results.map((r) => r.symbol).sort()).toEqual(["000001", "300750", "600519", "688981"]);
    expect(body.metadata).toMatchObject({ evaluated: 4, matched: 4 });
    expect(body.count).toBe(4);
    // every other constituent is missing, with the reason
    expect(body.metadata.missing).toHaveLength(296);
    for (const m of body.metadata.missing as { symbol: string; reason: string }[])
      expect(m.reason, m.symbol).toMatch(/^no bars from upstream for \d{4}-\d{2}-\d{2}\.\.2024-05-22/);
    expect(body.metadata.upstream_requests).toBeGreaterThanOrEqual(300 + 3); // one kline call each, 3 list pages
    expect(body.metadata.cache.hit).toBe(false);

    // Each value from the history endpoint's bars, each score from the percentile ranks by definition.
    for (const row of results) {
      const history = await api.get(
        `/api/v1/historical/stock/${row.symbol}?adjust=qfq&start_date=2024-01-01&end_date=2024-05-22`,
      );
      const closes = (history.body.data as { close: number }[]).map((b) => b.close);
      const t = closes.length - 1;
      expect(row.date).toBe("2024-05-22");
      expect(row.values.close).toBe(closes[t]);
      expect(row.values.pct_change_20).toBeCloseTo((closes[t]! / closes[t - 20]! - 1) * 100, 9);
      const returns = closes.slice(t - 19).map((c, i) => c / closes[t - 20 + i]! - 1);
      const mean = returns.reduce((a, b) => a + b) / 20;
      const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / 19);
      expect(row.values.volatility_20).toBeCloseTo(sd * Math.sqrt(242) * 100, 9);
    }
    const momentum = results.map((r) => r.values.pct_change_20!);
    const volatility = results.map((r) => r.values.volatility_20!);
    results.forEach((row, i) => {
      const expected = (percentile(momentum, i, "desc") + 0.5 * percentile(volatility, i, "asc")) / 1.5;
      expect(row.score).toBeCloseTo(expected, 12);
    });
    const scores = results.map((r) => r.score!);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(results.find((r) => r.symbol === "600519")?.name).toBe("贵州茅台");

    // The members without bars answered empty once: the next screen asks again to confirm (the cache never
    // remembers a first empty answer); after that, an identical screen makes no upstream call.
    await post(api, request);
    const before = system.replay.requestCount();
    const third = await post(api, request);
    expect(system.replay.requestCount()).toBe(before);
    expect(third.body.metadata).toMatchObject({ upstream_requests: 0, cache: { hit: true, symbols_fetched: 0 } });
    expect(third.body.results).toEqual(results);

    const top = await post(api, { ...request, limit: 3 });
    expect(top.body.count).toBe(3);
    expect(top.body.results).toEqual(results.slice(0, 3));
    // Four screens of 300 members (over 900 upstream calls and their writes): ~8 s alone on PGlite, over 30 s
    // while the whole suite shares 2 CPUs with the other packages' (seen in CI); a bound, not a speed check.
  }, 120_000);

  it("screens held instruments by indicator fields; a second identical screen makes no upstream call", async () => {
    const api = await system.api();
    const request = {
      universe: { symbols: ["600519", "000001", "688981.SH", "300750.SZ", "bj430047"] },
      as_of: "2024-05-22",
      filters: [
        { field: "rsi6", op: "between", value: [0, 100] },
        { field: "ma20", op: ">", value: 10 },
      ],
      rank_by: [{ field: "macd" }],
    };
    const first = await post(api, request);
    expect(first.status, JSON.stringify(first.body).slice(0, 400)).toBe(200);
    expect(first.body.metadata).toMatchObject({ universe_size: 5, evaluated: 5, missing: [] });
    const rows = first.body.results as Row[];
    for (const row of rows) {
      expect(Object.keys(row.values).sort()).toEqual(["close", "ma20", "macd", "rsi6"]);
      // the same columns as /indicators computes for that day
      const ind = await api.get(
        `/api/v1/indicators/${row.symbol}?indicators=ma:20,macd,rsi:6&start_date=2024-05-22&end_date=2024-05-22`,
      );
      expect(row.values.ma20).toBeCloseTo(ind.body.data[0].ma20, 9);
      expect(row.values.rsi6).toBeCloseTo(ind.body.data[0].rsi6, 6);
      expect(row.values.macd).toBeCloseTo(ind.body.data[0].macd, 6);
    }
    expect(first.body.results.filter((r: Row) => r.values.ma20! > 10)).toHaveLength(first.body.metadata.matched);
    const before = system.replay.requestCount();
    const second = await post(api, request);
    expect(system.replay.requestCount()).toBe(before);
    expect(second.body.metadata.upstream_requests).toBe(0);
    expect(second.body.results).toEqual(rows);
  });

  it("reads market caps from the day's stock list, lists a failing symbol as missing, screens crypto", async () => {
    // The unadjusted recordings end 2026-08-11: a day after it, that day is the last final session.
    const api = await system.api({ clock: new ManualClock("2026-08-11T12:00:00Z") });
    system.replay.injectFault({ kind: "http500", secid: "0.300750" });
    const stocks = await post(api, {
      universe: { symbols: ["600519", "000001", "300750"] },
      adjust: "",
      filters: [{ field: "market_cap", op: ">=", value: 1e11 }],
      rank_by: [{ field: "market_cap", order: "desc" }],
    });
    expect(stocks.status, JSON.stringify(stocks.body).slice(0, 400)).toBe(200);
    expect(stocks.body.as_of).toBe("2026-08-11");
    expect(stocks.body.metadata.missing).toEqual([{ symbol: "300750", reason: expect.stringMatching(/^UPSTREAM_/) }]);
    expect(stocks.body.metadata.snapshots).toEqual([
      { market: "SH", date: "2026-08-11", fetched_at: expect.any(String) },
      { market: "SZ", date: "2026-08-11", fetched_at: expect.any(String) },
    ]);
    // the replay's list: market caps of 2024-06 (tszlam/trading stock_list.csv), whole yuan
    expect((stocks.body.results as Row[]).map((r) => [r.symbol, r.values.market_cap, r.score])).toEqual([
      ["600519", expect.any(Number), 1],
      ["000001", 195611655436, 0],
    ]);
    expect((stocks.body.results as Row[]).every((r) => r.date === "2026-08-11")).toBe(true);

    const crypto = await post(api, {
      universe: { symbols: ["binance:BTC/USDT", "binance:ETH-USDT"] },
      as_of: "2026-07-20",
      rank_by: [{ field: "volatility_30", order: "asc" }],
    });
    expect(crypto.status, JSON.stringify(crypto.body).slice(0, 400)).toBe(200);
    const pairs = crypto.body.results as Row[];
    expect(pairs.map((r) => r.symbol).sort()).toEqual(["binance:BTC/USDT", "binance:ETH/USDT"]);
    const bars = await api.get("/api/v1/historical/crypto/binance/BTC-USDT?start_date=2026-06-01&end_date=2026-07-20");
    const closes = (bars.body.data as { close: number }[]).map((b) => b.close);
    const t = closes.length - 1;
    const returns = closes.slice(t - 29).map((c, i) => c / closes[t - 30 + i]! - 1);
    const mean = returns.reduce((a, b) => a + b) / 30;
    const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / 29);
    const btc = pairs.find((r) => r.symbol === "binance:BTC/USDT")!;
    expect(btc.values.volatility_30).toBeCloseTo(sd * Math.sqrt(365) * 100, 9);

    // an exchange's pairs by quote: the top 3 by 24 h quote volume (the replay's tickers rank BTC and ETH first)
    const top = await post(api, {
      universe: "crypto:binance:USDT",
      top: 3,
      as_of: "2026-07-20",
      rank_by: [{ field: "pct_change_7" }],
    });
    expect(top.status, JSON.stringify(top.body).slice(0, 400)).toBe(200);
    expect(top.body.adjust).toBe("");
    expect(top.body.metadata.universe_size).toBe(3);
    expect(top.body.metadata.membership).toMatch(/top 3 active spot pairs by 24 h quote volume/);
    expect((top.body.results as Row[]).map((r) => r.symbol).sort()).toEqual(["binance:BTC/USDT", "binance:ETH/USDT"]);
    expect(top.body.metadata.missing).toEqual([
      { symbol: expect.stringMatching(/^binance:/), reason: expect.any(String) },
    ]);
  });

  it("refuses bad screens with a 400 naming the problem", async () => {
    const api = await system.api();
    const cases: [unknown, RegExp][] = [
      [{ universe: "000999" }, /universe "000999" is not one of/],
      [{ universe: "000300", rank_by: [{ field: "price" }] }, /field "price": unknown field/],
      [{ universe: "000300", filters: [{ field: "close", op: "between", value: [3, 1] }] }, /between takes/],
      [{ universe: "000300", as_of: "2027-01-04" }, /in the future/],
      [{ universe: "000300", rank_by: [{ field: "close", weight: 0 }] }, /weight must be/],
      [{ universe: { symbols: ["binance:BTC/USDT"] }, rank_by: [{ field: "market_cap" }] }, /stocks only/],
      [{ universe: { symbols: ["6005199"] } }, /6005199/],
      [{ universe: "000300", filters: [{ field: "close", op: "!=", value: 1 }] }, /op/],
    ];
    for (const [request, message] of cases) {
      const answer = await post(api, request);
      expect(answer.status, JSON.stringify(request)).toBe(400);
      expect(answer.body.error.message, JSON.stringify(request)).toMatch(message);
    }
    expect(system.replay.requestCount()).toBe(0);
  });
});
