/**
 * API keys over real HTTP: every admin endpoint refuses without a key (401) and with a read key
 * (403) and works with an admin key; QUANTDB_AUTH=all; keys are stored only as hashes; revoked
 * and malformed keys are refused; key management over HTTP takes effect at once; a process's local
 * admin token is accepted only from this machine and never through a proxy.
 */
import { generateApiKey, hashApiKey } from "@quantdb/core/auth";
import { createApiKeyStore, deleteCalendarExtensions, schema } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { bearer, createKey, isEnvelope, guardedSuite } from "./security-harness.ts";

const json = (body: unknown, method = "POST"): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
const HK_2027 = { year: 2027, holidays: ["2027-01-01", "2027-02-08", "2027-02-09"], half_days: ["2027-12-24"] };

/** Every admin operation, with what it answers when an admin key reaches it (on an empty cache). */
const ADMIN_OPERATIONS: Array<{
  name: string;
  path: string;
  init: () => RequestInit;
  expectOk: (status: number, body: any) => void;
  hold?: string;
}> = [
  {
    name: "clear everything",
    path: "/api/v1/cache/clear",
    init: () => ({ method: "DELETE" }),
    expectOk: (s, b) => (expect(s).toBe(200), expect(b).toEqual({ cleared: "all" })),
  },
  {
    name: "clear one symbol",
    path: "/api/v1/cache/clear/600519",
    init: () => ({ method: "DELETE" }),
    hold: "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240105",
    expectOk: (s, b) => (expect(s).toBe(200), expect(b).toEqual({ cleared: "stock 600519" })),
  },
  {
    name: "refresh a symbol",
    path: "/api/v1/cache/refresh/600519?adjust=qfq",
    init: () => ({ method: "POST" }),
    expectOk: (s, b) => (expect(s).toBe(200), expect(b).toMatchObject({ symbol: "600519", refreshed: [] })),
  },
  {
    name: "extend the CN calendar",
    path: "/api/v1/calendar/CN/extend",
    init: () => ({ method: "POST" }),
    expectOk: (s, b) => (expect(s).toBe(200), expect(b).toMatchObject({ calendar: "CN", added_sessions: 0 })),
  },
  {
    name: "extend the HK calendar",
    path: "/api/v1/calendar/HK/holidays",
    init: () => json(HK_2027),
    expectOk: (s, b) => (expect(s).toBe(200), expect(b).toMatchObject({ calendar: "HK", known_through: "2027-12-31" })),
  },
  {
    name: "force-refresh history",
    path: "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq&force_refresh=true",
    init: () => ({}),
    expectOk: (s, b) => (expect(s).toBe(200), expect(b.data).toHaveLength(22)),
  },
  {
    name: "list keys",
    path: "/api/v1/keys",
    init: () => ({}),
    expectOk: (s, b) => (
      expect(s).toBe(200),
      expect(b.data.slice(0, 2).map((k: { name: string }) => k.name)).toEqual(["admin-key", "read-key"])
    ),
  },
  {
    name: "create a key",
    path: "/api/v1/keys",
    init: () => json({ name: "made over HTTP" }),
    expectOk: (s, b) => (expect(s).toBe(201), expect(b).toMatchObject({ name: "made over HTTP", scope: "read" })),
  },
  {
    name: "revoke a key",
    path: "/api/v1/keys/read-key",
    init: () => ({ method: "DELETE" }),
    expectOk: (s, b) => (expect(s).toBe(200), expect(b).toMatchObject({ name: "read-key", scope: "read" })),
  },
];

