import { describe, expect, it } from "vitest";
import { getCalendar } from "../calendar/index.ts";
import { missingRuns } from "./planner.ts";

const cn = getCalendar("CN");

describe("missingRuns", () => {
  it("asks for the whole range when nothing is held", () => {
    const sessions = cn.sessionsBetween("2024-01-01", "2024-01-31");
    expect(missingRuns(sessions, [])).toEqual([{ start: "2024-01-02", end: "2024-01-31" }]);
  });

  it("asks only for the sessions outside held spans, one run per contiguous gap", () => {
    const sessions = cn.sessionsBetween("2024-01-01", "2024-03-31");
    const held = [
      { start: "2024-02-01", end: "2024-02-29" },
      { start: "2024-01-02", end: "2024-01-10" },
    ];
    expect(missingRuns(sessions, held)).toEqual([
      { start: "2024-01-11", end: "2024-01-31" },
      { start: "2024-03-01", end: "2024-03-29" },
    ]);
  });

  it("treats a span ending before a holiday and one starting after it as contiguous", () => {
    // 2024-02-08 is the last session before Spring Festival, 2024-02-19 the first after
    const sessions = cn.sessionsBetween("2024-02-01", "2024-02-29");
    expect(
      missingRuns(sessions, [
        { start: "2024-02-01", end: "2024-02-08" },
        { start: "2024-02-19", end: "2024-02-29" },
      ]),
    ).toEqual([]);
  });

  it("needs nothing for a range without sessions", () => {
    expect(missingRuns(cn.sessionsBetween("2024-02-10", "2024-02-18"), [])).toEqual([]);
  });

  it("handles overlapping and nested held spans", () => {
    const sessions = cn.sessionsBetween("2024-01-02", "2024-01-12");
    const held = [
      { start: "2024-01-01", end: "2024-01-05" },
      { start: "2024-01-03", end: "2024-01-04" },
      { start: "2024-01-04", end: "2024-01-08" },
    ];
    expect(missingRuns(sessions, held)).toEqual([{ start: "2024-01-09", end: "2024-01-12" }]);
  });
});
