import { describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { EastmoneyInfoClient, parseCompanyInfo } from "./stock-get.ts";

// The recorded 688635 response of akfamily/akshare issue #7286 (docs/upstream-spec.md §12 item 3), the
// fields the quote shows, Python repr transcribed to JSON. The quote elides f189.
const RECORDED_688635 =
  '{"rc":0,"rt":4,"svr":177617577,"lt":1,"full":1,"dlmkts":"","dsc":"0","data":{"f43":659.99,"f44":688.88,' +
  '"f45":522.0,"f46":530.0,"f47":137658,"f48":7897987149.0,"f49":74807,"f50":"-","f51":"-","f52":"-","f57":"688635",' +
  '"f58":"N长进","f59":2,"f60":40.98,"f84":93670000.0,"f85":17756517.0,"f116":61821263300.0,"f117":11719123654.83,' +
  '"f127":"通信设备","f128":"湖北板块"}}';

const body = (data: Record<string, unknown> | null) => JSON.stringify({ rc: 0, rt: 4, data });

function expectInvalid(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe("UPSTREAM_INVALID");
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error("expected UPSTREAM_INVALID");
}

describe("parseCompanyInfo", () => {
  it("reads the recorded 688635 response by key name", () => {
    const info = parseCompanyInfo(RECORDED_688635, parseStockSymbol("688635"));
    expect(info).toMatchObject({
      code: "688635",
      name: "N长进",
      industry: "通信设备",
      listingDate: null,
      totalShares: 93670000,
      floatShares: 17756517,
      totalMarketCap: 61821263300,
      floatMarketCap: 11719123654.83,
      price: 659.99,
    });
    expect(info!.raw.f128).toBe("湖北板块");
    // the caps are the price times the share counts
    expect(info!.price! * info!.totalShares!).toBeCloseTo(info!.totalMarketCap!, 0);
    expect(info!.price! * info!.floatShares!).toBeCloseTo(info!.floatMarketCap!, 0);
  });

  it("reads f189 as an exchange-local date and '-' / 0 as null", () => {
    const symbol = parseStockSymbol("600519");
    expect(parseCompanyInfo(body({ f57: "600519", f189: 20010827 }), symbol)!.listingDate).toBe("2001-08-27");
    expect(parseCompanyInfo(body({ f57: "600519", f189: "-" }), symbol)!.listingDate).toBeNull();
    expect(parseCompanyInfo(body({ f57: "600519", f189: 0 }), symbol)!.listingDate).toBeNull();
    expectInvalid(() => parseCompanyInfo(body({ f57: "600519", f189: 20011327 }), symbol), /f189/);
  });

  it("returns null for data:null and rejects a wrong code, bad numbers and non-JSON", () => {
    const symbol = parseStockSymbol("0700.HK");
    expect(parseCompanyInfo(body(null), symbol)).toBeNull();
    expect(parseCompanyInfo(body({ f57: "00700", f58: "腾讯控股", f117: "-" }), symbol)).toMatchObject({
      code: "00700",
      floatMarketCap: null,
      industry: null,
    });
    expectInvalid(() => parseCompanyInfo(body({ f57: "700" }), symbol), /does not match/);
    expectInvalid(() => parseCompanyInfo(body({ f57: "00700", f84: "many" }), symbol), /non-numeric f84/);
    expectInvalid(() => parseCompanyInfo(body({ f57: "00700", f85: -1 }), symbol), /negative f85/);
    expectInvalid(() => parseCompanyInfo("<!DOCTYPE html>", symbol), /HTML/);
  });
});

describe("EastmoneyInfoClient", () => {
  it("asks stock/get for the secid and the documented fields, on any push2 base URL", () => {
    const symbol = parseStockSymbol("830799");
    for (const base of [
      "https://push2.eastmoney.com",
      "https://push2.eastmoney.com/",
      "http://replay.test/api/qt/ulist.np/get",
      "http://replay.test/api/qt/stock/get",
    ]) {
      const url = new URL(new EastmoneyInfoClient({ baseUrl: base }).requestUrl(symbol));
      expect(url.pathname).toBe("/api/qt/stock/get");
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        fltt: "2",
        invt: "2",
        secid: "0.830799",
        fields: "f43,f57,f58,f84,f85,f116,f117,f127,f189",
      });
    }
  });
});
