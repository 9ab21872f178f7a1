/**
 * Embedded mode passes the API's behavioural history tests against the replay upstream: cold,
 * warm without upstream, widening fetches only the new part; persistence across reopen; crypto
 * pairs through ccxt (binance from the replay); one process per data directory.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "@quantdb/core/clock";
import { startReplay, type ReplayServer } from "@quantdb/replay";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEmbedded, type EmbeddedClient } from "../src/index.ts";

describe("createEmbedded", () => {
  let replay: ReplayServer;
  let dataDir: string;
  let upstream: {
    eastmoneyHistory: string;
    eastmoneyQuote: string;
    eastmoneyList: string;
    eastmoneyDatacenter: string;
    sinaCalendar: string;
    ccxt: { binance: string };
  };
  const open = (): Promise<EmbeddedClient> =>
    createEmbedded({ dataDir, upstream, clock: new ManualClock("2026-11-20T12:00:00Z") });

  beforeAll(async () => {
    replay = await startReplay();
    upstream = {
      eastmoneyHistory: replay.url,
      eastmoneyQuote: replay.url,
      eastmoneyList: replay.url,
      eastmoneyDatacenter: replay.url,
      sinaCalendar: replay.sinaTradeDatesUrl,
      ccxt: { binance: replay.url },
    };
  });
  afterAll(async () => replay?.close());
  beforeEach(() => {
    replay.reset();
    dataDir = mkdtempSync(join(tmpdir(), "quantdb-embedded-"));
    return () => rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers cold from upstream in one call, warm with none, and widens by fetching only the new part", async () => {
    const quantdb = await open();
    try {
      const cold = await quantdb.getHistory("600519", { start: "2024-01-02", end: "2024-03-29", adjust: "qfq" });
      expect(cold.data).toHaveLength(58);
      expect(cold.data[0]).toMatchObject({ date: "2024-01-02", close: 1685.01, volume: 3215600 });
      expect(cold.metadata.cache).toMatchObject({ hit: false, upstream_requests: 1 });
      const warm = await quantdb.getHistory("sh600519", { start: "2024-02-01", end: "2024-03-29", adjust: "qfq" });
      expect(warm.metadata.cache.hit).toBe(true);
      expect(replay.requestCount()).toBe(1);
      const wide = await quantdb.getHistory("600519", { start: "2023-12-01", end: "2024-04-30", adjust: "qfq" });
      expect(wide.metadata.cache.upstream_requests).toBe(2);
      // only the two new gaps, each with one held session as its anchor
      expect(replay.requests.slice(1).map((r) => [r.beg, r.end])).toEqual([
        ["20231201", "20240102"],
        ["20240329", "20240430"],
      ]);
    } finally {
      await quantdb.close();
    }
  });

  it("keeps its cache across a reopen of the same data directory", async () => {
    const first = await open();
    await first.getHistory("000001", { start: "2024-01-02", end: "2024-01-31", adjust: "qfq" });
    await first.close();
    const second = await open();
    try {
      const again = await second.getHistory("000001", { start: "2024-01-02", end: "2024-01-31", adjust: "qfq" });
      expect(again.metadata.cache.hit).toBe(true);
      expect(replay.requestCount()).toBe(1);
    } finally {
      await second.close();
    }
  });

  it("serves crypto pairs through ccxt: cold in one call, warm and after a reopen with none", async () => {
    const klines = () => replay.requestCount({ path: "/api/v3/klines" });
    const first = await open();
    try {
      const cold = await first.getCryptoHistory("binance:BTC/USDT", { start: "2025-01-01", end: "2025-12-31" });
      expect(cold).toMatchObject({ symbol: "BTC/USDT", exchange: "binance", market: "CRYPTO", timeframe: "1d" });
      expect(cold.data).toHaveLength(365);
      expect(cold.data[0]).toMatchObject({ date: "2025-01-01", time: "2025-01-01T00:00:00Z", provisional: false });
      expect(cold.metadata).toMatchObject({
        cache: { hit: false, upstream_requests: 1 },
        units: { base: "BTC", quote: "USDT", time_zone: "UTC" },
      });
      expect(klines()).toBe(1);
      const hourly = await first.getCryptoHistory(
        { exchange: "binance", pair: "BTC-USDT" },
        { timeframe: "1h", start: "2026-03-01", end: "2026-03-01" },
      );
      expect(hourly.data.map((b) => b.time.slice(11, 13))).toEqual(
        Array.from({ length: 24 }, (_, h) => String(h).padStart(2, "0")),
      );
      const quote = await first.getCryptoQuote("binance:ETH/USDT");
      expect(quote).toMatchObject({ symbol: "ETH/USDT", market: "CRYPTO" });
      expect(quote.price).toBeGreaterThan(0);
      const { markets } = await first.getCryptoMarkets("binance", { quote: "USDT" });
      expect(markets[0]?.symbol).toBe("BTC/USDT");
    } finally {
      await first.close();
    }
    const second = await open();
    try {
      const warm = await second.getCryptoHistory("binance:btc-usdt", { start: "2025-03-01", end: "2025-03-31" });
      expect(warm.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0, rows_from_cache: 31 });
      expect(klines()).toBe(2); // the cold year and the hourly day, nothing since
    } finally {
      await second.close();
    }
  });

  it("refuses a second opener of the same data directory, in this process and in another", async () => {
    const quantdb = await open();
    try {
      const holder = `in use by another process: QuantDB process ${process.pid} (SDK embedded, since`;
      await expect(open()).rejects.toThrow(holder);
      const entry = new URL("../src/index.ts", import.meta.url).pathname;
      const script =
        `import(${JSON.stringify(entry)})` +
        `.then((m) => m.createEmbedded({ dataDir: ${JSON.stringify(dataDir)} }))` +
        ".then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })";
      const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        encoding: "utf8",
        cwd: new URL("..", import.meta.url).pathname,
        timeout: 60_000,
      });
      expect(child.stderr).toContain(holder);
      expect(child.status).toBe(3);
    } finally {
      await quantdb.close();
    }
    const reopened = await open();
    await reopened.close();
  });
});
