import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import { parseStockSymbol } from "./index.ts";

describe("parseStockSymbol", () => {
  it.each(["600519", "sh600519", "SH600519", "600519.SH", "600519.SS", "600519.ss", " 600519 "])(
    "reads %s as Kweichow Moutai on Shanghai",
    (input) => {
      expect(parseStockSymbol(input)).toEqual({
        kind: "stock",
        market: "SH",
        code: "600519",
        secid: "1.600519",
        currency: "CNY",
      });
    },
  );

  it.each([
    ["000001.SZ", "SZ", "000001", "0.000001"],
    ["sz300750", "SZ", "300750", "0.300750"],
    ["688981", "SH", "688981", "1.688981"],
    ["830799", "BJ", "830799", "0.830799"],
    ["430047", "BJ", "430047", "0.430047"],
    ["920002", "BJ", "920002", "0.920002"],
    ["830799.BJ", "BJ", "830799", "0.830799"],
  ])("reads %s", (input, market, code, secid) => {
    expect(parseStockSymbol(input)).toMatchObject({ market, code, secid });
  });

  it.each(["00700", "0700.HK", "700.HK", "HK.00700", "hk00700", "HK:700", "hk700"])("reads %s as Tencent", (input) => {
    expect(parseStockSymbol(input)).toEqual({
      kind: "stock",
      market: "HK",
      code: "00700",
      secid: "116.00700",
      currency: "HKD",
    });
  });

  it.each(["", "ABC", "1234567", "6005", "600519.HK", "000001.SH", "sh000001", "510300", "700", "00000", "INVALID!@#"])(
    "rejects %j with a message listing the accepted forms",
    (input) => {
      let caught: unknown;
      try {
        parseStockSymbol(input);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect((caught as InputError).code).toBe("INVALID_SYMBOL");
      expect((caught as InputError).message).toContain("600519.SS");
    },
  );
});
