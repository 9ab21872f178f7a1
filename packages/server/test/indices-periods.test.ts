/**
 * History everywhere: indices as their own instrument kind, HK stocks with adjustment, and weekly /
 * monthly bars derived from cached daily bars. Through HTTP against the replay's real data.
 */
import { ManualClock } from "@quantdb/core/clock";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { systemSuite, type TestSystem } from "./harness.ts";

interface Kline {
  date: string;
  open: number;
  close: number;
  high: number;
  low: number;
  volume: number;
  amount: number | null;
  turnover_rate: number | null;
}

async function upstream(
  system: TestSystem,
  secid: string,
  fqt: string,
  beg: string,
  end: string,
  volumeMultiplier = 100,
): Promise<Kline[]> {
  const response = await fetch(
    `${system.replay.url}/api/qt/stock/kline/get?secid=${secid}&klt=101&fqt=${fqt}&beg=${beg}&end=${end}`,
  );
  const body = (await response.json()) as { data: { klines: string[] } | null };
  const num = (s: string) => (s === "-" ? null : Number(s));
  return (body.data?.klines ?? []).map((line) => {
    const f = line.split(",");
    return {
      date: f[0]!,
      open: Number(f[1]),
      close: Number(f[2]),
      high: Number(f[3]),
      low: Number(f[4]),
      volume: Math.round(Number(f[5]) * volumeMultiplier),
      amount: num(f[6]!),
      turnover_rate: num(f[10]!),
    };
  });
}

const ohlcv = (data: Kline[]) =>
  data.map(({ date, open, close, high, low, volume }) => ({ date, open, close, high, low, volume }));

