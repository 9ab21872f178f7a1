import { describe, expect, it } from "vitest";
import { addMonths, DEFAULT_TIME_ZONE, todayLocal } from "../src/lib/dates.ts";

describe("todayLocal", () => {
  it("is the exchange-local date of the first market (A-shares) by default", () => {
    expect(DEFAULT_TIME_ZONE).toBe("Asia/Shanghai");
    // 16:30 UTC is already the next day in Shanghai (UTC+8)
    expect(todayLocal(new Date("2026-12-01T16:30:00Z"))).toBe("2026-12-02");
    expect(todayLocal(new Date("2026-12-01T15:59:59Z"))).toBe("2026-12-01");
  });

  it("follows the time zone it is given", () => {
    expect(todayLocal(new Date("2026-12-01T16:30:00Z"), "UTC")).toBe("2026-12-01");
    expect(todayLocal(new Date("2026-12-01T16:30:00Z"), "Asia/Hong_Kong")).toBe("2026-12-02");
  });
});

describe("addMonths", () => {
  it("clamps the day to the month's end", () => {
    expect(addMonths("2024-03-31", -1)).toBe("2024-02-29");
  });
});
