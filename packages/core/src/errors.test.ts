import { describe, expect, it } from "vitest";
import { ERROR_CODES, httpStatusFor, InputError, QuantDbError } from "./errors.ts";

describe("error codes", () => {
  it("lists each code once, each with a 4xx or 5xx status", () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) expect(httpStatusFor(code), code).toBeGreaterThanOrEqual(400);
    expect(ERROR_CODES.filter((code) => httpStatusFor(code) >= 500)).toEqual([
      "UPSTREAM_UNAVAILABLE",
      "UPSTREAM_TIMEOUT",
      "UPSTREAM_INVALID",
      "DATABASE_UNAVAILABLE",
      "MIGRATIONS_PENDING",
      "INTERNAL_ERROR",
    ]);
  });

  it("gives errors the status of their code", () => {
    expect(new InputError("INVALID_DATE", "Invalid start_date").status).toBe(400);
    expect(new QuantDbError("CALENDAR_CONFLICT", "disagrees").status).toBe(409);
  });
});
