/**
 * Rate limits charge work, not hits, over real HTTP against the whole system (replay upstream):
 * with the default settings a researcher's loop over cached history is never refused; a client
 * whose requests call upstream gets 429 RATE_LIMITED with Retry-After once its calls are spent,
 * nothing from the refused call is stored, its cached answers are still served and other clients
 * keep their own budgets; batches cost the calls they make; the budget is kept per key, per IP, and
 * per forwarded address only behind a trusted proxy. The windows run on an injected clock.
 */
import { Agent, request } from "node:http";
import { ManualClock } from "@quantdb/core/clock";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";
import { httpOptionsFromEnv } from "../src/middleware/options.ts";
import { AFTER_CLOSE } from "./harness.ts";
import { bearer, createKey, guardedSuite, isEnvelope } from "./security-harness.ts";

const KLINE = "/api/qt/stock/kline/get";
/** Unadjusted daily bars of a 2025 month (the replay holds 600519, 000001 and 300750 from 2024-08 on). */
const month = (symbol: string, m: number) => {
  const mm = String(m).padStart(2, "0");
  return `/api/v1/historical/stock/${symbol}?start_date=2025${mm}01&end_date=2025${mm}28`;
};
const batch = (symbols: string[], m: number): RequestInit => {
  const mm = String(m).padStart(2, "0");
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ symbols, start_date: `2025${mm}01`, end_date: `2025${mm}28` }),
  };
};
const remaining = (response: { headers: Headers }) => response.headers.get("ratelimit-remaining");

