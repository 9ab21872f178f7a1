import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../errors.ts";
import { EastmoneyQuoteClient, parseQuoteResponse, QUOTE_FIELDS, ULIST_PATH } from "./quotes.ts";

// Synthetic bodies in the shape of docs/upstream-spec.md §1.3/§6.1 (envelope with extra keys, fltt=2
// decimals, "-" for missing values); the values are made up.
const moutai = {
  f2: 1466.0,
  f3: -0.27,
  f4: -3.99,
  f5: 32156,
  f6: 4716342528.0,
  f8: 0.26,
  f12: "600519",
  f13: 1,
  f14: "贵州茅台",
  f15: 1475.0,
  f16: 1460.01,
  f17: 1470.0,
  f18: 1469.99,
  f124: 1732690800,
};
const tencent = {
  f2: 412.4,
  f3: 1.03,
  f4: 4.2,
  f5: 11546000,
  f6: 4761000000.0,
  f8: 0.12,
  f12: "00700",
  f13: 116,
  f14: "腾讯控股",
  f15: 415.0,
  f16: 405.2,
  f17: 406.0,
  f18: 408.2,
  f124: 1732694400,
};
const suspended = {
  f2: "-",
  f3: "-",
  f4: "-",
  f5: "-",
  f6: "-",
  f8: "-",
  f12: "000001",
  f13: 0,
  f14: "平安银行",
  f15: "-",
  f16: "-",
  f17: "-",
  f18: 11.5,
  f124: "-",
};
const envelope = (data: unknown) =>
  JSON.stringify({ rc: 0, rt: 11, svr: 181216340, lt: 1, full: 1, dlmkts: "", dsc: "0", data });

const expectedMoutai = {
  secid: "1.600519",
  code: "600519",
  name: "贵州茅台",
  price: 1466,
  open: 1470,
  high: 1475,
  low: 1460.01,
  prev_close: 1469.99,
  change: -3.99,
  pct_change: -0.27,
  volume: 3_215_600,
  amount: 4716342528,
  turnover_rate: 0.26,
  quote_time: new Date("2024-11-27T07:00:00Z"),
};

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

describe("parseQuoteResponse", () => {
  it("reads diff as an array, mapping by key name, A-share lots to shares and HK shares as they are", () => {
    const quotes = parseQuoteResponse(envelope({ total: 2, diff: [moutai, tencent] }));
    expect(quotes).toEqual([
      expectedMoutai,
      {
        secid: "116.00700",
        code: "00700",
        name: "腾讯控股",
        price: 412.4,
        open: 406,
        high: 415,
        low: 405.2,
        prev_close: 408.2,
        change: 4.2,
        pct_change: 1.03,
        volume: 11_546_000,
        amount: 4761000000,
        turnover_rate: 0.12,
        quote_time: new Date("2024-11-27T08:00:00Z"),
      },
    ]);
  });

  it('reads diff as an object keyed "0","1",… in key order, and does not depend on key order inside a row', () => {
    const reversed = Object.fromEntries(Object.entries(moutai).reverse());
    const asArray = parseQuoteResponse(envelope({ total: 3, diff: [moutai, tencent, suspended] }));
    const asObject = parseQuoteResponse(envelope({ total: 3, diff: { "1": tencent, "2": suspended, "0": reversed } }));
    expect(asObject).toEqual(asArray);
    expect(asObject.map((q) => q.secid)).toEqual(["1.600519", "116.00700", "0.000001"]);
  });

  it('turns "-" into null (a suspended stock) and keeps what was sent', () => {
    const [quote] = parseQuoteResponse(envelope({ total: 1, diff: [suspended] }));
    expect(quote).toEqual({
      secid: "0.000001",
      code: "000001",
      name: "平安银行",
      price: null,
      open: null,
      high: null,
      low: null,
      prev_close: 11.5,
      change: null,
      pct_change: null,
      volume: null,
      amount: null,
      turnover_rate: null,
      quote_time: null,
    });
  });

  it("converts lots to whole shares without float dust, and accepts numeric strings and a numeric code", () => {
    const [a, b] = parseQuoteResponse(
      envelope({
        diff: [
          { ...moutai, f5: 0.29 },
          { ...moutai, f5: "1234", f2: "10.5", f12: 519, f13: "1" },
        ],
      }),
    );
    expect(a!.volume).toBe(29);
    expect(b).toMatchObject({ secid: "1.000519", code: "000519", volume: 123_400, price: 10.5 });
  });

  it("answers [] for data:null, a missing diff and an empty diff (upstream knows none of the secids)", () => {
    expect(parseQuoteResponse('{"rc":0,"data":null}')).toEqual([]);
    expect(parseQuoteResponse('{"rc":0,"data":{"total":0}}')).toEqual([]);
    expect(parseQuoteResponse('{"rc":0,"data":{"total":0,"diff":[]}}')).toEqual([]);
  });

  it("accepts a JSONP wrapper", () => {
    expect(parseQuoteResponse(`jQuery1124(${envelope({ diff: [moutai] })});`)).toEqual([expectedMoutai]);
  });

  it("rejects HTML, truncated JSON, rc≠0, rows without code or market, and non-numeric values", () => {
    expect(expectInvalid(() => parseQuoteResponse("<html><body>验证码</body></html>")).message).toContain("HTML");
    expectInvalid(() => parseQuoteResponse(envelope({ diff: [moutai] }).slice(0, 60)));
    expectInvalid(() => parseQuoteResponse('{"rc":102,"data":null}'));
    expectInvalid(() => parseQuoteResponse(envelope({ diff: [{ ...moutai, f12: undefined }] })));
    expectInvalid(() => parseQuoteResponse(envelope({ diff: [{ ...moutai, f13: "-" }] })));
    expect(expectInvalid(() => parseQuoteResponse(envelope({ diff: [{ ...moutai, f2: "abc" }] }))).message).toContain(
      "f2",
    );
    expectInvalid(() => parseQuoteResponse(envelope({ diff: "nope" })));
  });
});

