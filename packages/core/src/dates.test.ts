import { describe, expect, it } from "vitest";
import { addCalendarDays, instantAt, localTime, oneYearBefore, parseDateInput } from "./dates.ts";

describe("dates", () => {
  it("parses both accepted forms and rejects impossible dates", () => {
    expect(parseDateInput("20240102")).toBe("2024-01-02");
    expect(parseDateInput("2024-01-02")).toBe("2024-01-02");
    expect(parseDateInput("20240231")).toBeNull();
    expect(parseDateInput("2024-13-01")).toBeNull();
    expect(parseDateInput("2024/01/02")).toBeNull();
    expect(parseDateInput("")).toBeNull();
  });
  it("does calendar arithmetic without time-zone drift", () => {
    expect(addCalendarDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addCalendarDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(oneYearBefore("2024-02-29")).toBe("2023-02-28");
  });
  it("reads exchange wall clocks", () => {
    const instant = new Date("2026-11-20T16:30:00Z");
    expect(localTime(instant, "Asia/Shanghai")).toEqual({ date: "2026-11-21", time: "00:30" });
    expect(instantAt("2026-11-20", "15:00", "Asia/Shanghai").toISOString()).toBe("2026-11-20T07:00:00.000Z");
  });
});
