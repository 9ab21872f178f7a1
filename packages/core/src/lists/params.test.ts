import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import { parseAssetQuery, parseStockListQuery } from "./params.ts";

function validationError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe("VALIDATION_ERROR");
    return error as InputError;
  }
  throw new Error("expected VALIDATION_ERROR");
}

describe("parseStockListQuery", () => {
  it("requires a market, accepts any case, trims q and defaults to every row", () => {
    expect(parseStockListQuery({ market: " hk ", q: "  腾讯 " })).toEqual({
      market: "HK",
      q: "腾讯",
      limit: undefined,
      offset: 0,
    });
    expect(parseStockListQuery({ market: "SZ", limit: "100", offset: "200", q: "" })).toEqual({
      market: "SZ",
      q: undefined,
      limit: 100,
      offset: 200,
    });
  });

  it("rejects a missing or unknown market and bad paging", () => {
    expect(validationError(() => parseStockListQuery({})).details).toMatchObject({
      accepted: ["SH", "SZ", "BJ", "HK"],
    });
    for (const input of [
      { market: "CN" },
      { market: "SH", limit: "0" },
      { market: "SH", limit: "1e3" },
      { market: "SH", limit: "10001" },
      { market: "SH", offset: "-1" },
      { market: "SH", q: "x".repeat(51) },
    ]) {
      validationError(() => parseStockListQuery(input));
    }
  });
});

describe("parseAssetQuery", () => {
  it("defaults to every market and kind, 50 per page", () => {
    expect(parseAssetQuery({})).toEqual({ market: undefined, kind: undefined, q: undefined, limit: 50, offset: 0 });
    expect(parseAssetQuery({ market: "bj", kind: "Stock", limit: "500", offset: "3", q: "83" })).toEqual({
      market: "BJ",
      kind: "stock",
      q: "83",
      limit: 500,
      offset: 3,
    });
  });

  it("rejects limits outside 1..500, negative offsets, unknown markets and kinds", () => {
    for (const input of [
      { limit: "0" },
      { limit: "501" },
      { limit: "ten" },
      { offset: "-5" },
      { market: "US" },
      { kind: "fund" },
    ])
      validationError(() => parseAssetQuery(input));
    expect(validationError(() => parseAssetQuery({ limit: "501" })).message).toContain("limit");
  });

  it("rejects a q holding a control character (NUL cannot reach PostgreSQL), naming q and the character", () => {
    for (const q of ["\u0000", "60\u00000", "茅\u0007台", "a\u007f", "a\u0085b", "x\ny"]) {
      const error = validationError(() => parseAssetQuery({ q }));
      expect(error.message).toMatch(/^Invalid q: contains the control character U\+00[0-9A-F]{2}/);
      expect(error.details).toEqual({ q });
      validationError(() => parseStockListQuery({ market: "SH", q }));
    }
    expect(validationError(() => parseAssetQuery({ q: "\u0000" })).message).toContain("U+0000");
    // Surrounding whitespace (tabs, newlines) is trimmed, not refused.
    expect(parseAssetQuery({ q: "\t600519\n" }).q).toBe("600519");
  });
});
