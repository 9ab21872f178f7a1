import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.ts";
import { parseStockSymbol } from "../symbols/index.ts";
import { EastmoneyHistoryClient, parseKlineResponse } from "./kline.ts";

const recorded = readFileSync(
  new URL("../../test/fixtures/eastmoney/000001_qfq_asof_2025-03-05.json", import.meta.url),
  "utf8",
);

// Verbatim excerpt of a real 601872 response (docs/upstream-spec.md §2/§12), the first three bars and the last.
const excerpt601872 =
  '{"rc":0,"rt":17,"svr":183641822,"lt":1,"full":0,"dlmkts":"","dsc":"0","data":{"code":"601872","market":1,' +
  '"name":"招商轮船","decimal":2,"dktotal":4621,"preKPrice":6.08,"klines":[' +
  '"2024-12-18,6.11,6.18,6.28,6.10,842743,542829495.00,2.96,1.64,0.10,1.03",' +
  '"2024-12-19,6.15,6.09,6.16,6.03,528781,333859220.00,2.10,-1.46,-0.09,0.65",' +
  '"2024-12-20,6.08,5.97,6.10,5.97,701931,437784952.00,2.13,-1.97,-0.12,0.86",' +
  '"2024-12-31,6.29,6.18,6.32,6.17,483794,313479921.00,2.38,-1.75,-0.11,0.59"]}}';

function expectInvalid(fn: () => unknown): UpstreamError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe("UPSTREAM_INVALID");
    return error as UpstreamError;
  }
  throw new Error("expected UPSTREAM_INVALID");
}

describe("parseKlineResponse on real recorded responses", () => {
  it("reads all 210 bars of the recorded 000001 qfq response, volume converted from lots to shares", () => {
    const { name, bars } = parseKlineResponse(recorded, "SZ");
    const raw = JSON.parse(recorded) as { data: { klines: string[] } };
    expect(name).toBe("平安银行");
    expect(bars).toHaveLength(210);
    expect(bars[0]).toEqual({
      date: "2024-04-22",
      open: 9.68,
      close: 9.54,
      high: 9.85,
      low: 9.49,
      volume: 200981800,
      amount: 2125722741.41,
      amplitude: 3.7,
      pct_change: -1.95,
      change: -0.19,
      turnover_rate: 1.04,
    });
    expect(bars.at(-1)).toMatchObject({ date: "2025-03-05", close: 11.66, volume: 108064500 });
    // every bar: the volume is exactly lots × 100 and the close is the third field
    bars.forEach((bar, i) => {
      const fields = raw.data.klines[i]!.split(",");
      expect(bar.volume).toBe(Number(fields[5]) * 100);
      expect(bar.close).toBe(Number(fields[2]));
    });
  });

  it("reads the 601872 response (extra top-level dsc key), 842743 lots = 84,274,300 shares", () => {
    const { name, bars } = parseKlineResponse(excerpt601872, "SH");
    expect(name).toBe("招商轮船");
    expect(bars.map((b) => b.date)).toEqual(["2024-12-18", "2024-12-19", "2024-12-20", "2024-12-31"]);
    expect(bars[0]!.volume).toBe(84_274_300);
  });

  it("keeps HK volume in shares", () => {
    const body =
      '{"rc":0,"data":{"code":"00700","name":"腾讯控股","klines":[' +
      '"2024-01-02,290.0,289.4,292.0,286.6,11546000,3341690000.0,1.86,-0.14,-0.4,0.12"]}}';
    expect(parseKlineResponse(body, "HK").bars[0]!.volume).toBe(11_546_000);
  });

  it("treats data:null and missing klines as no bars, and '-' as null", () => {
    expect(parseKlineResponse('{"rc":0,"data":null}', "SH")).toEqual({ name: null, bars: [] });
    expect(parseKlineResponse('{"rc":0,"data":{"code":"600519","name":"贵州茅台"}}', "SH").bars).toEqual([]);
    const dash = parseKlineResponse('{"rc":0,"data":{"klines":["2024-01-02,1,1,1,1,10,-,-,-,-,-"]}}', "SH");
    expect(dash.bars[0]).toMatchObject({
      amount: null,
      amplitude: null,
      pct_change: null,
      change: null,
      turnover_rate: null,
      volume: 1000,
    });
  });

  it("accepts a JSONP wrapper", () => {
    expect(parseKlineResponse(`jQuery123(${excerpt601872});`, "SH").bars).toHaveLength(4);
  });

  it("rejects HTML, truncated JSON, wrong field counts, missing prices and unordered dates", () => {
    expect(expectInvalid(() => parseKlineResponse("<html><body>验证码</body></html>", "SH")).message).toContain("HTML");
    expectInvalid(() => parseKlineResponse(recorded.slice(0, 500), "SZ"));
    expectInvalid(() => parseKlineResponse('{"rc":0,"data":{"klines":["2024-01-02,1,1,1,1,10,100"]}}', "SH"));
    expectInvalid(() => parseKlineResponse('{"rc":0,"data":{"klines":["2024-01-02,-,1,1,1,10,100,1,1,1,1"]}}', "SH"));
    expectInvalid(() =>
      parseKlineResponse(
        '{"rc":0,"data":{"klines":["2024-01-03,1,1,1,1,10,100,1,1,1,1","2024-01-02,1,1,1,1,10,100,1,1,1,1"]}}',
        "SH",
      ),
    );
    expectInvalid(() => parseKlineResponse('{"rc":102,"data":null}', "SH"));
  });
});

