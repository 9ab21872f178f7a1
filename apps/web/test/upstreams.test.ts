import { describe, expect, it } from "vitest";
import { upstreamsOf } from "../src/lib/upstreams.ts";

describe("upstreamsOf", () => {
  it("reads details.upstreams in camelCase, deriving reachability from the circuit", () => {
    const health = {
      status: "ok",
      details: {
        upstreams: [
          {
            host: "push2his.eastmoney.com",
            circuit: "closed",
            lastError: null,
            lastErrorAt: null,
            calls: { ok: 12, failed: 0, retried: 1, rejected: 0 },
          },
          {
            host: "push2.eastmoney.com",
            circuit: "open",
            lastError: "UPSTREAM_TIMEOUT: no answer in 10 s",
            lastErrorAt: "2026-11-20T12:00:00.000Z",
          },
          { host: "finance.sina.com.cn", circuit: "half-open", lastError: null, lastErrorAt: null, reachable: true },
        ],
      },
    };
    expect(upstreamsOf(health)).toEqual([
      {
        host: "push2his.eastmoney.com",
        circuit: "closed",
        reachable: true,
        lastError: null,
        lastErrorAt: null,
        calls: { ok: 12, failed: 0, retried: 1, rejected: 0 },
      },
      {
        host: "push2.eastmoney.com",
        circuit: "open",
        reachable: false,
        lastError: "UPSTREAM_TIMEOUT: no answer in 10 s",
        lastErrorAt: "2026-11-20T12:00:00.000Z",
        calls: null,
      },
      {
        host: "finance.sina.com.cn",
        circuit: "half-open",
        reachable: true,
        lastError: null,
        lastErrorAt: null,
        calls: null,
      },
    ]);
  });

  it("accepts snake_case, a state field and an error object", () => {
    expect(
      upstreamsOf({
        upstreams: [
          {
            host: "h",
            state: "HALF_OPEN",
            last_error: { code: "UPSTREAM_UNAVAILABLE", message: "reset" },
            last_error_at: "t",
          },
        ],
      }),
    ).toEqual([
      {
        host: "h",
        circuit: "half-open",
        reachable: true,
        lastError: "UPSTREAM_UNAVAILABLE: reset",
        lastErrorAt: "t",
        calls: null,
      },
    ]);
  });

  it("is null when the answer reports no upstreams", () => {
    expect(upstreamsOf({ status: "ok", database: "pglite", time: "x" })).toBeNull();
    expect(upstreamsOf({ details: {} })).toBeNull();
    expect(upstreamsOf(null)).toBeNull();
    expect(upstreamsOf({ details: { upstreams: [] } })).toEqual([]);
  });
});
