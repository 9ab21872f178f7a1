import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startReplay, type ReplayServer } from "../src/index.ts";
import { chineseAmount, csvField, listUniverse, matchesFs, parseCsv } from "../src/lists.ts";
import { loadFixtures } from "../src/data.ts";

const FS = {
  SH: "m:1 t:2,m:1 t:23",
  SZ: "m:0 t:6,m:0 t:80",
  BJ: "m:0 t:81 s:2048",
  HK: "m:128 t:3,m:128 t:4,m:128 t:1,m:128 t:2",
};

/** The A-share list fixture's data rows, read here independently (the file has no quoted fields). */
function aShareRows(): string[][] {
  const text = gunzipSync(
    readFileSync(new URL("../fixtures/stocklist/a_share_stock_list_2024-06_tszlam.csv.gz", import.meta.url)),
  ).toString("utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .slice(1)
    .map((line) => line.split(","));
}

describe("parseCsv (RFC 4180)", () => {
  it("handles quoted commas, doubled quotes, line breaks inside quotes, CRLF, a BOM and empty fields", () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"line one\nline two\r\nline three",\n,,\n';
    expect(parseCsv(text)).toEqual([
      ["a", "b", "c"],
      ["1", "x, y", 'say "hi"'],
      ["2", "line one\nline two\r\nline three", ""],
      ["", "", ""],
    ]);
    expect(parseCsv("a,b")).toEqual([["a", "b"]]);
    expect(parseCsv('"",x\n')).toEqual([["", "x"]]);
  });

  it("rejects an unterminated quote and stray quotes", () => {
    expect(() => parseCsv('a,"open\n')).toThrow(/unterminated/);
    expect(() => parseCsv('a,b"c\n')).toThrow(/quote inside/);
    expect(() => parseCsv('"a"b,c\n')).toThrow(/after a closing quote/);
  });

  it("round-trips fields through csvField", () => {
    const cells = ["plain", "with,comma", 'with "quote"', "multi\nline", ""];
    expect(parseCsv(cells.map(csvField).join(",") + "\n")).toEqual([cells]);
  });
});

describe("the list universe", () => {
  it("holds the 5,366 A-shares and the 2,497 HK stocks with 5-digit codes (one source row, '5173', is skipped)", () => {
    const universe = listUniverse(loadFixtures());
    expect(universe.stocks.filter((s) => s.marketId !== 116)).toHaveLength(5366);
    expect(universe.stocks.filter((s) => s.marketId === 116)).toHaveLength(2497);
    expect(universe.skipped).toEqual(["5173"]);
    expect(
      aShareRows()
        .map((r) => r[0])
        .sort(),
    ).toEqual(universe.stocks.filter((s) => s.marketId !== 116).map((s) => s.code));
  });

  it("converts 亿 / 万 amounts exactly", () => {
    expect(chineseAmount("94.77亿")).toBe(9_477_000_000);
    expect(chineseAmount("26157.85亿")).toBe(2_615_785_000_000);
    expect(chineseAmount("7550.60万")).toBe(75_506_000);
    expect(chineseAmount("8.00亿")).toBe(800_000_000);
    expect(chineseAmount("-")).toBe("-");
    expect(() => chineseAmount("1.2兆")).toThrow();
  });

  it("classifies codes for fs filters by prefix", () => {
    const fs = (m: number, t: number, s?: number) => ({ fs: s === undefined ? { m, t } : { m, t, s } });
    expect(matchesFs(fs(1, 23), FS.SH)).toBe(true);
    expect(matchesFs(fs(0, 81, 2048), FS.BJ)).toBe(true);
    expect(matchesFs(fs(0, 81), FS.BJ)).toBe(false);
    expect(matchesFs(fs(0, 6), "m:0+t:6")).toBe(true);
    expect(matchesFs(fs(0, 6), "m:0 f:8")).toBe(false);
    expect(matchesFs(fs(0, 6), "")).toBe(false);
  });
});