describe("EastmoneyQuoteClient over loopback HTTP", () => {
  let url = "";
  const calls: URLSearchParams[] = [];
  const paths: string[] = [];
  let mode: "ok" | "500" | "slow" = "ok";
  const server = createServer((req, res) => {
    const parsed = new URL(req.url ?? "/", "http://x");
    calls.push(parsed.searchParams);
    paths.push(parsed.pathname);
    if (mode === "500") return res.writeHead(500).end("oops");
    // Answer every requested secid like upstream, plus one that was not asked for, as an object-keyed diff.
    const secids = (parsed.searchParams.get("secids") ?? "").split(",");
    const rows = secids
      .filter((s) => !s.endsWith(".999999"))
      .map((secid) => {
        const [market, code] = secid.split(".") as [string, string];
        return { ...moutai, f12: code, f13: Number(market) };
      });
    rows.push({ ...moutai, f12: "601872", f13: 1 });
    const send = () =>
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(envelope({ total: rows.length, diff: Object.fromEntries(rows.map((r, i) => [String(i), r])) }));
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

  it("sends fltt=2, invt=2, documented fields and secids; ignores unrequested rows; omits unknown secids", async () => {
    mode = "ok";
    calls.length = 0;
    const quotes = await new EastmoneyQuoteClient({ baseUrl: url }).fetchQuotes([
      "1.600519",
      "116.00700",
      "0.999999",
      "1.600519",
    ]);
    expect([...quotes.keys()]).toEqual(["1.600519", "116.00700"]);
    expect(quotes.get("116.00700")!.volume).toBe(32156); // HK: shares as sent
    expect(quotes.get("1.600519")!.volume).toBe(3_215_600); // A-share: lots ×100
    expect(calls).toHaveLength(1);
    expect(paths.at(-1)).toBe(ULIST_PATH);
    expect(Object.fromEntries(calls[0]!)).toMatchObject({
      fltt: "2",
      invt: "2",
      fields: QUOTE_FIELDS,
      secids: "1.600519,116.00700,0.999999",
    });
    expect(QUOTE_FIELDS).toBe("f2,f3,f4,f5,f6,f8,f12,f13,f14,f15,f16,f17,f18,f124");
  });

  it("splits 250 secids into calls of 100, 100 and 50", async () => {
    mode = "ok";
    calls.length = 0;
    const secids = Array.from({ length: 250 }, (_, i) => `0.${String(i + 1).padStart(6, "0")}`);
    const quotes = await new EastmoneyQuoteClient({ baseUrl: url }).fetchQuotes(secids);
    expect(quotes.size).toBe(250);
    expect(calls.map((q) => q.get("secids")!.split(",").length)).toEqual([100, 100, 50]);
  });

  it("accepts the host or the full endpoint URL as base URL, and defaults to push2", () => {
    expect(new EastmoneyQuoteClient({ baseUrl: `${url}/` }).url).toBe(`${url}${ULIST_PATH}`);
    expect(new EastmoneyQuoteClient({ baseUrl: `${url}${ULIST_PATH}` }).url).toBe(`${url}${ULIST_PATH}`);
    expect(new EastmoneyQuoteClient().url).toBe("https://push2.eastmoney.com/api/qt/ulist.np/get");
  });

  it.each([
    ["500", "UPSTREAM_UNAVAILABLE"],
    ["slow", "UPSTREAM_TIMEOUT"],
  ] as const)("maps a %s to %s", async (fault, code) => {
    mode = fault;
    await expect(
      new EastmoneyQuoteClient({ baseUrl: url, timeoutMs: 300 }).fetchQuotes(["1.600519"]),
    ).rejects.toMatchObject({ code });
  });
});