describe.each(testDrivers())("API keys on %s", (driver) => {
  const suite = guardedSuite(driver, async (system) => {
    await deleteCalendarExtensions(system.database.db);
  });
  const start = suite.start;

  describe.each(ADMIN_OPERATIONS)("admin operation: $name", ({ path, init, expectOk, hold }) => {
    it("refuses without a key (401, WWW-Authenticate) and with a read key (403); works with an admin key", async () => {
      const api = await start({ auth: "admin" });
      const read = await createKey(suite.system, "read");
      const admin = await createKey(suite.system, "admin");

      const anonymous = await api.get(path, init());
      expect(anonymous.status).toBe(401);
      expect(isEnvelope(anonymous.body, 401)).toBe(true);
      expect(anonymous.body.error.code).toBe("UNAUTHORIZED");
      expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);

      const forbidden = await api.get(path, bearer(read.key, init()));
      expect(forbidden.status).toBe(403);
      expect(isEnvelope(forbidden.body, 403)).toBe(true);
      expect(forbidden.body.error.code).toBe("FORBIDDEN");
      expect(suite.system.replay.requestCount()).toBe(0); // refused before anything reached upstream

      if (hold) expect((await api.get(hold)).status).toBe(200);

      const allowed = await api.get(path, bearer(admin.key, init()));
      expectOk(allowed.status, allowed.body);
    });
  });

  it("admin mode leaves data endpoints open and the same admin paths refused under odd spellings", async () => {
    const api = await start({ auth: "admin" });
    expect((await api.get("/api/v1/calendar/CN/sessions/20240209")).status).toBe(200);
    expect((await api.get("/api/v1/cache/stats")).status).toBe(200);
    expect((await api.get("/health")).status).toBe(200);
    for (const odd of [
      "/api/v1/cache/clear/",
      "/api/v1//cache/clear",
      "/api/v1/cache/%63lear",
      "/API/v1/cache/clear",
    ]) {
      const r = await api.get(odd, { method: "DELETE" });
      expect([401], odd).toContain(r.status);
    }
  });

  it("QUANTDB_AUTH=all needs a key everywhere but /health, and any live key will do for data", async () => {
    const api = await start({ auth: "all" });
    const read = await createKey(suite.system, "read");
    for (const path of [
      "/api/v1/calendar/CN/sessions/20240209",
      "/api/v1/cache/stats",
      "/openapi.json",
      "/metrics",
      "/no/such/path",
    ]) {
      const r = await api.get(path);
      expect(r.status, path).toBe(401);
      expect(isEnvelope(r.body, 401), path).toBe(true);
    }
    expect((await api.get("/health")).status).toBe(200);
    expect((await api.get("/api/v1/calendar/CN/sessions/20240209", bearer(read.key))).status).toBe(200);
    expect((await api.get("/metrics", bearer(read.key))).status).toBe(200);
    expect((await api.get("/api/v1/cache/clear", bearer(read.key, { method: "DELETE" }))).status).toBe(403);

    const open = await start({ auth: "all", metricsPublic: true });
    expect((await open.get("/metrics")).status).toBe(200);
  });

  it("refuses revoked, unknown and malformed keys with 401, even on open endpoints", async () => {
    const api = await start({ auth: "admin" });
    const admin = await createKey(suite.system, "admin");
    expect((await api.get("/api/v1/cache/clear", bearer(admin.key, { method: "DELETE" }))).status).toBe(200);
    expect(await createApiKeyStore(suite.system.database.db).revoke(admin.prefix, new Date())).toMatchObject({
      id: admin.id,
    });

    const revoked = await api.get("/api/v1/cache/clear", bearer(admin.key, { method: "DELETE" }));
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe("UNAUTHORIZED");
    expect(revoked.headers.get("www-authenticate")).toContain("invalid_token");
    expect((await api.get("/api/v1/cache/stats", bearer(admin.key))).status).toBe(401);

    const unknown = `qdb_${"A".repeat(43)}`;
    for (const header of [`Bearer ${unknown}`, "Bearer not-a-key", "Basic dXNlcjpwYXNz", `Token ${admin.key}`]) {
      const r = await api.get("/api/v1/cache/clear", { method: "DELETE", headers: { authorization: header } });
      expect(r.status, header).toBe(401);
      expect(isEnvelope(r.body, 401)).toBe(true);
    }
  });

  it("stores keys only as hashes: no api_keys row contains the key", async () => {
    const keys = [await createKey(suite.system, "admin", "ops"), await createKey(suite.system, "read", "research")];
    const api = await start({ auth: "admin" });
    expect((await api.get("/api/v1/cache/clear", bearer(keys[0]!.key, { method: "DELETE" }))).status).toBe(200);

    const rows = await suite.system.database.db.select().from(schema.apiKeys);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const dump = JSON.stringify(rows);
    for (const { key, prefix } of keys) {
      expect(dump).not.toContain(key);
      expect(dump).not.toContain(key.slice(12)); // nor the secret part past the public prefix
      const row = rows.find((r) => r.prefix === prefix)!;
      expect(row.hash).toBe(hashApiKey(key));
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("manages keys over HTTP: a created key works on the next request, a revoked one is refused on it", async () => {
    const api = await start({ auth: "all" });
    const admin = await createKey(suite.system, "admin");
    const created = await api.get("/api/v1/keys", bearer(admin.key, json({ name: "desk", scope: "read" })));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "desk",
      scope: "read",
      prefix: created.body.key.slice(0, 12),
      revoked_at: null,
    });
    expect((await api.get("/api/v1/calendar/CN/sessions/20240209", bearer(created.body.key))).status).toBe(200);

    const listed = await api.get("/api/v1/keys", bearer(admin.key));
    // newest first
    expect(listed.body.data.slice(0, 2).map((k: { name: string }) => k.name)).toEqual(["desk", "admin-key"]);
    expect(listed.text).not.toContain(created.body.key);

    const revoked = await api.get(`/api/v1/keys/${created.body.prefix}`, bearer(admin.key, { method: "DELETE" }));
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect((await api.get("/api/v1/calendar/CN/sessions/20240209", bearer(created.body.key))).status).toBe(401);
    const again = await api.get(`/api/v1/keys/${created.body.prefix}`, bearer(admin.key, { method: "DELETE" }));
    expect(again.status).toBe(404);
    expect(again.body.error.message).toContain(`No active key matches '${created.body.prefix}'`);

    const bad = await api.get("/api/v1/keys", bearer(admin.key, json({ name: "x", scope: "root" })));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_ERROR");
  });

  it("accepts the process's local admin token only from this machine, never via a proxy or in-process", async () => {
    const token = generateApiKey().key;
    const api = await start({ auth: "all", localAdminToken: token });
    expect((await api.get("/api/v1/keys", bearer(token))).status).toBe(200);
    expect(
      (await api.get("/api/v1/keys", bearer(token, { headers: { "x-forwarded-for": "203.0.113.9" } }))).status,
    ).toBe(401);
    expect((await api.get("/api/v1/keys", bearer(token, { headers: { forwarded: "for=203.0.113.9" } }))).status).toBe(
      401,
    );
    expect((await api.app.request("/api/v1/keys", bearer(token))).status).toBe(401);
    // another process's token is just an unknown key
    expect((await api.get("/api/v1/keys", bearer(generateApiKey().key))).status).toBe(401);
    // a key made with it is a real key, and the token itself is never stored
    const made = await api.get("/api/v1/keys", bearer(token, json({ name: "first admin", scope: "admin" })));
    expect(made.status).toBe(201);
    const rows = await suite.system.database.db.select().from(schema.apiKeys);
    expect(rows.map((r) => r.hash)).not.toContain(hashApiKey(token));
  });

  it("auth off (the default of an app built without options) opens admin endpoints", async () => {
    const api = await start({});
    expect((await api.get("/api/v1/cache/clear", { method: "DELETE" })).status).toBe(200);
  });
});