describe("replay clist/get and stock/get", () => {
  let replay: ReplayServer;
  beforeAll(async () => {
    replay = await startReplay();
  });
  afterAll(async () => replay?.close());
  beforeEach(() => replay.reset());

  async function get(path: string, query: Record<string, string>) {
    const response = await fetch(`${replay.url}${path}?${new URLSearchParams(query)}`);
    return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
  }
  async function clist(query: Record<string, string>) {
    return JSON.parse((await get("/api/qt/clist/get", query)).text) as {
      rc: number;
      data: { total: number; diff: unknown } | null;
    };
  }

  it("filters by market (fs), pages by pn/pz with pz capped at 100, and reports total", async () => {
    const totals = Object.fromEntries(
      await Promise.all(
        Object.entries(FS).map(async ([m, fs]) => [m, (await clist({ fs, pn: "1", pz: "100", np: "1" })).data!.total]),
      ),
    );
    expect(totals).toEqual({ SH: 2268, SZ: 2849, BJ: 249, HK: 2497 });
    const big = await clist({ fs: FS.SH, pn: "1", pz: "500", np: "1" });
    expect(big.data!.diff).toHaveLength(100);
    const last = await clist({ fs: FS.SH, pn: "23", pz: "100", np: "1" });
    expect(last.data!.diff).toHaveLength(68);
    expect(await clist({ fs: FS.SH, pn: "24", pz: "100", np: "1" })).toMatchObject({ rc: 0, data: null });
    expect(await clist({ fs: "m:0 f:8", pn: "1", pz: "100", np: "1" })).toMatchObject({ data: null });
    expect((await clist({ fs: "m:1 t:23", pn: "1", pz: "1", np: "1" })).data!.total).toBe(573);
  });

  it("serves the CSI 300 board (b:BK0500) from the 2026-07 constituents; other boards: nothing", async () => {
    const get = async (fs: string, pn: number) =>
      (await (
        await fetch(`${replay.url}/api/qt/clist/get?fs=${encodeURIComponent(fs)}&pn=${pn}&pz=100&np=1&fid=f12&po=0`)
      ).json()) as {
        data: { total: number; diff: { f12: string; f14: string; f20: unknown }[] } | null;
      };
    const codes: string[] = [];
    for (let pn = 1; pn <= 3; pn++) {
      const body = await get("b:BK0500+f:!50", pn);
      expect(body.data?.total).toBe(300);
      codes.push(...body.data!.diff.map((row) => row.f12));
    }
    const recorded = readFileSync(
      new URL("../fixtures/stocklist/constituents-csi300_2026-07_yfiua.csv", import.meta.url),
      "utf8",
    )
      .split("\n")
      .slice(1)
      .filter(Boolean)
      .map((line) => line.split(".")[0]);
    expect(new Set(codes)).toEqual(new Set(recorded));
    expect(codes).toContain("600519");
    // 001391 listed after the 2024-06 list: its name from the constituents file, no caps
    const first = (await get("b:BK0500", 1)).data!.diff;
    expect(first.find((row) => row.f12 === "001391")).toMatchObject({ f14: "国货航", f20: "-" });
    expect((await get("b:BK0611", 1)).data).toBeNull();
  });

  it("sorts by fid (po=1 descending); diff is an array with np=1, else an object keyed 0,1,…", async () => {
    const desc = await clist({ fs: FS.BJ, pn: "1", pz: "3", po: "1", np: "1", fid: "f12", fields: "f12,f14" });
    expect(desc.data!.diff).toEqual([
      { f12: "920002", f14: "万达轴承" },
      { f12: "873833", f14: "美心翼申" },
      { f12: "873806", f14: "云星宇" },
    ]);
    const asc = await clist({ fs: FS.BJ, pn: "1", pz: "2", po: "0", np: "2", fid: "f12", fields: "f14,f12" });
    expect(asc.data!.diff).toEqual({
      "0": { f12: "430017", f14: expect.any(String) },
      "1": { f12: expect.any(String), f14: expect.any(String) },
    });
  });

  it("fills prices from the last real bar of held symbols, '-' elsewhere; caps and names from the list", async () => {
    const fields = "f2,f3,f4,f5,f6,f8,f12,f13,f14,f15,f16,f17,f18,f20,f21";
    const rows = (await clist({ fs: FS.SZ, pn: "1", pz: "2", po: "0", np: "1", fid: "f12", fields })).data!
      .diff as Record<string, unknown>[];
    // 000001: last bar of qfq/000001.csv, 2024-06-26: 10.06,10.08,10.13,10.02,628599,633763882.09,1.09,0.0,0.0,0.32
    expect(rows[0]).toEqual({
      f2: 10.08,
      f3: 0,
      f4: 0,
      f5: 628599,
      f6: 633763882.09,
      f8: 0.32,
      f12: "000001",
      f13: 0,
      f14: "平安银行",
      f15: 10.13,
      f16: 10.02,
      f17: 10.06,
      f18: 10.08,
      f20: 195611655436,
      f21: 195607913256,
    });
    expect(rows[1]).toMatchObject({ f2: "-", f5: "-", f18: "-", f12: "000002", f14: "万  科Ａ", f20: 85781801096 });
  });

  it("serves P/E (f9), P/B (f23) and P/E TTM (f115) as '-': no list fixture records them", async () => {
    const fields = "f2,f9,f12,f23,f115";
    const rows = (await clist({ fs: FS.SZ, pn: "1", pz: "2", po: "0", np: "1", fid: "f12", fields })).data!
      .diff as Record<string, unknown>[];
    // 000001 is held (its price comes from a recorded bar), 000002 is not: neither has a P/E or P/B
    expect(rows).toEqual([
      { f2: 10.08, f9: "-", f12: "000001", f23: "-", f115: "-" },
      { f2: "-", f9: "-", f12: "000002", f23: "-", f115: "-" },
    ]);
  });

  it("serves unrecorded clist fields a test sets (f10, f11, f22, f24, f25, f115) until reset; not f12", async () => {
    const fields = "f7,f10,f11,f12,f22,f24,f25,f115";
    const query = { fs: FS.SZ, pn: "1", pz: "2", po: "0", np: "1", fid: "f12", fields };
    // f7 comes from 000001's last recorded bar; the others are missing from every recorded list
    expect(((await clist(query)).data!.diff as Record<string, unknown>[])[0]).toEqual({
      f7: 1.09,
      f10: "-",
      f11: "-",
      f12: "000001",
      f22: "-",
      f24: "-",
      f25: "-",
      f115: "-",
    });
    replay.setListFields("000001", { f10: 0.8, f22: 0.05 });
    replay.setListFields("000001", { f24: -1.5, f115: 5.12 });
    const rows = (await clist(query)).data!.diff as Record<string, unknown>[];
    expect(rows[0]).toEqual({
      f7: 1.09,
      f10: 0.8,
      f11: "-",
      f12: "000001",
      f22: 0.05,
      f24: -1.5,
      f25: "-",
      f115: 5.12,
    });
    expect(rows[1]).toMatchObject({ f10: "-", f12: "000002" });
    expect(() => replay.setListFields("000001", { f12: "600519" })).toThrow(/f12/);
    expect(() => replay.setListFields("000001", { x: 1 })).toThrow(/x/);
    replay.reset();
    expect(((await clist(query)).data!.diff as Record<string, unknown>[])[0]).toMatchObject({
      f10: "-",
      f24: "-",
      f115: "-",
    });
  });

  it("answers stock/get from the list, recorded 688635, data:null for unknown or wrong-market secids", async () => {
    const fields = "f43,f57,f58,f84,f85,f116,f117,f127,f189";
    const info = async (secid: string) =>
      JSON.parse((await get("/api/qt/stock/get", { fltt: "2", invt: "2", secid, fields })).text) as Record<
        string,
        unknown
      >;
    expect((await info("1.600519")).data).toEqual({
      f43: 1697.71,
      f57: "600519",
      f58: "贵州茅台",
      f84: 1256197800,
      f85: 1256197800,
      f116: 1870754887716,
      f117: 1870754887716,
      f127: "酿酒行业",
      f189: "-",
    });
    expect(await info("1.688635")).toEqual({
      rc: 0,
      rt: 4,
      svr: 177617577,
      lt: 1,
      full: 1,
      dlmkts: "",
      dsc: "0",
      data: {
        f43: 659.99,
        f57: "688635",
        f58: "N长进",
        f84: 93670000,
        f85: 17756517,
        f116: 61821263300,
        f117: 11719123654.83,
        f127: "通信设备",
        f189: "-",
      },
    });
    expect((await info("116.00005")).data).toMatchObject({
      f43: "-",
      f58: "汇丰控股",
      f84: 20_375_000_000,
      f116: 1_378_343_000_000,
      f117: "-",
    });
    for (const secid of ["0.600519", "1.000001", "1.689999", "116.09988", "bogus"])
      expect((await info(secid)).data, secid).toBeNull();
  });

  it("logs every request with its path (and secid for stock/get), applies faults, and wraps JSONP", async () => {
    await get("/api/qt/clist/get", { fs: FS.BJ, pn: "1", pz: "100", np: "1" });
    await get("/api/qt/stock/get", { secid: "0.830799" });
    expect(replay.requests.map((r) => [r.path, r.secid])).toEqual([
      ["/api/qt/clist/get", undefined],
      ["/api/qt/stock/get", "0.830799"],
    ]);
    expect(replay.requestCount({ secid: "0.830799" })).toBe(1);

    replay.injectFault({ kind: "http500", times: 1 });
    expect((await get("/api/qt/clist/get", { fs: FS.BJ })).status).toBe(500);
    replay.injectFault({ kind: "reset", times: 1 });
    await expect(fetch(`${replay.url}/api/qt/clist/get?fs=m:0+t:81+s:2048`)).rejects.toThrow();
    replay.injectFault({ kind: "captcha", times: 1 });
    expect((await get("/api/qt/stock/get", { secid: "1.600519" })).type).toContain("text/html");
    replay.injectFault({ kind: "http500", secid: "1.600519", times: 1 });
    // scoped to a secid: not clist
    expect((await get("/api/qt/clist/get", { fs: FS.BJ, pn: "1", np: "1" })).status).toBe(200);
    expect((await get("/api/qt/stock/get", { secid: "0.000001" })).status).toBe(200);
    expect((await get("/api/qt/stock/get", { secid: "1.600519" })).status).toBe(500);
    replay.injectFault({ kind: "data-null", times: 1 });
    expect(await clist({ fs: FS.BJ, pn: "1", np: "1" })).toMatchObject({ data: null });
    replay.injectFault({ kind: "bad-row", times: 1 });
    const bad = await clist({ fs: FS.BJ, pn: "1", pz: "2", np: "1", fields: "f12,f14" });
    expect(bad.data!.diff).toEqual([{ f12: expect.any(String), f14: expect.any(String) }, { f14: expect.any(String) }]);
    replay.injectFault({ kind: "malformed", times: 1 });
    const malformed = await get("/api/qt/stock/get", { secid: "1.600519" });
    expect(() => JSON.parse(malformed.text)).toThrow();

    const jsonp = await get("/api/qt/stock/get", { secid: "1.600519", fields: "f57", cb: "jQuery123_456" });
    expect(jsonp.type).toContain("application/javascript");
    expect(jsonp.text).toMatch(/^jQuery123_456\(\{.*"f57":"600519".*\}\);$/);
    expect(replay.requests.filter((r) => r.path === "/api/qt/clist/get")).toHaveLength(6);
  });
});
