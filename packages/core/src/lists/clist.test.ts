import { describe, expect, it, vi } from "vitest";
import { UpstreamError } from "../errors.ts";
import { CLIST_FS, EastmoneyListClient, isConstituentIndex, parseClistPage, parseClistRow } from "./clist.ts";

// A real clist row (fltt=2), key order verbatim, as quoted in docs/upstream-spec.md §12 item 4.
const RECORDED_ROW =
  '{"f1":2,"f2":21.95,"f3":-12.2,"f4":-3.05,"f5":153195,"f6":347539808.0,"f7":10.8,"f8":38.39,"f9":45.28,"f10":0.67,' +
  '"f11":-0.45,"f12":"300978","f13":0,"f14":"C东箭","f15":24.6,"f16":21.9,"f17":24.0,"f18":25.0,"f20":9278325121,' +
  '"f21":875910492,"f22":-0.14,"f23":5.58,"f24":160.69,"f25":160.69,"f62":-71936162.0,"f115":43.71,"f128":"-",' +
  '"f140":"-","f141":"-","f136":"-","f152":2}';
const envelope = (data: string) =>
  `{"rc":0,"rt":6,"svr":183641822,"lt":1,"full":1,"dlmkts":"","dsc":"0","data":${data}}`;

function expectInvalid(fn: () => unknown, message?: RegExp): UpstreamError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe("UPSTREAM_INVALID");
    if (message) expect((error as Error).message).toMatch(message);
    return error as UpstreamError;
  }
  throw new Error("expected UPSTREAM_INVALID");
}

