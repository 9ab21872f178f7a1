/**
 * The server as `apps/api` starts it (`loadEnv` → `startServer`, replay mode) with
 * `QUANTDB_CCXT_BINANCE_URL` pointing at a fake exchange started here: the API reaches the fake, not
 * the replay, and a fault of the fake (reset, HTTP 500, an HTML page) is a 502/503 with nothing stored.
 * Embedded database (PGlite) in a temporary data directory.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeExchange, startReplay, type FakeExchange, type ReplayServer } from "@quantdb/replay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnv } from "../src/env.ts";
import { silentLogger } from "../src/observability/logger.ts";
import { startServer, type RunningServer } from "../src/serve.ts";
import { replayUrls } from "../src/system.ts";
import { fetchParsed } from "./harness.ts";

describe("QUANTDB_CCXT_BINANCE_URL in replay mode", () => {
  let replay: ReplayServer;
  let fake: FakeExchange;
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "quantdb-crypto-env-"));
    replay = await startReplay();
    fake = await startFakeExchange({ exchange: "binance" });
    const env = loadEnv({
      QUANTDB_UPSTREAM: "replay",
      QUANTDB_CCXT_BINANCE_URL: fake.url,
      QUANTDB_DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      QUANTDB_DAILY_INGEST: "off",
      QUANTDB_NOW: "2026-11-20T12:00:00Z",
      QUANTDB_UPSTREAM_RETRIES: "0",
      QUANTDB_BREAKER_THRESHOLD: "0",
      QUANTDB_LOG_LEVEL: "silent",
    });
    server = await startServer(env, {
      logger: silentLogger(),
      upstream: { urls: replayUrls(replay), close: () => replay.close() },
    });
  }, 60_000);

  afterAll(async () => {
    await server?.shutdown("test");
    await fake?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const history = (start: string, end: string) =>
    fetchParsed(`${server.url}/api/v1/historical/crypto/binance/BTC-USDT?start_date=${start}&end_date=${end}`);
  const stats = async () => (await fetchParsed(`${server.url}/api/v1/cache/stats`)).body.crypto;

  it("asks the fake exchange, never the replay", async () => {
    const answer = await history("2024-03-01", "2024-03-31");
    expect(answer.status).toBe(200);
    const expected = fake
      .bars("BTC/USDT", "1d")
      .filter((b) => b.time >= Date.parse("2024-03-01") && b.time < Date.parse("2024-04-01"));
    expect(answer.body.data.map((b: { close: number }) => b.close)).toEqual(expected.map((b) => b.close));
    expect(fake.requestCount({ path: "/api/v3/klines" })).toBe(1);
    expect(replay.requestCount()).toBe(0);
  });

  it.each([
    ["reset", [502, 503]],
    ["http500", [502, 503]],
    ["html", [502]],
  ] as const)("answers a fault of the fake (%s) with %j and stores nothing of it", async (kind, statuses) => {
    const before = await stats();
    fake.injectFault({ kind, path: "/api/v3/klines", times: 1 });
    const answer = await history("2024-05-01", "2024-05-31");
    expect(statuses).toContain(answer.status);
    expect(answer.body.error.code).toMatch(/^UPSTREAM_/);
    expect(await stats()).toMatchObject({ bars: before.bars, spans: before.spans });
    expect(before.bars).toBe(31);
  });
});