describe.each(testDrivers())("indices, HK stocks and periods on %s", (driver) => {
  const system = systemSuite(driver);

  describe("indices", () => {
    it("serves CSI 300 from the index kline, volume in shares, levels in points, cached", async () => {
      const api = await system.api();
      const { status, body } = await api.get("/api/v1/index/historical/000300?start_date=20240102&end_date=20240329");
      expect(status).toBe(200);
      expect(body).toMatchObject({ symbol: "000300", market: "SH", name: "沪深300", adjust: "", period: "daily" });
      expect(body.metadata.units).toMatchObject({
        price: "points",
        change: "points",
        currency: "CNY",
        volume: "shares",
      });
      expect(system.replay.requests.map((r) => r.secid)).toEqual(["1.000300"]);
      const expected = await upstream(system, "1.000300", "0", "20240102", "20240329");
      expect(ohlcv(body.data)).toEqual(ohlcv(expected));
      const calls = system.replay.requestCount();
      const again = await api.get("/api/v1/index/historical/sh000300?start_date=20240201&end_date=20240329");
      expect(again.body.metadata.cache.hit).toBe(true);
      expect(system.replay.requestCount()).toBe(calls);
    });

    it("keeps the SSE Composite (index 000001) apart from Ping An Bank (stock 000001)", async () => {
      const api = await system.api();
      const index = await api.get("/api/v1/index/historical/000001?start_date=20240812&end_date=20240830");
      const stock = await api.get("/api/v1/historical/stock/000001?start_date=20240812&end_date=20240830");
      expect(index.body.name).toBe("上证指数");
      expect(stock.body.name).toBe("平安银行");
      expect(index.body.data[0].close).toBeGreaterThan(2000);
      expect(stock.body.data[0].close).toBeLessThan(20);
      expect(system.replay.requests.map((r) => r.secid)).toEqual(["1.000001", "0.000001"]);
      await api.get("/api/v1/index/historical/000001.SH?start_date=20240812&end_date=20240830");
      await api.get("/api/v1/historical/stock/000001.SZ?start_date=20240812&end_date=20240830");
      expect(system.replay.requestCount()).toBe(2);
      expect(await system.rows()).toMatchObject({ instruments: 2 });
    });

    it("reads HSI under its aliases on the HK calendar", async () => {
      const api = await system.api();
      const bodies = [];
      for (const alias of ["HSI", "^HSI", "hang seng", "HK.HSI", "Hang Seng Index"]) {
        const { status, body } = await api.get(
          `/api/v1/index/historical/${encodeURIComponent(alias)}?start_date=20220103&end_date=20220128`,
        );
        expect(status).toBe(200);
        expect(body).toMatchObject({
          symbol: "HSI",
          market: "HK",
          metadata: { units: { currency: "HKD", price: "points" } },
        });
        bodies.push(body.data);
      }
      for (const data of bodies) expect(data).toEqual(bodies[0]);
      expect(bodies[0]).toHaveLength(20);
      expect(system.replay.requests.map((r) => r.secid)).toEqual(["100.HSI"]);
    });

    it.each(["ABC", "123456", "600519"])("rejects %s as an index symbol with 400", async (symbol) => {
      const api = await system.api();
      const { status, body } = await api.get(`/api/v1/index/historical/${symbol}`);
      expect(status).toBe(400);
      expect(body.error.code).toBe("INVALID_SYMBOL");
      expect(body.error.message).toContain("HSI");
    });
  });

  describe("HK stocks", () => {
    it("passes adjust through: Tencent unadjusted and adjusted fetched, stored apart, volume in shares", async () => {
      const api = await system.api();
      const raw = await api.get("/api/v1/historical/stock/00700?start_date=20210301&end_date=20210331");
      const qfq = await api.get("/api/v1/historical/stock/0700.HK?start_date=20210301&end_date=20210331&adjust=qfq");
      expect(raw.status).toBe(200);
      expect(qfq.status).toBe(200);
      expect(system.replay.requests.map((r) => [r.secid, r.fqt])).toEqual([
        ["116.00700", "0"],
        ["116.00700", "1"],
      ]);
      expect(ohlcv(raw.body.data)).toEqual(ohlcv(await upstream(system, "116.00700", "0", "20210301", "20210331", 1)));
      expect(ohlcv(qfq.body.data)).toEqual(ohlcv(await upstream(system, "116.00700", "1", "20210301", "20210331", 1)));
      expect(qfq.body.data[0].close).toBeLessThan(raw.body.data[0].close);
      expect(raw.body.metadata.units).toMatchObject({ currency: "HKD", price: "HKD", volume: "shares" });
    });
  });

  describe("weekly and monthly bars", () => {
    function aggregate(daily: Kline[], key: (date: string) => string) {
      const groups = new Map<string, Kline[]>();
      for (const bar of daily) groups.set(key(bar.date), [...(groups.get(key(bar.date)) ?? []), bar]);
      return [...groups.values()].map((bars) => ({
        date: bars.at(-1)!.date,
        open: bars[0]!.open,
        close: bars.at(-1)!.close,
        high: Math.max(...bars.map((b) => b.high)),
        low: Math.min(...bars.map((b) => b.low)),
        volume: bars.reduce((t, b) => t + b.volume, 0),
      }));
    }
    const isoWeek = (date: string) => {
      const d = new Date(`${date}T00:00:00Z`);
      const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000);
      return monday.toISOString().slice(0, 10);
    };

    it("derives weekly and monthly bars from the cached daily bars, with one upstream call in all", async () => {
      const api = await system.api();
      const weekly = await api.get(
        "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240329&adjust=qfq&period=weekly",
      );
      expect(weekly.status).toBe(200);
      expect(weekly.body.period).toBe("weekly");
      const daily = await upstream(system, "1.600519", "1", "20240101", "20240331");
      expect(ohlcv(weekly.body.data)).toEqual(aggregate(daily, isoWeek));
      // the short week before Spring Festival ends on Thursday 2024-02-08; the next bar is 2024-02-23
      expect(weekly.body.data.map((b: { date: string }) => b.date)).toContain("2024-02-08");
      expect(weekly.body.data.map((b: { date: string }) => b.date)).not.toContain("2024-02-16");
      const second = weekly.body.data[1];
      expect(second.change).toBeCloseTo(second.close - weekly.body.data[0].close, 2);

      const monthly = await api.get(
        "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240329&adjust=qfq&period=monthly",
      );
      expect(ohlcv(monthly.body.data)).toEqual(aggregate(daily, (d) => d.slice(0, 7)));
      expect(monthly.body.data.map((b: { date: string }) => b.date)).toEqual([
        "2024-01-31",
        "2024-02-29",
        "2024-03-29",
      ]);
      expect(monthly.body.metadata.cache.hit).toBe(true);
      // QuantDB made one call, for the sessions of the periods touched (2024-01-02..2024-03-29);
      // the other request is the test's own look at the replay
      expect(system.replay.requests.map((r) => [r.beg, r.end])).toEqual([
        ["20240102", "20240329"],
        ["20240101", "20240331"],
      ]);
    });

    it("marks the current week and month partial, cut at today, and holds no session after end_date", async () => {
      const api = await system.api({ clock: new ManualClock("2026-08-11T12:00:00Z") }); // Tue 20:00 in Shanghai
      const weekly = await api.get(
        "/api/v1/historical/stock/600519?start_date=20260720&end_date=20260811&period=weekly",
      );
      expect(
        weekly.body.data.map((b: { date: string; provisional: boolean; partial: boolean }) => [
          b.date,
          b.provisional,
          b.partial,
        ]),
      ).toEqual([
        ["2026-07-24", false, false],
        ["2026-07-31", false, false],
        ["2026-08-07", false, false],
        ["2026-08-11", false, true], // Mon–Tue of the current week; today's bar is final (after 15:30)
      ]);
      const monthly = await api.get(
        "/api/v1/index/historical/000001?start_date=20260601&end_date=20260616&period=monthly",
      );
      expect(
        monthly.body.data.map((b: { date: string; provisional: boolean; partial: boolean }) => [
          b.date,
          b.provisional,
          b.partial,
        ]),
      ).toEqual([["2026-06-16", false, true]]);
    });

    it("builds a week or month cut short by end_date from sessions up to end_date only (no look-ahead)", async () => {
      const api = await system.api();
      // end_date 2023-01-10 is a Tuesday: the week's bar holds Monday and Tuesday, dated Tuesday
      const weekly = await api.get(
        "/api/v1/historical/stock/600519?start_date=20221226&end_date=20230110&adjust=qfq&period=weekly",
      );
      expect(weekly.status).toBe(200);
      const daily = await upstream(system, "1.600519", "1", "20221226", "20230110");
      expect(ohlcv(weekly.body.data)).toEqual(aggregate(daily, isoWeek));
      expect(weekly.body.data.map((b: { date: string; partial: boolean }) => [b.date, b.partial])).toEqual([
        ["2022-12-30", false],
        ["2023-01-06", false],
        ["2023-01-10", true],
      ]);
      expect(weekly.body.data.at(-1).close).toBe(daily.at(-1)!.close);
      // nothing after end_date was asked of upstream (the second request is the test's own look)
      expect(system.replay.requests.map((r) => [r.beg, r.end])).toEqual([
        ["20221226", "20230110"],
        ["20221226", "20230110"],
      ]);

      // a month begun at start_date and one cut short by end_date are both partial
      const monthly = await api.get(
        "/api/v1/historical/stock/600519?start_date=20221215&end_date=20230110&adjust=qfq&period=monthly",
      );
      const days = await upstream(system, "1.600519", "1", "20221215", "20230110");
      expect(ohlcv(monthly.body.data)).toEqual(aggregate(days, (d) => d.slice(0, 7)));
      expect(monthly.body.data.map((b: { date: string; partial: boolean }) => [b.date, b.partial])).toEqual([
        ["2022-12-30", true],
        ["2023-01-10", true],
      ]);
      for (const r of system.replay.requests) expect(r.end! <= "20230110").toBe(true);

      // the flag reaches the column and CSV formats
      const columns = await api.get(
        "/api/v1/historical/stock/600519?start_date=20221226&end_date=20230110&adjust=qfq&period=weekly&format=columns",
      );
      expect(columns.body.columns.partial).toEqual([false, false, true]);
      const csv = await api.get(
        "/api/v1/historical/stock/600519?start_date=20221226&end_date=20230110&adjust=qfq&period=weekly&format=csv",
      );
      const lines = String(csv.body).trim().split("\n");
      expect(lines[0]!.split(",").at(-1)).toBe("partial");
      expect(lines.slice(1).map((line) => line.split(",").at(-1))).toEqual(["false", "false", "true"]);
    });

    it("keeps a whole week whose end_date falls on the weekend whole", async () => {
      const api = await system.api();
      const weekly = await api.get(
        "/api/v1/historical/stock/600519?start_date=20230102&end_date=20230108&adjust=qfq&period=weekly",
      );
      expect(weekly.body.data.map((b: { date: string; partial: boolean }) => [b.date, b.partial])).toEqual([
        ["2023-01-06", false],
      ]);
    });

    it("rejects an unknown period with 400", async () => {
      const api = await system.api();
      const { status, body } = await api.get("/api/v1/historical/stock/600519?period=hourly");
      expect(status).toBe(400);
      expect(body.error.code).toBe("INVALID_PERIOD");
    });
  });
});