/** GET `path` over a keep-alive connection: status and the RateLimit-Remaining header (the body is drained). */
function keepAliveGet(agent: Agent, url: string): Promise<{ status: number; remaining: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, remaining: res.headers["ratelimit-remaining"] as string | undefined }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe.each(testDrivers())("rate limits on %s", (driver) => {
  const suite = guardedSuite(driver);
  const start = suite.start;
  const upstreamCalls = () => suite.system.replay.requestCount({ path: KLINE });

  it("with the default settings, 5,000 sequential cached history requests from one IP are never refused", async () => {
    const defaults = httpOptionsFromEnv(loadEnv({}));
    expect(defaults.rateLimitPerMinute).toBe(600);
    const api = await start({ ...defaults, processMetrics: false });
    const warm = await api.get("/api/v1/historical/stock/600519?start_date=20250102&end_date=20250331");
    expect(warm.status).toBe(200);
    expect(warm.body.data.length).toBeGreaterThan(50);
    expect(remaining(warm)).toBe("599"); // the one upstream call
    const calls = upstreamCalls();

    // Ten ranges inside the warm one, in turn: each is answered from the cache.
    const paths = Array.from({ length: 10 }, (_, i) => {
      const end = `202503${String(10 + i * 2).padStart(2, "0")}`;
      return `${api.url}/api/v1/historical/stock/600519?start_date=20250106&end_date=${end}`;
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const statuses = new Map<number, number>();
    const remainders = new Set<string | undefined>();
    try {
      for (let i = 0; i < 5000; i++) {
        const { status, remaining: left } = await keepAliveGet(agent, paths[i % paths.length]!);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        remainders.add(left);
      }
    } finally {
      agent.destroy();
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 5000 });
    expect([...remainders]).toEqual(["599"]); // hits cost nothing
    expect(upstreamCalls()).toBe(calls);
  }, 60_000);

  it("refuses a client whose upstream calls are spent, storing nothing; its hits, other clients served", async () => {
    const rateClock = new ManualClock(AFTER_CLOSE);
    const api = await start({ auth: "admin", rateLimitPerMinute: 3, rateLimitClock: rateClock });
    const alice = await createKey(suite.system, "read", "alice");
    const bob = await createKey(suite.system, "read", "bob");

    for (const [i, m] of [1, 3, 5].entries()) {
      const ok = await api.get(month("600519", m), bearer(alice.key));
      expect(ok.status).toBe(200);
      expect(ok.body.metadata.cache.upstream_requests).toBe(1);
      expect(remaining(ok)).toBe(String(2 - i));
      expect(ok.headers.get("ratelimit-limit")).toBe("3");
      expect(ok.headers.get("ratelimit-reset")).toBe("60");
    }
    expect(upstreamCalls()).toBe(3);

    rateClock.advance(15_000);
    const rows = await suite.system.rows();
    const limited = await api.get(month("600519", 7), bearer(alice.key));
    expect(limited.status).toBe(429);
    expect(isEnvelope(limited.body, 429)).toBe(true);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(limited.headers.get("retry-after")).toBe("45");
    expect(limited.body.error.details).toMatchObject({ limit_per_minute: 3, retry_after_seconds: 45, charged: 0 });
    expect(remaining(limited)).toBe("0");
    expect(limited.headers.get("ratelimit-reset")).toBe("45");
    expect(upstreamCalls()).toBe(3); // the refused call was never made
    expect(await suite.system.rows()).toEqual(rows); // and nothing was stored for it

    // spent, alice is still served what is cached: it costs nothing
    const hit = await api.get(month("600519", 3), bearer(alice.key));
    expect(hit.status).toBe(200);
    expect(hit.body.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });
    expect(remaining(hit)).toBe("0");

    // bob and anonymous callers have budgets of their own
    const other = await api.get(month("600519", 7), bearer(bob.key));
    expect(other.status).toBe(200);
    expect(other.body.metadata.cache.upstream_requests).toBe(1);
    expect(remaining(other)).toBe("2");
    const anonymous = await api.get(month("600519", 9));
    expect(anonymous.status).toBe(200);
    expect(remaining(anonymous)).toBe("2");

    // a new window: alice calls upstream again
    rateClock.advance(45_000);
    const renewed = await api.get(month("600519", 11), bearer(alice.key));
    expect(renewed.status).toBe(200);
    expect(remaining(renewed)).toBe("2");
    expect(upstreamCalls()).toBe(6);
  });

  it("charges a forced refresh its re-fetch, and refuses it once the budget is spent", async () => {
    const api = await start({ auth: "off", rateLimitPerMinute: 2, rateLimitClock: new ManualClock(AFTER_CLOSE) });
    const first = await api.get(month("000001", 2));
    expect(remaining(first)).toBe("1");
    const forced = await api.get(`${month("000001", 2)}&force_refresh=true`);
    expect(forced.status).toBe(200);
    expect(forced.body.metadata.cache).toMatchObject({ hit: false, upstream_requests: 1 });
    expect(remaining(forced)).toBe("0");
    const refused = await api.get(`${month("000001", 2)}&force_refresh=true`);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("RATE_LIMITED");
    expect(upstreamCalls()).toBe(2);
    expect((await api.get(month("000001", 2))).status).toBe(200); // the cached series is intact
  });

  it("charges a batch what it fetches: cached symbols nothing, N missing ones N calls", async () => {
    const rateClock = new ManualClock(AFTER_CLOSE);
    const api = await start({ auth: "off", rateLimitPerMinute: 4, rateLimitClock: rateClock });
    const two = await api.get("/api/v1/batch/stocks", batch(["600519", "000001"], 3));
    expect(two.status).toBe(200);
    expect(two.body.metadata).toMatchObject({ succeeded: 2, upstream_requests: 2 });
    expect(remaining(two)).toBe("2");

    const cached = await api.get("/api/v1/batch/stocks", batch(["600519", "000001"], 3));
    expect(cached.body.metadata).toMatchObject({ succeeded: 2, upstream_requests: 0 });
    expect(remaining(cached)).toBe("2");

    const three = await api.get("/api/v1/batch/stocks", batch(["600519", "000001", "300750"], 3));
    expect(three.body.metadata).toMatchObject({ succeeded: 3, upstream_requests: 1 });
    expect(remaining(three)).toBe("1");
    expect(upstreamCalls()).toBe(3);

    // three missing, one call left: the batch is refused whole (no 200 with some symbols missing)
    const over = await api.get("/api/v1/batch/stocks", batch(["600519", "000001", "300750"], 6));
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe("RATE_LIMITED");
    expect(Number(over.headers.get("retry-after"))).toBe(60);
    expect(remaining(over)).toBe("0");

    // next window: what the refused batch fetched stays cached and the rest is fetched once. The call it
    // had in flight when refused finishes in the background (charged, stored), and the retry may join it
    // under the series lock, so the retry itself makes one or two calls; every symbol is fetched once.
    rateClock.advance(60_000);
    const retried = await api.get("/api/v1/batch/stocks", batch(["600519", "000001", "300750"], 6));
    expect(retried.status).toBe(200);
    expect(retried.body.metadata).toMatchObject({ succeeded: 3, failed: 0 });
    expect(retried.body.metadata.upstream_requests).toBeGreaterThanOrEqual(1);
    expect(retried.body.metadata.upstream_requests).toBeLessThanOrEqual(2);
    expect([2, 3]).toContain(Number(remaining(retried)));
    expect(upstreamCalls()).toBe(6);
  });

  it("charges a realtime batch its quote calls, and nothing when every quote is cached", async () => {
    const api = await start({ auth: "off", rateLimitPerMinute: 5, rateLimitClock: new ManualClock(AFTER_CLOSE) });
    const quotes = (): RequestInit => ({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ symbols: ["600519", "000001", "00700"] }),
    });
    const first = await api.get("/api/v1/realtime/batch", quotes());
    expect(first.status).toBe(200);
    expect(remaining(first)).toBe("4"); // one upstream call for the three
    const again = await api.get("/api/v1/realtime/batch", quotes()); // after the close: final, cached
    expect(again.status).toBe(200);
    expect(remaining(again)).toBe("4");
  });

  it("buckets anonymous callers by X-Forwarded-For only behind a trusted proxy", async () => {
    const clock = new ManualClock(AFTER_CLOSE);
    let m = 0;
    const fresh = () => month("600519", ++m); // a month not fetched yet: one upstream call
    const untrusted = await start({ rateLimitPerMinute: 2, rateLimitClock: clock });
    expect((await untrusted.get(fresh(), { headers: { "x-forwarded-for": "203.0.113.1" } })).status).toBe(200);
    expect((await untrusted.get(fresh(), { headers: { "x-forwarded-for": "203.0.113.2" } })).status).toBe(200);
    // header ignored: one caller
    expect((await untrusted.get(fresh(), { headers: { "x-forwarded-for": "203.0.113.3" } })).status).toBe(429);

    const proxied = await start({ rateLimitPerMinute: 2, trustProxy: 1, rateLimitClock: clock });
    for (const ip of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
      const r = await proxied.get(fresh(), { headers: { "x-forwarded-for": `198.51.100.7, ${ip}` } });
      expect(r.status).toBe(200);
      expect(remaining(r)).toBe("1");
    }
    // the client cannot escape its bucket by prepending addresses: the proxy's hop (rightmost) counts
    expect((await proxied.get(fresh(), { headers: { "x-forwarded-for": "203.0.113.1" } })).status).toBe(200);
    expect((await proxied.get(fresh(), { headers: { "x-forwarded-for": "10.9.9.9, 203.0.113.1" } })).status).toBe(429);
  });
});
