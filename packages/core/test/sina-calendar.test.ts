/**
 * Sina's trading-date list decoder (`decodeSinaTradeDates`) on the recorded 2023 body
 * (test/fixtures/calendar/sina_klc_td_sh_2023.txt): against the bundled CN calendar and AKShare's
 * calendar.json day for day, the spot checks of docs/upstream-spec.md §8.1, and malformed bodies.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  addSinaMissingTradeDates,
  cnExtensionFromSinaDates,
  decodeSinaTradeDates,
  getCalendar,
  SINA_MISSING_TRADE_DATES,
} from "../src/calendar/index.ts";
import { UpstreamError } from "../src/errors.ts";
import type { IsoDate } from "../src/dates.ts";

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/calendar/${name}`, import.meta.url), "utf8");

const BODY = fixture("sina_klc_td_sh_2023.txt");
const PAYLOAD = /="([^"]*)"/.exec(BODY)?.[1] ?? "";
const withPayload = (payload: string): string => `var datelist="${payload}";var KLC_TD_SH=datelist;`;

const decoded = decodeSinaTradeDates(BODY);
const bundled = getCalendar("CN").sessionsBetween("1990-12-19", "2023-12-29");
const akshare: IsoDate[] = (JSON.parse(fixture("akshare_calendar.json")) as string[])
  .map((d) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`)
  .filter((d) => d <= "2023-12-29");

describe("the fixture", () => {
  it("is the recorded body with a 425-character payload", () => {
    expect(BODY.startsWith('var datelist="LC/AAAf8')).toBe(true);
    expect(BODY.endsWith('gj/";var KLC_TD_SH=datelist;')).toBe(true);
    expect(PAYLOAD).toHaveLength(425);
  });
});

describe("decodeSinaTradeDates on the recorded 2023 list", () => {
  it("decodes to 8,069 ascending weekdays, 1990-12-19 … 2023-12-29", () => {
    expect(decoded).toHaveLength(8069);
    expect(decoded[0]).toBe("1990-12-19");
    expect(decoded.at(-1)).toBe("2023-12-29");
    for (let i = 1; i < decoded.length; i++) expect(decoded[i - 1]! < decoded[i]!).toBe(true);
    const weekend = decoded.filter((d) => [0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()));
    expect(weekend).toEqual([]);
  });

  it("starts with the first run of 9 dates, then skips 1991-01-01", () => {
    expect(decoded.slice(0, 10)).toEqual([
      "1990-12-19",
      "1990-12-20",
      "1990-12-21",
      "1990-12-24",
      "1990-12-25",
      "1990-12-26",
      "1990-12-27",
      "1990-12-28",
      "1990-12-31",
      "1991-01-02",
    ]);
  });

  it("lacks only 1992-05-04, compared with the bundled CN calendar", () => {
    expect(decoded).not.toContain("1992-05-04");
    const listed = new Set(decoded);
    expect(bundled.filter((d) => !listed.has(d))).toEqual(["1992-05-04"]);
  });

  it("plus 1992-05-04 equals the bundled CN calendar date for date", () => {
    const fixed = addSinaMissingTradeDates(decoded);
    expect(fixed).toHaveLength(8070);
    expect(fixed).toEqual(bundled);
  });

  it("plus 1992-05-04 equals AKShare's calendar.json over 1990-12-19 … 2023-12-29", () => {
    expect(akshare).toHaveLength(8070);
    expect(addSinaMissingTradeDates(decoded)).toEqual(akshare);
  });

  it.each([
    ["1991-01-01", false],
    ["2023-01-02", false],
    ["2023-01-20", true],
    ["2023-01-23", false],
    ["2023-01-24", false],
    ["2023-01-25", false],
    ["2023-01-26", false],
    ["2023-01-27", false],
    ["2023-01-30", true],
    ["2023-09-29", false],
    ["2023-10-06", false],
    ["2023-10-09", true],
  ])("spot check: %s trading = %s", (date, trading) => {
    expect(decoded.includes(date)).toBe(trading);
  });

  it.each([
    [2022, 242],
    [2023, 242],
  ])("has %i sessions in %i", (year, count) => {
    expect(decoded.filter((d) => d.startsWith(`${year}-`))).toHaveLength(count);
  });

  it("does not depend on the process time zone", () => {
    const saved = process.env["TZ"];
    try {
      for (const zone of ["America/Los_Angeles", "Pacific/Kiritimati", "Asia/Shanghai"]) {
        process.env["TZ"] = zone;
        expect(decodeSinaTradeDates(BODY)).toEqual(decoded);
      }
    } finally {
      if (saved === undefined) delete process.env["TZ"];
      else process.env["TZ"] = saved;
    }
  });
});

describe("addSinaMissingTradeDates", () => {
  it("adds 1992-05-04 once, sorted, without touching its input", () => {
    const input = ["1992-05-05", "1992-04-30"];
    expect(addSinaMissingTradeDates(input)).toEqual(["1992-04-30", "1992-05-04", "1992-05-05"]);
    expect(input).toEqual(["1992-05-05", "1992-04-30"]);
    expect(addSinaMissingTradeDates(["1992-05-04"])).toEqual(["1992-05-04"]);
    expect(SINA_MISSING_TRADE_DATES).toEqual(["1992-05-04"]);
  });
});

describe("decodeSinaTradeDates rejects what is not a date list", () => {
  const rejects = (body: string, message: RegExp): void => {
    expect(() => decodeSinaTradeDates(body)).toThrow(message);
    try {
      decodeSinaTradeDates(body);
    } catch (error) {
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).code).toBe("UPSTREAM_INVALID");
    }
  };

  it("an HTML ban or captcha page, even one with attribute values in quotes", () => {
    rejects("<html><head><title>403 Forbidden</title></head><body>禁止访问</body></html>", /HTML/);
    rejects('<!DOCTYPE html>\n<html lang="zh-CN"><meta charset="utf-8"><body>验证码</body></html>', /HTML/);
    rejects(`\n  <html><script>var datelist="${PAYLOAD}";</script></html>`, /HTML/);
  });

  it('a body without ="…" and an empty payload', () => {
    rejects("", /no `="…"` payload/);
    rejects("var datelist=;var KLC_TD_SH=datelist;", /no `="…"` payload/);
    rejects('var datelist="";var KLC_TD_SH=datelist;', /empty payload/);
  });

  it("characters outside the base64 alphabet", () => {
    rejects(withPayload(`${PAYLOAD.slice(0, 100)}-${PAYLOAD.slice(101)}`), /"-" at 100 is not base64/);
    rejects(withPayload(`${PAYLOAD} `), /is not base64/);
  });

  it("another format id (the first 12 bits) or flags above 1", () => {
    expect(PAYLOAD.slice(0, 3)).toBe("LC/"); // 11 + 2·64 = 139; flags = 63 ^ 63 = 0
    rejects(withPayload(`LD${PAYLOAD.slice(2)}`), /format id 203, expected 139/);
    rejects(withPayload(`HX${PAYLOAD.slice(2)}`), /format id 1479/); // the OHLCV branch
    rejects(withPayload(`LCA${PAYLOAD.slice(3)}`), /unsupported flags 63/);
    expect(decodeSinaTradeDates(withPayload(`LC+${PAYLOAD.slice(3)}`))).toEqual(decoded); // flags 1 is accepted
  });

  it("a payload too short for its header (under 7 characters)", () => {
    for (let length = 1; length < 7; length++)
      rejects(withPayload(PAYLOAD.slice(0, length)), /too short for its header/);
  });
});

describe("truncated payloads (7 characters or more)", () => {
  it("decode without throwing, to a list that differs from the bundled calendar", () => {
    // Every short and every near-complete cut, and every fifth one between (all 418 lengths take
    // seconds on a loaded machine without telling more).
    const lengths = [...Array(PAYLOAD.length).keys()].filter(
      (n) => n >= 7 && (n < 30 || n > PAYLOAD.length - 30 || n % 5 === 0),
    );
    for (const length of lengths) {
      const dates = decodeSinaTradeDates(withPayload(PAYLOAD.slice(0, length)));
      expect(dates.length).toBeGreaterThan(0);
      // Cut at 423 the NaN run fills 2023's last weekdays, which happen to be all trading days.
      // Joined strings keep 400+ comparisons of 8,000-element arrays fast.
      if (length === 423) expect(dates.join()).toBe(decoded.join());
      else expect(addSinaMissingTradeDates(dates).join(), `truncated to ${length}`).not.toBe(bundled.join());
    }
  });

  it("fill the rest up to the header's last day as Sina's decoder does", () => {
    // Exhausted with a non-zero run width: NaN run, every later weekday counts as trading.
    const nanRun = decodeSinaTradeDates(withPayload(PAYLOAD.slice(0, 401)));
    expect(nanRun.at(-1)).toBe("2023-12-29");
    expect(nanRun).toHaveLength(8096);
    expect(nanRun).toContain("2023-10-06"); // a holiday, now listed as trading
    expect(nanRun.slice(0, 7000)).toEqual(decoded.slice(0, 7000));
    // Exhausted while the run width is 0 (inside a holiday cluster): every later weekday is a holiday.
    const zeroWidth = decodeSinaTradeDates(withPayload(PAYLOAD.slice(0, 400)));
    expect(zeroWidth.at(-1)).toBe("2022-04-01");
    expect(zeroWidth).toEqual(decoded.filter((d) => d <= "2022-04-01"));
  });

  it("are refused by cnExtensionFromSinaDates, which compares them with the past", () => {
    for (const length of [7, 10, 100, 300, 400, 401, 424]) {
      const dates = decodeSinaTradeDates(withPayload(PAYLOAD.slice(0, length)));
      expect(() => cnExtensionFromSinaDates(dates), `truncated to ${length}`).toThrow(/would rewrite the past/);
    }
  });
});
