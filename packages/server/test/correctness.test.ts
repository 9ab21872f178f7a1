/**
 * Cache correctness (how a price cache lies, and how QuantDB does not): rebased qfq series,
 * provisional and re-verified bars, the calendar horizon, remembered empty spans, the quality gate.
 * Through HTTP against the replay upstream on real data, with an injected clock.
 */
import { ManualClock } from "@quantdb/core/clock";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it, vi } from "vitest";
import { systemSuite, type TestSystem } from "./harness.ts";

const HISTORY = "/api/v1/historical/stock";

async function upstreamCloses(system: TestSystem, secid: string, fqt: string, beg: string, end: string) {
  const response = await fetch(
    `${system.replay.url}/api/qt/stock/kline/get?secid=${secid}&klt=101&fqt=${fqt}&beg=${beg}&end=${end}`,
  );
  const body = (await response.json()) as { data: { klines: string[] } | null };
  return (body.data?.klines ?? []).map((line) => {
    const f = line.split(",");
    return { date: f[0], open: Number(f[1]), close: Number(f[2]), high: Number(f[3]), low: Number(f[4]) };
  });
}

const prices = (data: Array<{ date: string; open: number; close: number; high: number; low: number }>) =>
  data.map(({ date, open, close, high, low }) => ({ date, open, close, high, low }));

