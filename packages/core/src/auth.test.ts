import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  acceptsStreamToken,
  bearerToken,
  checkStreamToken,
  decideAccess,
  generateApiKey,
  hashApiKey,
  isAdminOperation,
  issueStreamToken,
  requiredAccess,
  streamTokenKeyId,
  type AccessRequest,
} from "./auth.ts";

const req = (
  method: string,
  path: string,
  query: Record<string, string> = {},
  bodyForceRefresh?: boolean,
): AccessRequest => ({
  method,
  path,
  query: (name) => query[name],
  ...(bodyForceRefresh === undefined ? {} : { bodyForceRefresh }),
});

const ADMIN = [
  req("DELETE", "/api/v1/cache/clear"),
  req("DELETE", "/api/v1/cache/clear/600519"),
  req("POST", "/api/v1/cache/refresh/000001"),
  req("POST", "/api/v1/calendar/CN/extend"),
  req("POST", "/api/v1/calendar/HK/holidays"),
  req("GET", "/api/v1/keys"),
  req("GET", "/api/v1/historical/stock/600519", { force_refresh: "true" }),
  req("POST", "/api/v1/batch/stocks", {}, true),
];
const READ = [
  req("GET", "/api/v1/historical/stock/600519"),
  req("GET", "/api/v1/cache/stats"),
  req("POST", "/api/v1/batch/stocks"),
  req("GET", "/metrics"),
  req("GET", "/docs"),
];

describe("access policy", () => {
  it("admin operations need an admin key in admin and all modes, nothing when off", () => {
    for (const r of ADMIN) {
      expect(requiredAccess(r, "admin")).toBe("admin");
      expect(requiredAccess(r, "all")).toBe("admin");
      expect(requiredAccess(r, "off")).toBe("public");
    }
  });

  it("data endpoints are open in admin mode and need any key in all mode; probes are always open", () => {
    for (const r of READ) {
      expect(requiredAccess(r, "admin")).toBe("public");
      expect(requiredAccess(r, "all")).toBe("read");
    }
    for (const path of ["/health", "/ready", "/health/"])
      expect(requiredAccess(req("GET", path), "all")).toBe("public");
    expect(requiredAccess(req("GET", "/metrics"), "all", { metricsPublic: true })).toBe("public");
  });

  it("force_refresh counts unless explicitly false", () => {
    for (const v of ["true", "1", "TRUE", "yes", "garbage"])
      expect(isAdminOperation(req("GET", "/x", { force_refresh: v }))).toBe(true);
    for (const v of ["false", "0", "", "off", "No"])
      expect(isAdminOperation(req("GET", "/x", { force_refresh: v }))).toBe(false);
  });

  it("an admin path stays admin under any case, doubled or trailing slashes (property)", () => {
    const admin = fc.constantFrom(
      "/api/v1/cache/clear",
      "/api/v1/cache/clear/600519",
      "/api/v1/cache/refresh/000001",
      "/api/v1/calendar/CN/extend",
      "/api/v1/calendar/HK/holidays",
    );
    fc.assert(
      fc.property(
        admin,
        fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
        fc.boolean(),
        fc.nat(3),
        (path, upper, doubled, trailing) => {
          const chars = [...path].map((ch, i) => (upper[i % 64] ? ch.toUpperCase() : ch)).join("");
          const mangled = (doubled ? chars.replace(/\//g, "//") : chars) + "/".repeat(trailing);
          expect(requiredAccess(req("POST", mangled), "admin")).toBe("admin");
        },
      ),
      { numRuns: 500 },
    );
  });

  it("decides 401 for missing or invalid keys and 403 for a read key on an admin operation", () => {
    expect(decideAccess("public", null)).toEqual({ allowed: true });
    expect(decideAccess("read", null)).toMatchObject({ allowed: false, reason: "UNAUTHORIZED" });
    expect(decideAccess("read", "invalid")).toMatchObject({ allowed: false, reason: "UNAUTHORIZED" });
    expect(decideAccess("read", { scope: "read" })).toEqual({ allowed: true });
    expect(decideAccess("admin", { scope: "read" })).toMatchObject({ allowed: false, reason: "FORBIDDEN" });
    expect(decideAccess("admin", { scope: "admin" })).toEqual({ allowed: true });
  });

  it("reads Bearer credentials of a key's shape only", () => {
    const { key, hash } = generateApiKey();
    expect(hash).toBe(hashApiKey(key));
    expect(hash).not.toContain(key);
    expect(bearerToken(`Bearer ${key}`)).toBe(key);
    expect(bearerToken(`bearer  ${key} `)).toBe(key);
    expect(bearerToken(undefined)).toBeNull();
    for (const bad of ["", "Bearer", `Basic ${key}`, "Bearer qdb_short", `Bearer ${key} extra`, `Bearer ${key}x`])
      expect(bearerToken(bad)).toBe("invalid");
  });
});

describe("stream tokens", () => {
  const key = generateApiKey();
  const issuedAt = new Date("2026-11-20T02:00:00.500Z");

  it("name their key, expire after the TTL, and are signed with the key's hash", () => {
    const { token, expiresAt } = issueStreamToken({ id: 7, hash: key.hash }, issuedAt, 60);
    expect(token).toMatch(/^qst_7\.\d+\.[\w-]{43}$/);
    expect(token).not.toContain(key.key.slice(4));
    expect(expiresAt.toISOString()).toBe("2026-11-20T02:01:00.000Z");
    expect(streamTokenKeyId(token)).toBe(7);
    expect(checkStreamToken(token, key.hash, issuedAt)).toBe("valid");
    expect(checkStreamToken(token, key.hash, new Date("2026-11-20T02:00:59.999Z"))).toBe("valid");
    expect(checkStreamToken(token, key.hash, expiresAt)).toBe("expired");
    expect(checkStreamToken(token, generateApiKey().hash, issuedAt)).toBe("invalid");
    // the id and expiry are signed: changing either breaks the signature
    const [, expires, signature] = /^qst_7\.(\d+)\.(.+)$/.exec(token)!;
    expect(checkStreamToken(`qst_8.${expires}.${signature}`, key.hash, issuedAt)).toBe("invalid");
    expect(checkStreamToken(`qst_7.${Number(expires) + 3600}.${signature}`, key.hash, issuedAt)).toBe("invalid");
  });

  it("refuse other shapes, keys included, and ids beyond a serial", () => {
    for (const text of ["", key.key, "qst_", "qst_1.2.short", `qst_99999999999.1.${"a".repeat(43)}`])
      expect(streamTokenKeyId(text), text).toBeNull();
    expect(streamTokenKeyId(`qst_2147483648.1.${"a".repeat(43)}`)).toBeNull();
    expect(checkStreamToken(key.key, key.hash, issuedAt)).toBe("invalid");
  });

  it("are accepted on GET of the stream routes only", () => {
    expect(acceptsStreamToken({ method: "GET", path: "/api/v1/stream/quotes" })).toBe(true);
    expect(acceptsStreamToken({ method: "get", path: "/API/v1//ws/" })).toBe(true);
    expect(acceptsStreamToken({ method: "POST", path: "/api/v1/stream/quotes" })).toBe(false);
    expect(acceptsStreamToken({ method: "GET", path: "/api/v1/stream/tokens" })).toBe(false);
    expect(acceptsStreamToken({ method: "GET", path: "/api/v1/realtime/stock/600519" })).toBe(false);
  });
});
