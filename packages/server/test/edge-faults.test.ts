/**
 * Small faults found by the fault runs (issue 14 §6): a trailing slash names the same route on
 * every path; failed authentications are limited per client IP (each unknown key costs a database
 * lookup). The `/api/v1/jobs?job=%00` case is in fuzz.test.ts with every other parameter.
 */
import { generateApiKey } from "@quantdb/core/auth";
import { createApiKeyStore } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";
import { httpOptionsFromEnv } from "../src/middleware/options.ts";
import { bearer, createKey, guardedSuite, isEnvelope } from "./security-harness.ts";

/** Well-formed but never stored: each use costs a lookup. */
const UNKNOWN_KEY = generateApiKey().key;

it("auth failure limit defaults to 20 a minute per client IP (QUANTDB_AUTH_FAILURES_PER_MINUTE, 0 = none)", () => {
  expect(httpOptionsFromEnv(loadEnv({})).authFailuresPerMinute).toBe(20);
  expect(httpOptionsFromEnv(loadEnv({ QUANTDB_AUTH_FAILURES_PER_MINUTE: "0" })).authFailuresPerMinute).toBe(false);
});

describe.each(testDrivers())("edge faults on %s", (driver) => {
  const suite = guardedSuite(driver);

  it("a trailing slash is the same path: GET /health/, /ready/ and a history path answer as without it", async () => {
    const api = await suite.start({ auth: "admin" });
    for (const path of [
      "/health/",
      "/ready/",
      "/api/v1/version/",
      "/api/v1/historical/stock/600519/?start_date=20240102&end_date=20240105&adjust=qfq",
    ]) {
      const answer = await api.get(path);
      expect(answer.status, path).toBe(200);
    }
    const history = await api.get("/api/v1/historical/stock/600519/?start_date=20240102&end_date=20240105&adjust=qfq");
    expect(history.body.data).toHaveLength(4);
    // Still a 405 for a method the route does not have, slash or not.
    const post = await api.get("/health/", { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
  });

  it("failed authentications are limited per client IP: 429 + Retry-After past N a minute, no key lookup", async () => {
    const real = createApiKeyStore(suite.system.database.db);
    let lookups = 0;
    const apiKeys = {
      ...real,
      findActiveByHash: (hash: string) => {
        lookups++;
        return real.findActiveByHash(hash);
      },
    } as typeof real;
    const api = await suite.start({ auth: "all", apiKeys, authFailuresPerMinute: 3, trustProxy: 1 });
    const { key } = await createKey(suite.system, "read");
    const from = (ip: string, init: RequestInit = {}): RequestInit => ({
      ...init,
      headers: { ...(init.headers as Record<string, string>), "x-forwarded-for": ip },
    });

    for (let i = 0; i < 3; i++) {
      const refused = await api.get("/api/v1/version", from("203.0.113.7", bearer(UNKNOWN_KEY)));
      expect(refused.status).toBe(401);
    }
    expect(lookups).toBe(3);
    const limited = await api.get("/api/v1/version", from("203.0.113.7", bearer(UNKNOWN_KEY)));
    expect(limited.status).toBe(429);
    expect(isEnvelope(limited.body, 429)).toBe(true);
    expect(limited.body.error).toMatchObject({ code: "RATE_LIMITED", details: { failures_per_minute: 3 } });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(lookups).toBe(3); // refused before the lookup
    // Malformed keys count too, and are refused the same way once over the limit.
    expect((await api.get("/api/v1/version", from("203.0.113.7", bearer("not-a-key")))).status).toBe(429);

    // Another address is not affected, and a valid key from it works.
    expect((await api.get("/api/v1/version", from("198.51.100.2", bearer(UNKNOWN_KEY)))).status).toBe(401);
    expect((await api.get("/api/v1/version", from("198.51.100.2", bearer(key)))).status).toBe(200);
    // Probes stay open to the limited address (no key sent: no lookup, nothing to limit).
    expect((await api.get("/health", from("203.0.113.7"))).status).toBe(200);
  });
});