describe.each(testDrivers())("cache correctness on %s", (driver) => {
  const system = systemSuite(driver);

  describe("forward-adjusted history rebased upstream after a dividend", () => {
    it("serves a fully cached range from cache, then replaces the stale series on the next extension", async () => {
      const api = await system.api();
      // 000001 qfq as Eastmoney served it on 2024-06-26
      const old = await api.get(`${HISTORY}/000001?start_date=20240422&end_date=20240626&adjust=qfq`);
      expect(old.body.data.at(-1)).toMatchObject({ date: "2024-06-26", close: 10.08 });

      // upstream now serves the series as of 2025-03-05 (rebased after the 2024-10-10 dividend)
      system.replay.useSnapshot("0.000001", "1", "2025-03-05");
      const cached = await api.get(`${HISTORY}/000001?start_date=20240422&end_date=20240626&adjust=qfq`);
      expect(cached.body.metadata.cache).toMatchObject({ hit: true, series_replaced: null, unconfirmed_empty: [] });
      expect(cached.body.data).toEqual(old.body.data);
      expect(system.replay.requestCount()).toBe(1);

      const extended = await api.get(`${HISTORY}/000001?start_date=20240422&end_date=20241231&adjust=qfq`);
      expect(extended.status).toBe(200);
      expect(extended.body.metadata.cache).toMatchObject({
        hit: false,
        upstream_requests: 2,
        series_replaced: {
          reason: "anchor_mismatch",
          anchor_date: "2024-06-26",
          cached_close: 10.08,
          upstream_close: 9.83,
          start_date: "2024-04-22",
          end_date: "2024-12-31",
        },
      });
      expect(system.replay.requests.slice(1).map((r) => [r.beg, r.end])).toEqual([
        ["20240626", "20241231"], // the extension with its anchor
        ["20240422", "20241231"], // the whole held span, once
      ]);
      const now = await upstreamCloses(system, "0.000001", "1", "20240422", "20241231");
      const calls = system.replay.requestCount();
      expect(prices(extended.body.data)).toEqual(now);

      const again = await api.get(`${HISTORY}/000001?start_date=20240422&end_date=20241231&adjust=qfq`);
      expect(prices(again.body.data)).toEqual(now);
      expect(again.body.metadata.cache).toMatchObject({ hit: true, series_replaced: null, unconfirmed_empty: [] });
      expect(system.replay.requestCount()).toBe(calls);
    });

    it("checks a cached qfq range once per session day and replaces it after upstream's dividend rewrite", async () => {
      const clock = new ManualClock("2026-11-19T12:00:00Z"); // Thursday 20:00 in Shanghai, after the close
      const api = await system.api({ clock });
      // held through 2024-07-05; the replay's snapshot ends 2024-06-26, so the last held sessions have
      // no bar (as for a suspension): the check compares the latest held session that has one
      const url = `${HISTORY}/000001?start_date=20240422&end_date=20240705&adjust=qfq`;
      const old = await api.get(url);
      await api.get(url); // confirms the empty tail 06-27..07-05
      expect(old.body.data.at(-1)).toMatchObject({ date: "2024-06-26", close: 10.08 });
      expect((await api.get(url)).body.metadata.cache.hit).toBe(true);

      // Eastmoney rewrites 000001's qfq history (the series as of 2025-03-05, after the 2024-10-10 dividend)
      system.replay.useSnapshot("0.000001", "1", "2025-03-05");
      const sameDay = await api.get(url);
      expect(sameDay.body.metadata.cache.hit).toBe(true); // checked today already
      const calls = system.replay.requestCount();

      clock.set("2026-11-20T12:00:00Z"); // the next session day, after the close
      const fresh = await api.get(url);
      expect(fresh.status).toBe(200);
      expect(fresh.body.metadata.cache).toMatchObject({
        hit: false,
        upstream_requests: 2,
        series_replaced: {
          reason: "daily_check",
          anchor_date: "2024-06-26",
          cached_close: 10.08,
          upstream_close: 9.83,
          start_date: "2024-04-22",
          end_date: "2024-07-05",
        },
      });
      expect(system.replay.requests.slice(calls).map((r) => [r.beg, r.end])).toEqual([
        ["20240626", "20240626"], // the latest held bar, compared
        ["20240422", "20240705"], // the whole held span, once
      ]);
      expect(prices(fresh.body.data)).toEqual(await upstreamCloses(system, "0.000001", "1", "20240422", "20240705"));
      const after = system.replay.requestCount();
      const again = await api.get(url);
      expect(again.body.metadata.cache).toMatchObject({ hit: true, series_replaced: null });
      expect(prices(again.body.data)).toEqual(prices(fresh.body.data));
      expect(system.replay.requestCount()).toBe(after);

      // the next session day (Monday), nothing changed upstream: one small call, nothing replaced
      clock.set("2026-11-23T08:00:00Z");
      const checked = await api.get(url);
      expect(checked.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 1, series_replaced: null });
      expect(system.replay.requests.at(-1)).toMatchObject({ beg: "20240705", end: "20240705" });
      expect(checked.body.data).toEqual(again.body.data);
      // unadjusted series are not checked
      await api.get(`${HISTORY}/000001?start_date=20240902&end_date=20240930`);
      clock.set("2026-11-24T08:00:00Z");
      const before = system.replay.requestCount();
      expect((await api.get(`${HISTORY}/000001?start_date=20240902&end_date=20240930`)).body.metadata.cache.hit).toBe(
        true,
      );
      expect(system.replay.requestCount()).toBe(before);
    });

    it("replaces a held series on POST /api/v1/cache/refresh/{symbol}", async () => {
      const api = await system.api();
      await api.get(`${HISTORY}/000001?start_date=20240422&end_date=20240626&adjust=qfq`);
      await api.get(`${HISTORY}/000001?start_date=20240902&end_date=20240930`);
      system.replay.useSnapshot("0.000001", "1", "2025-03-05");
      const refresh = await api.get(`/api/v1/cache/refresh/000001.SZ?adjust=qfq`, { method: "POST" });
      expect(refresh.status).toBe(200);
      expect(refresh.body).toEqual({
        symbol: "000001",
        market: "SZ",
        refreshed: [{ adjust: "qfq", start_date: "2024-04-22", end_date: "2024-06-26", bars: 44, changed: true }],
        upstream_requests: 1,
      });
      const calls = system.replay.requestCount();
      const served = await api.get(`${HISTORY}/000001?start_date=20240422&end_date=20240626&adjust=qfq`);
      expect(served.body.metadata.cache.hit).toBe(true);
      expect(prices(served.body.data)).toEqual(await upstreamCloses(system, "0.000001", "1", "20240422", "20240626"));

      // every held adjustment when none is named; the unadjusted series is unchanged upstream
      const all = await api.get(`/api/v1/cache/refresh/000001`, { method: "POST" });
      expect(all.body.refreshed.map((r: { adjust: string; changed: boolean }) => [r.adjust, r.changed])).toEqual([
        ["", false],
        ["qfq", false],
      ]);
      expect(system.replay.requestCount()).toBe(calls + 1 + 2);
    });

    it("re-fetches a held series before answering with force_refresh=true", async () => {
      const api = await system.api();
      const url = `${HISTORY}/000001?start_date=20240422&end_date=20240626&adjust=qfq`;
      const old = await api.get(url);
      system.replay.useSnapshot("0.000001", "1", "2025-03-05");
      // without force_refresh the cached (now stale) series answers, even from the reused body
      expect((await api.get(url)).body.data).toEqual(old.body.data);
      const calls = system.replay.requestCount();
      const forced = await api.get(`${url}&force_refresh=true`);
      expect(forced.status).toBe(200);
      expect(system.replay.requestCount()).toBe(calls + 1);
      const now = await upstreamCloses(system, "0.000001", "1", "20240422", "20240626");
      expect(prices(forced.body.data)).toEqual(now);
      expect(prices(forced.body.data)).not.toEqual(prices(old.body.data));
      // the replaced series is what later plain requests see
      expect(prices((await api.get(url)).body.data)).toEqual(now);
      expect((await api.get(`${url}&force_refresh=maybe`)).status).toBe(400);
    });

    it("refreshes nothing for a symbol never fetched and rejects bad input", async () => {
      const api = await system.api();
      expect((await api.get(`/api/v1/cache/refresh/600036`, { method: "POST" })).body).toEqual({
        symbol: "600036",
        market: "SH",
        refreshed: [],
        upstream_requests: 0,
      });
      expect((await api.get(`/api/v1/cache/refresh/XYZ`, { method: "POST" })).status).toBe(400);
      expect((await api.get(`/api/v1/cache/refresh/600036?adjust=abc`, { method: "POST" })).body.error.code).toBe(
        "INVALID_ADJUST",
      );
      expect(system.replay.requestCount()).toBe(0);
    });
  });

  describe("today's bar", () => {
    it("is provisional in session, final after close + 30 min, re-verified once on the next session day", async () => {
      const clock = new ManualClock("2026-08-11T02:00:00Z"); // Tue 10:00 in Shanghai
      const api = await system.api({ clock });
      const live = await api.get(`${HISTORY}/600519?start_date=20260806&end_date=20260811`);
      expect(live.body.data.map((b: { date: string; provisional: boolean }) => [b.date, b.provisional])).toEqual([
        ["2026-08-06", false],
        ["2026-08-07", false],
        ["2026-08-10", false],
        ["2026-08-11", true],
      ]);
      expect(await system.rows()).toMatchObject({ bars: 3 });

      clock.set("2026-08-11T07:31:00Z"); // 15:31: final
      const final = await api.get(`${HISTORY}/600519?start_date=20260806&end_date=20260811`);
      expect(final.body.data.at(-1)).toMatchObject({ date: "2026-08-11", provisional: false, partial: false });
      expect(await system.rows()).toMatchObject({ bars: 4 });
      clock.set("2026-08-11T12:00:00Z"); // same evening: held
      await api.get(`${HISTORY}/600519?start_date=20260806&end_date=20260811`);
      expect(system.replay.requestCount()).toBe(2);

      clock.set("2026-08-12T02:00:00Z"); // next session day: 2026-08-11 is re-verified once
      const verified = await api.get(`${HISTORY}/600519?start_date=20260806&end_date=20260811`);
      expect(verified.body.metadata.cache).toMatchObject({ upstream_requests: 1 });
      expect(system.replay.requests.at(-1)).toMatchObject({ beg: "20260810", end: "20260811" });
      clock.set("2026-08-13T02:00:00Z"); // then frozen
      const frozen = await api.get(`${HISTORY}/600519?start_date=20260806&end_date=20260811`);
      expect(frozen.body.metadata.cache.hit).toBe(true);
      expect(frozen.body.data).toEqual(final.body.data);
      expect(system.replay.requestCount()).toBe(3);
    });

    it("treats a half day's bar as final from 12:30 in Hong Kong", async () => {
      // 2024-12-24 is an HKEX half day (close 12:00): its bar becomes final (stored, covered) at 12:30.
      const clock = new ManualClock("2024-12-24T04:20:00Z"); // 12:20 HKT
      const api = await system.api({ clock });
      const url = `${HISTORY}/00700?start_date=20241220&end_date=20241224&adjust=qfq`;
      const live = await api.get(url);
      expect(live.body.data.at(-1)).toMatchObject({ date: "2024-12-24", provisional: true });
      await api.get(url); // within the live bar's 60 s
      expect(system.replay.requestCount()).toBe(1);
      clock.set("2024-12-24T04:31:00Z"); // 12:31 HKT: final
      expect((await api.get(url)).body.data.at(-1)).toMatchObject({ date: "2024-12-24", provisional: false });
      await api.get(url);
      expect(system.replay.requests.map((r) => [r.beg, r.end])).toEqual([
        ["20241220", "20241224"],
        ["20241223", "20241224"], // today with its anchor, once
      ]);
    });
  });

  describe("listing, delisting and failures", () => {
    it("remembers empty spans before the first bar and after the last once a second answer confirms them", async () => {
      const api = await system.api();
      // the replay's 600519 qfq series starts 2021-01-04 and ends 2024-05-22, like a listing and a delisting
      const before = await api.get(`${HISTORY}/600519?start_date=20200601&end_date=20201231&adjust=qfq`);
      const after = await api.get(`${HISTORY}/600519?start_date=20240601&end_date=20240731&adjust=qfq`);
      expect(before.body.data).toEqual([]);
      expect(after.body.data).toEqual([]);
      // a first empty answer is served, said to be unconfirmed, and not remembered
      expect(before.body.metadata.cache.unconfirmed_empty).toEqual([{ start: "2020-06-01", end: "2020-12-31" }]);
      expect(after.body.metadata.cache.unconfirmed_empty).toEqual([{ start: "2024-06-03", end: "2024-07-31" }]);
      expect(await system.rows()).toEqual({ instruments: 1, bars: 0, spans: 0 });
      // the next requests ask again; the second empty answers are remembered
      const second = await api.get(`${HISTORY}/600519?start_date=20200601&end_date=20201231&adjust=qfq`);
      expect(second.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 1, unconfirmed_empty: [] });
      await api.get(`${HISTORY}/600519?start_date=20240601&end_date=20240731&adjust=qfq`);
      expect(await system.rows()).toEqual({ instruments: 1, bars: 0, spans: 2 });
      await api.get(`${HISTORY}/600519?start_date=20200601&end_date=20201231&adjust=qfq`);
      const repeat = await api.get(`${HISTORY}/600519?start_date=20240603&end_date=20240628&adjust=qfq`);
      // June 2024 less the Dragon Boat holiday
      expect(repeat.body.metadata.cache).toMatchObject({ hit: true, trading_days: 19, unconfirmed_empty: [] });
      expect(system.replay.requestCount()).toBe(4);
    });

    it("does not remember one empty answer for sessions upstream has bars for (a glitch): bars come next", async () => {
      const api = await system.api();
      const url = `${HISTORY}/600519?start_date=20240102&end_date=20240131&adjust=qfq`;
      system.replay.injectFault({ kind: "data-null", times: 1 });
      const glitch = await api.get(url);
      expect(glitch.status).toBe(200);
      expect(glitch.body.data).toEqual([]);
      expect(glitch.body.metadata.cache).toMatchObject({
        hit: false,
        upstream_requests: 1,
        unconfirmed_empty: [{ start: "2024-01-02", end: "2024-01-31" }],
      });
      const next = await api.get(url);
      expect(next.body.data).toHaveLength(22);
      expect(next.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 1, unconfirmed_empty: [] });
      const held = await api.get(url);
      expect(held.body.metadata.cache.hit).toBe(true);
      expect(held.body.data).toEqual(next.body.data);
      expect(system.replay.requestCount()).toBe(2);
    });

    it("confirms an empty tail only for the sessions an earlier answer was empty for too", async () => {
      const api = await system.api();
      // bars up to 2024-05-22, then nothing: the tail 05-23..05-31 is unconfirmed after one answer
      const first = await api.get(`${HISTORY}/600519?start_date=20240515&end_date=20240531&adjust=qfq`);
      expect(first.body.data.at(-1).date).toBe("2024-05-22");
      expect(first.body.metadata.cache.unconfirmed_empty).toEqual([{ start: "2024-05-23", end: "2024-05-31" }]);
      // a later, longer request: 05-23..05-31 is confirmed, June is seen empty for the first time
      const longer = await api.get(`${HISTORY}/600519?start_date=20240515&end_date=20240614&adjust=qfq`);
      expect(longer.body.metadata.cache).toMatchObject({
        upstream_requests: 1,
        unconfirmed_empty: [{ start: "2024-06-03", end: "2024-06-14" }],
      });
      expect(system.replay.requests.at(-1)).toMatchObject({ beg: "20240522", end: "20240614" }); // with its anchor
      const coverage = await api.get("/api/v1/cache/coverage/600519");
      expect(
        coverage.body.spans.map((s: { start_date: string; end_date: string }) => [s.start_date, s.end_date]),
      ).toEqual([
        ["2024-05-15", "2024-05-22"],
        ["2024-05-22", "2024-05-31"],
      ]);
    });

    it("makes one upstream call for concurrent requests that come back empty; the next one confirms it", async () => {
      const api = await system.api();
      const url = `${HISTORY}/600519?start_date=20240601&end_date=20240731&adjust=qfq`;
      system.replay.setLatency(1000); // every request's first look happens while the first call is under way
      const answers = await Promise.all(Array.from({ length: 5 }, () => api.get(url)));
      system.replay.setLatency(0);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.data).toEqual([]);
        expect(answer.body.metadata.cache.unconfirmed_empty).toEqual([{ start: "2024-06-03", end: "2024-07-31" }]);
      }
      expect(system.replay.requestCount()).toBe(1);
      expect((await api.get(url)).body.metadata.cache).toMatchObject({ upstream_requests: 1, unconfirmed_empty: [] });
      expect((await api.get(url)).body.metadata.cache).toMatchObject({ hit: true, unconfirmed_empty: [] });
      expect(system.replay.requestCount()).toBe(2);
    });

    it("does not remember a span whose fetch failed", async () => {
      const api = await system.api();
      system.replay.injectFault({ kind: "reset", times: 1 });
      expect((await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240131&adjust=qfq`)).status).toBe(502);
      expect(await system.rows()).toEqual({ instruments: 0, bars: 0, spans: 0 });
      const retry = await api.get(`${HISTORY}/600519?start_date=20240102&end_date=20240131&adjust=qfq`);
      expect(retry.status).toBe(200);
      expect(retry.body.data.length).toBe(22);
      expect(system.replay.requestCount()).toBe(2);
    });
  });

  describe("the calendar horizon", () => {
    it("passes days past calendar_known_through upstream each time; covers them once the index vouches", async () => {
      // The replay's SSE Composite ends 2026-06-16: its answer lacks the last known session
      // (2026-12-31), so nothing is learnt (calendar-horizon.test.ts covers the observed case).
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const clock = new ManualClock("2027-01-08T12:00:00Z"); // after the bundled calendar's 2026-12-31
      const api = await system.api({ clock });
      const first = await api.get(`${HISTORY}/600519?start_date=20261201&end_date=20270108`);
      expect(first.status).toBe(200);
      expect(first.body.metadata.calendar_known_through).toBe("2026-12-31");
      expect(first.body.metadata.cache.trading_days).toBe(23);
      expect(system.replay.requests.map((r) => [r.secid, r.beg, r.end])).toEqual([
        ["1.000001", "20261231", "20270108"],
        ["1.600519", "20261201", "20261231"],
        ["1.600519", "20270101", "20270108"],
      ]);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining("calendar observation failed"), expect.any(String));
      // (the replay's 600519 ends 2026-08-11: December's empty answer is asked once more to be confirmed)
      const again = await api.get(`${HISTORY}/600519?start_date=20261201&end_date=20270108`);
      expect(again.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 2 });
      expect(system.replay.requests.at(-1)).toMatchObject({ beg: "20270101", end: "20270108" });
      // a failed observation is not retried on every request
      expect(system.replay.requestCount({ secid: "1.000001" })).toBe(1);
      expect(await system.rows()).toMatchObject({ spans: 1 });
      const third = await api.get(`${HISTORY}/600519?start_date=20261201&end_date=20270108`);
      expect(third.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 1 });
      warn.mockRestore();
    });
  });

  describe("the quality gate on real defective rows (Tencent, 0700.HK, Yahoo's raw series)", () => {
    it.each([
      ["a zero-volume filler row on a closed typhoon day", "20160725", "20160805", "2016-08-02", "not_a_session"],
      ["a filler row on the HKSAR Establishment Day holiday", "20040625", "20040709", "2004-07-01", "not_a_session"],
      ["a bar whose high is below its low", "20091221", "20091231", "2009-12-31", "ohlc_order"],
      ["the split day with an open below the low", "20140512", "20140516", "2014-05-15", "ohlc_order"],
    ])("rejects a response holding %s whole, stores nothing and logs the rows", async (_, beg, end, date, rule) => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      try {
        const api = await system.api();
        const { status, body } = await api.get(`${HISTORY}/00700?start_date=${beg}&end_date=${end}`);
        expect(status).toBe(502);
        expect(body.error.code).toBe("UPSTREAM_INVALID");
        expect(body.error.details.problems).toContainEqual(expect.objectContaining({ date, rule }));
        expect(await system.rows()).toEqual({ instruments: 0, bars: 0, spans: 0 });
        expect(warn).toHaveBeenCalledWith(expect.stringContaining("quality gate"), expect.stringContaining(date));
      } finally {
        warn.mockRestore();
      }
    });

    it("stores a clean HK range with volume in shares and prices in HKD", async () => {
      const api = await system.api();
      const { status, body } = await api.get(`${HISTORY}/0700.HK?start_date=20190301&end_date=20190329`);
      expect(status).toBe(200);
      expect(body.data).toHaveLength(21);
      expect(body.metadata.units).toMatchObject({ currency: "HKD", volume: "shares" });
      const raw = await upstreamCloses(system, "116.00700", "0", "20190301", "20190329");
      expect(prices(body.data)).toEqual(raw);
    });

    it("serves the partial last bar (2022-09-19) as provisional during the session and never stores it", async () => {
      const clock = new ManualClock("2022-09-19T03:00:00Z"); // 11:00 HKT
      const api = await system.api({ clock });
      const { body } = await api.get(`${HISTORY}/00700?start_date=20220913&end_date=20220919`);
      expect(body.data.at(-1)).toMatchObject({ date: "2022-09-19", provisional: true });
      expect(body.data.slice(0, -1).every((b: { provisional: boolean }) => !b.provisional)).toBe(true);
      expect(await system.rows()).toMatchObject({ bars: body.data.length - 1 });
    });
  });
});