describe("parseClistPage", () => {
  it("maps the recorded row by key name, lots to shares", () => {
    const page = parseClistPage(envelope(`{"total":4457,"diff":[${RECORDED_ROW}]}`), "SZ");
    expect(page.total).toBe(4457);
    expect(page.rows).toEqual([
      {
        symbol: "300978",
        name: "C东箭",
        price: 21.95,
        pct_change: -12.2,
        change: -3.05,
        volume: 15_319_500,
        amount: 347539808,
        turnover_rate: 38.39,
        pe_ratio: 45.28,
        pe_ttm: 43.71,
        pb_ratio: 5.58,
        market_cap: 9278325121,
        float_market_cap: 875910492,
        open: 24.0,
        high: 24.6,
        low: 21.9,
        prev_close: 25.0,
        amplitude: 10.8,
        volume_ratio: 0.67,
        change_speed: -0.14,
        change_5min: -0.45,
        change_60d: 160.69,
        change_ytd: 160.69,
      },
    ]);
  });

  it("does not depend on key order, accepts diff as an object keyed 0,1,… and a JSONP wrapper", () => {
    const shuffled = JSON.stringify(
      Object.fromEntries(Object.entries(JSON.parse(RECORDED_ROW) as Record<string, unknown>).reverse()),
    );
    const other = '{"f12":"300979","f14":"X","f2":"-","f5":"-"}';
    const page = parseClistPage(`cb(${envelope(`{"total":2,"diff":{"1":${other},"0":${shuffled}}}`)});`, "SZ");
    expect(page.rows.map((r) => r.symbol)).toEqual(["300978", "300979"]);
    expect(page.rows[0]).toEqual(parseClistPage(envelope(`{"total":1,"diff":[${RECORDED_ROW}]}`), "SZ").rows[0]);
    expect(page.rows[1]).toMatchObject({ name: "X", price: null, volume: null, market_cap: null });
  });

  it('turns "-" into null and keeps HK volume in shares', () => {
    const row = {
      f12: "00700",
      f14: "腾讯控股",
      f2: 290.0,
      f5: 11929044,
      f6: "-",
      f8: "-",
      f9: "-",
      f115: "-",
      f20: 2615785000000,
      f21: "-",
    };
    const entry = parseClistRow(row, "HK");
    expect(entry).toMatchObject({
      symbol: "00700",
      price: 290,
      volume: 11929044,
      amount: null,
      turnover_rate: null,
      pe_ratio: null,
      pe_ttm: null,
      float_market_cap: null,
    });
  });

  it("reads P/E TTM from f115 apart from the dynamic P/E of f9, and rejects a non-numeric f115", () => {
    // hand-built rows (not recorded): f115 and f9 carry different values so a swap would show
    const page = parseClistPage(
      envelope(
        '{"total":2,"diff":[{"f12":"600519","f14":"贵州茅台","f2":1489.22,"f9":22.61,"f115":21.87},' +
          '{"f12":"600000","f14":"浦发银行","f2":8.1,"f9":6.02,"f115":"-"}]}',
      ),
      "SH",
    );
    expect(page.rows.map((r) => [r.symbol, r.pe_ratio, r.pe_ttm])).toEqual([
      ["600519", 22.61, 21.87],
      ["600000", 6.02, null],
    ]);
    expectInvalid(() => parseClistRow({ f12: "600519", f14: "贵州茅台", f115: "n/a" }, "SH"), /f115/);
  });

  it("gives no rows for data:null (a page past the end)", () => {
    expect(parseClistPage(envelope("null"), "SH")).toEqual({ total: 0, rows: [] });
  });

  it("rejects bodies that are not a list page", () => {
    expectInvalid(() => parseClistPage("<html>captcha</html>", "SH"), /HTML/);
    expectInvalid(() => parseClistPage('{"rc":0,"data":{"tot', "SH"), /not JSON/);
    expectInvalid(() => parseClistPage('{"rc":102,"data":null}', "SH"), /rc=102/);
    expectInvalid(() => parseClistPage(envelope('{"diff":[]}'), "SH"), /total/);
    expectInvalid(() => parseClistPage(envelope('{"total":1,"diff":"x"}'), "SH"), /diff/);
  });

  it("rejects rows without a code of the requested market, bad numbers and repeated codes", () => {
    expectInvalid(() => parseClistRow({ f14: "no code" }, "SH"), /not a SH stock code/);
    expectInvalid(() => parseClistRow({ f12: "000001", f14: "平安银行" }, "SH"), /not a SH stock code/);
    expectInvalid(() => parseClistRow({ f12: "830799", f14: "艾融软件" }, "SZ"), /not a SZ stock code/);
    expectInvalid(() => parseClistRow({ f12: "600519", f2: "abc" }, "SH"), /non-numeric f2/);
    expectInvalid(() => parseClistRow({ f12: "600519", f14: 5 }, "SH"), /f14 is not text/);
    expectInvalid(
      () => parseClistPage(envelope('{"total":2,"diff":[{"f12":"600519"},{"f12":"600519"}]}'), "SH"),
      /twice/,
    );
    expect(parseClistRow({ f12: "920002", f14: "万达轴承" }, "BJ").symbol).toBe("920002");
  });
});

/** A fake clist upstream: `pages[n-1]` is the body of page n (or an Error to throw). */
function fakeFetch(pages: (string | Error)[], seen: URL[]): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    seen.push(url);
    const body = pages[Number(url.searchParams.get("pn")) - 1];
    if (body instanceof Error) throw body;
    return new Response(body ?? envelope("null"), { status: 200 });
  }) as typeof fetch;
}

const rows = (codes: string[]) => codes.map((code) => `{"f12":"${code}","f14":"S${code}","f2":1.5,"f5":10}`).join(",");
const page = (total: number, codes: string[]) => envelope(`{"total":${total},"diff":[${rows(codes)}]}`);

