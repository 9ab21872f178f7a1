/**
 * The committed `openapi.json` and `src/openapi.d.ts` are what the API produces now: regenerate both
 * in memory (the same code as `pnpm --filter @quantdb/sdk generate`) and compare the text. When this
 * fails, run the generator and commit the result (and update the client if an operation changed).
 */
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { renderOpenApiArtefacts, type OpenApiArtefacts } from "../scripts/openapi.ts";
import { createClient, type QuantDbClient } from "../src/index.ts";

const committed = (path: string) => readFile(new URL(path, import.meta.url), "utf8");

/** Client method of each API operation; aliases and the AKTools compatibility route have none. */
const METHOD_OF: Record<string, keyof QuantDbClient | null> = {
  getHealth: "getHealth",
  getReady: null, // readiness probe for load balancers, not a client call
  listJobRuns: "listJobRuns",
  createApiKey: "createApiKey",
  listApiKeys: "listApiKeys",
  revokeApiKey: "revokeApiKey",
  getVersion: "getVersion",
  getVersionNoSlash: null,
  getStockHistory: "getHistory",
  getStockHistoryAlias: null,
  getIndexHistory: "getIndexHistory",
  batchStockHistory: "batchHistory",
  getRealtimeQuote: "getQuote",
  getRealtimeQuotes: "getQuotes",
  streamQuotes: "streamQuotes",
  // for browsers' EventSource, which cannot send a key header; the SDK sends the header itself
  createStreamToken: null,
  getStockList: "getStockList",
  getCompanyInfo: "getCompanyInfo",
  listAssets: "listAssets",
  searchAssets: "searchAssets",
  batchCompanyInfo: "batchCompanyInfo",
  getFinancialSummary: "getFinancialSummary",
  getFinancialSummaryAlias: null,
  getTradingCalendar: "getCalendar",
  getCalendarDate: "getCalendarDate",
  extendCnCalendar: "extendCnCalendar",
  extendHkCalendar: "extendHkCalendar",
  getCacheStats: "getCacheStats",
  getCacheCoverage: "getCacheCoverage",
  clearCache: "clearCache",
  clearCacheSymbol: "clearSymbolCache",
  refreshCache: "refreshCache",
  getAktoolsPublic: null,
  getCryptoHistory: "getCryptoHistory",
  getCryptoMarkets: "getCryptoMarkets",
  getCryptoQuote: "getCryptoQuote",
  getCryptoQuotes: "getCryptoQuotes",
  getCryptoCacheCoverage: "getCryptoCacheCoverage",
  getIndicators: "getIndicators",
  screen: "screen",
};

describe("generated OpenAPI artefacts", () => {
  let fresh: OpenApiArtefacts;
  beforeAll(async () => {
    fresh = await renderOpenApiArtefacts();
  }, 120_000);

  it("openapi.json equals the document the API serves now", async () => {
    expect(await committed("../openapi.json")).toBe(fresh.json);
  });

  it("src/openapi.d.ts equals openapi-typescript's output for it", async () => {
    expect(await committed("../src/openapi.d.ts")).toBe(fresh.types);
  });

  it("has a client method for every operation (aliases and AKTools excepted)", () => {
    const document = JSON.parse(fresh.json) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const operationIds = Object.values(document.paths).flatMap((item) =>
      Object.values(item).map((op) => op.operationId),
    );
    expect(operationIds.sort()).toEqual(Object.keys(METHOD_OF).sort());
    const client = createClient({ baseUrl: "http://unused.invalid" });
    for (const method of Object.values(METHOD_OF)) if (method) expect(typeof client[method]).toBe("function");
  });
});