describe("EastmoneyHistoryClient over loopback HTTP", () => {
  let url = "";
  let lastQuery = new URLSearchParams();
  let mode: "ok" | "slow" | "reset" | "500" = "ok";
  let answered = 0;
  const server = createServer((req, res) => {
    lastQuery = new URL(req.url ?? "/", "http://x").searchParams;
    if (mode === "reset") return req.socket.destroy();
    if (mode === "500") return res.writeHead(500).end("oops");
    const send = () => {
      answered++;
      res.writeHead(200, { "content-type": "application/json" }).end(recorded);
    };
    if (mode === "slow") setTimeout(send, 2000).unref();
    else send();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const symbol = parseStockSymbol("000001");
  const request = { symbol, adjust: "qfq" as const, start: "2024-04-01", end: "2025-03-05" };

  it("sends the documented parameters and parses the answer", async () => {
    mode = "ok";
    const client = new EastmoneyHistoryClient({ baseUrl: url });
    const result = await client.fetchDailyBars(request);
    expect(result.bars).toHaveLength(210);
    expect(Object.fromEntries(lastQuery)).toMatchObject({
      secid: "0.000001",
      klt: "101",
      fqt: "1",
      beg: "20240401",
      end: "20250305",
    });
    expect(lastQuery.get("fields2")).toBe("f51,f52,f53,f54,f55,f56,f57,f58,f59,f60,f61");
  });

  it("accepts the full endpoint URL as base URL too", () => {
    expect(new EastmoneyHistoryClient({ baseUrl: `${url}/api/qt/stock/kline/get` }).url).toBe(
      `${url}/api/qt/stock/kline/get`,
    );
  });

  it("rejects bars outside the requested range", async () => {
    mode = "ok";
    const client = new EastmoneyHistoryClient({ baseUrl: url });
    await expect(client.fetchDailyBars({ ...request, start: "2024-05-01" })).rejects.toMatchObject({
      code: "UPSTREAM_INVALID",
    });
  });

  it.each([
    ["reset", "UPSTREAM_UNAVAILABLE"],
    ["500", "UPSTREAM_UNAVAILABLE"],
    ["slow", "UPSTREAM_TIMEOUT"],
  ] as const)("maps a %s to %s", async (fault, code) => {
    mode = fault;
    const client = new EastmoneyHistoryClient({ baseUrl: url, timeoutMs: 300 });
    const before = answered;
    await expect(client.fetchDailyBars(request)).rejects.toMatchObject({ code });
    expect(answered).toBe(before); // the client gave up before a slow answer came
  });

  it("maps a refused connection to UPSTREAM_UNAVAILABLE", async () => {
    const client = new EastmoneyHistoryClient({ baseUrl: "http://127.0.0.1:9" });
    await expect(client.fetchDailyBars(request)).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
  });
});
