/**
 * The HTTP guards over real HTTP: CORS allow-list (simple and preflight), size limits (414, 413),
 * security headers (and /docs still served), X-Request-Id round trip, the request log (no client IP
 * unless configured, X-Forwarded-For only behind a trusted proxy), and no internals in error
 * responses. Rate limits are in rate-limit.test.ts.
 */
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { isEnvelope, guardedSuite } from "./security-harness.ts";

const SESSION = "/api/v1/calendar/CN/sessions/20240209";
const batch = (symbols: string[]): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ symbols, start_date: "20240102", end_date: "20240105" }),
});

describe.each(testDrivers())("HTTP guards on %s", (driver) => {
  const suite = guardedSuite(driver);
  const start = suite.start;

  describe("CORS", () => {
    it("allows the listed origins, simple and preflight, and nothing else", async () => {
      const api = await start({ corsOrigins: ["http://localhost:3000"] });
      const allowed = await api.get(SESSION, { headers: { origin: "http://localhost:3000" } });
      expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
      expect(allowed.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
      expect(allowed.headers.get("vary")).toContain("Origin");

      const denied = await api.get(SESSION, { headers: { origin: "https://evil.example" } });
      expect(denied.status).toBe(200); // the browser, not the server, withholds the body
      expect(denied.headers.get("access-control-allow-origin")).toBeNull();

      const preflight = await api.get("/api/v1/cache/clear", {
        method: "OPTIONS",
        headers: {
          origin: "http://localhost:3000",
          "access-control-request-method": "DELETE",
          "access-control-request-headers": "authorization",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
      expect(preflight.headers.get("access-control-allow-methods")).toContain("DELETE");
      expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");

      const deniedPreflight = await api.get("/api/v1/cache/clear", {
        method: "OPTIONS",
        headers: { origin: "https://evil.example", "access-control-request-method": "DELETE" },
      });
      expect(deniedPreflight.headers.get("access-control-allow-origin")).toBeNull();
    });

    it("answers requests without Origin (not from a browser page elsewhere) with Vary, no CORS headers", async () => {
      const api = await start({ corsOrigins: ["http://localhost:3000"] });
      const plain = await api.get(SESSION);
      expect(plain.status).toBe(200);
      expect(plain.headers.get("access-control-allow-origin")).toBeNull();
      expect(plain.headers.get("vary")).toBe("Origin, Accept-Encoding");
      const gzip = await fetch(
        api.url + "/api/v1/historical/stock/600519?start_date=20240102&end_date=20240329&adjust=qfq",
        {
          headers: { "accept-encoding": "gzip" },
        },
      );
      expect(gzip.headers.get("content-encoding")).toBe("gzip");
      expect(gzip.headers.get("vary")).toBe("Origin, Accept-Encoding"); // not repeated by compression
    });

    it("allows any origin only when '*' is configured", async () => {
      const api = await start({ corsOrigins: ["*"] });
      expect(
        (await api.get(SESSION, { headers: { origin: "https://anywhere.example" } })).headers.get(
          "access-control-allow-origin",
        ),
      ).toBe("*");
    });
  });

  describe("size limits", () => {
    it("answers 414 URI_TOO_LONG for a long query, 413 PAYLOAD_TOO_LARGE for a big body, in the envelope", async () => {
      const api = await start({ maxUrlLength: 512, maxBodyBytes: 2048 });
      const long = await api.get(`/api/v1/historical/stock/600519?start_date=20240102&pad=${"x".repeat(600)}`);
      expect(long.status).toBe(414);
      expect(isEnvelope(long.body, 414)).toBe(true);
      expect(long.body.error.code).toBe("URI_TOO_LONG");

      const symbols = Array.from({ length: 400 }, (_, i) => String(600000 + i));
      const declared = await api.get("/api/v1/batch/stocks", batch(symbols));
      expect(declared.status).toBe(413);
      expect(isEnvelope(declared.body, 413)).toBe(true);
      expect(declared.body.error.code).toBe("PAYLOAD_TOO_LARGE");

      // a chunked body (no Content-Length) is counted while it streams
      const chunked = await api.get("/api/v1/batch/stocks", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new Blob([JSON.stringify({ symbols })]).stream(),
        duplex: "half",
      } as RequestInit);
      expect(chunked.status).toBe(413);
      expect(isEnvelope(chunked.body, 413)).toBe(true);
      expect(suite.system.replay.requestCount()).toBe(0);
    });
  });

  describe("headers and ids", () => {
    it("sends security headers on data, error and docs responses, and /docs still renders Swagger UI", async () => {
      const api = await start({ auth: "admin" });
      for (const path of [SESSION, "/no/such/path", "/docs", "/openapi.json"]) {
        const r = await api.get(path);
        expect(r.headers.get("x-content-type-options"), path).toBe("nosniff");
        expect(r.headers.get("x-frame-options"), path).toBe("SAMEORIGIN");
        expect(r.headers.get("referrer-policy"), path).toBe("no-referrer");
        expect(r.headers.get("strict-transport-security"), path).toMatch(/max-age=\d+/);
        // the server's own time on the request, for clients and benchmarks
        expect(r.headers.get("server-timing"), path).toMatch(/^total;dur=\d+(\.\d+)?;desc="QuantDB"$/);
      }
      const docs = await api.get("/docs");
      expect(docs.status).toBe(200);
      expect(docs.text).toContain("/swagger-ui-bundle.js"); // the files it loads: docs.test.ts
      expect(docs.text).toContain('<script src="/docs/init.js">');
      const unauthorized = await api.get("/api/v1/cache/clear", { method: "DELETE" });
      expect(unauthorized.headers.get("x-content-type-options")).toBe("nosniff");
    });

    it("returns a well-formed incoming X-Request-Id, else makes one; logs it, one JSON line per request", async () => {
      const api = await start({}, { captureLog: true });
      const echoed = await api.get(SESSION, { headers: { "x-request-id": "trace-abc_123" } });
      expect(echoed.headers.get("x-request-id")).toBe("trace-abc_123");
      const made = await api.get("/no/such/path", { headers: { "x-request-id": "bad id with spaces <script>" } });
      expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(made.body.error.code).toBe("NOT_FOUND");

      await new Promise((r) => setTimeout(r, 50));
      const lines = api.logLines.filter((l) => l.msg === "request");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatchObject({
        level: 30,
        req_id: "trace-abc_123",
        method: "GET",
        route: "/api/v1/calendar/:market/sessions/:date",
        status: 200,
        service: "quantdb-api",
      });
      expect(typeof lines[0]!.duration_ms).toBe("number");
      expect(lines[1]).toMatchObject({ req_id: made.headers.get("x-request-id"), route: "unmatched", status: 404 });
      // no client IP unless configured
      for (const line of api.logLines) expect(JSON.stringify(line)).not.toContain("127.0.0.1");
    });

    it("logs the client IP only when configured, and X-Forwarded-For's only behind a trusted proxy", async () => {
      const plain = await start({ logClientIp: true }, { captureLog: true });
      await plain.get(SESSION, { headers: { "x-forwarded-for": "203.0.113.9" } });
      const proxied = await start({ logClientIp: true, trustProxy: 1 }, { captureLog: true });
      await proxied.get(SESSION, { headers: { "x-forwarded-for": "203.0.113.9" } });
      await new Promise((r) => setTimeout(r, 50));
      expect(plain.logLines.find((l) => l.msg === "request")).toMatchObject({
        client_ip: expect.stringMatching(/127\.0\.0\.1/),
      });
      expect(proxied.logLines.find((l) => l.msg === "request")).toMatchObject({ client_ip: "203.0.113.9" });
    });

    it("never shows a stack trace, message or path of an unexpected error", async () => {
      const api = await start({}, { captureLog: true });
      api.app.get("/__boom", () => {
        throw new Error(
          "ENOENT: open '/srv/quantdb/packages/server/src/secret.ts' " +
            "at Object.<anonymous> (/srv/quantdb/node_modules/x.js:1:1)",
        );
      });
      const r = await api.get("/__boom");
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: { code: "INTERNAL_ERROR", message: "Internal server error", status: 500 } });
      expect(r.text).not.toMatch(/\/srv\/quantdb|node_modules|\bat \w|ENOENT/);
      await new Promise((r) => setTimeout(r, 50));
      expect(api.logLines.some((l) => l.msg === "unhandled error" && JSON.stringify(l).includes("secret.ts"))).toBe(
        true,
      ); // the log keeps it
    });
  });
});
