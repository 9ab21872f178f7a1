import { describe, expect, it } from "vitest";
import { parseIndexSymbol } from "./indices.ts";

describe("parseIndexSymbol", () => {
  it.each([
    ["000001", "SH", "000001", "1.000001"],
    ["sh000300", "SH", "000300", "1.000300"],
    ["000300.SH", "SH", "000300", "1.000300"],
    ["000905", "SH", "000905", "1.000905"],
    ["399001", "SZ", "399001", "0.399001"],
    ["399006.SZ", "SZ", "399006", "0.399006"],
    ["csi931151", "CSI", "931151", "2.931151"],
    ["899050.BJ", "BJ", "899050", "0.899050"],
    ["HSI", "HK", "HSI", "100.HSI"],
    ["^hsi", "HK", "HSI", "100.HSI"],
    ["Hang  Seng", "HK", "HSI", "100.HSI"],
    ["H SHARES", "HK", "HSCEI", "100.HSCEI"],
    ["hang seng tech", "HK", "HSTECH", "124.HSTECH"],
  ])("reads %s", (input, market, code, secid) => {
    expect(parseIndexSymbol(input)).toMatchObject({ kind: "index", market, code, secid });
  });

  it.each(["", "600519", "ABC", "00700", "000001.HK"])("rejects %j", (input) => {
    expect(() => parseIndexSymbol(input)).toThrow(/Accepted forms/);
  });
});