describe("EastmoneyListClient.fetchStockList", () => {
  it("requests every page in order with the documented parameters and returns rows in code order", async () => {
    const seen: URL[] = [];
    const client = new EastmoneyListClient({
      baseUrl: "http://upstream.test/",
      fetch: fakeFetch([page(5, ["920002", "873833"]), page(5, ["873806", "873727"]), page(5, ["830799"])], seen),
    });
    const scan = await client.fetchStockList("BJ");
    expect(scan.pages).toBe(3);
    expect(scan.rows.map((r) => r.symbol)).toEqual(["830799", "873727", "873806", "873833", "920002"]);
    expect(scan.rows[0]).toMatchObject({ volume: 1000 });
    expect(seen.map((u) => u.searchParams.get("pn"))).toEqual(["1", "2", "3"]);
    expect(seen[0]!.pathname).toBe("/api/qt/clist/get");
    expect(Object.fromEntries(seen[0]!.searchParams)).toMatchObject({
      pz: "100",
      po: "1",
      np: "1",
      fltt: "2",
      invt: "2",
      fid: "f12",
      fs: CLIST_FS.BJ,
    });
    expect(seen[0]!.searchParams.get("fields")!.split(",")).toEqual(
      expect.arrayContaining(["f9", "f12", "f14", "f23", "f115"]),
    );
  });

  it("lists an index's constituents from its board, rows of SH, SZ and BJ on one page", async () => {
    const seen: URL[] = [];
    const client = new EastmoneyListClient({
      baseUrl: "http://upstream.test/",
      fetch: fakeFetch([page(3, ["600519", "000001"]), page(3, ["830799"])], seen),
    });
    const scan = await client.fetchIndexConstituents("000300");
    expect(scan).toMatchObject({ index: "000300", pages: 2 });
    expect(scan.rows.map((r) => r.symbol)).toEqual(["000001", "600519", "830799"]);
    // lots → shares per row's own market (every A-share market trades in lots of 100)
    expect(scan.rows.map((r) => r.volume)).toEqual([1000, 1000, 1000]);
    expect(seen.map((u) => u.searchParams.get("fs"))).toEqual(["b:BK0500", "b:BK0500"]);
    expect(isConstituentIndex("000905")).toBe(true);
    expect(isConstituentIndex("000001")).toBe(false);
    // an HK code is no constituent of a CN index
    const hk = new EastmoneyListClient({
      baseUrl: "http://upstream.test/",
      fetch: fakeFetch([page(1, ["00700"])], []),
    });
    await expect(hk.fetchIndexConstituents("000016")).rejects.toThrow(/not a A stock code/);
  });

  it("fails the whole scan if a later page fails, is empty, changes the total or the codes do not add up", async () => {
    const reset = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });
    const cases: [string, (string | Error)[], RegExp][] = [
      ["page 2 reset", [page(3, ["830799", "873727"]), reset], /could not be reached/],
      ["page 2 empty", [page(3, ["830799", "873727"]), envelope("null")], /page 2 of 2 .* came back empty/],
      ["total moved", [page(3, ["830799", "873727"]), page(4, ["873806"])], /changed during the scan/],
      [
        "duplicate across pages",
        [page(3, ["830799", "873727"]), page(3, ["873727"])],
        /2 distinct stocks but upstream reported 3/,
      ],
      ["page 1 empty", [envelope("null")], /came back empty/],
    ];
    for (const [label, pages, message] of cases) {
      const client = new EastmoneyListClient({ baseUrl: "http://upstream.test", fetch: fakeFetch(pages, []) });
      const error = await client.fetchStockList("BJ").then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, label).toBeInstanceOf(UpstreamError);
      expect((error as Error).message, label).toMatch(message);
    }
  });

  it("waits pageDelayMs between pages", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const seen: URL[] = [];
      const pages = [page(3, ["830799"]), page(3, ["873727"]), page(3, ["873806"])];
      const fetch = fakeFetch(pages, seen);
      const client = new EastmoneyListClient({ baseUrl: "http://upstream.test", pageDelayMs: 40, fetch });
      const scan = client.fetchStockList("BJ");
      await vi.advanceTimersByTimeAsync(39);
      expect(seen).toHaveLength(1); // page 2 waits for the delay, on fake time
      await vi.advanceTimersByTimeAsync(1);
      expect(seen).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(40);
      expect((await scan).rows).toHaveLength(3);
      expect(seen).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
