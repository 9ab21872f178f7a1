/**
 * The whole system on loopback for tests: a fresh database (PGlite or PostgreSQL), the replay
 * upstream serving real recorded data, and the API on an ephemeral port, with an injected clock.
 */
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { ManualClock } from "@quantdb/core/clock";
import type { UpstreamPolicyConfig } from "@quantdb/core/upstream";
import type { DatabaseHandle } from "@quantdb/db";
import { clearAll, countRows } from "@quantdb/db";
import { openTestDatabase, type TestDriver } from "@quantdb/db/testing";
import { startReplay, type ReplayServer } from "@quantdb/replay";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createSystem, replayUrls, type SystemOptions, type UpstreamUrls } from "../src/system.ts";
import { closeWebSockets, createWebSocketServer } from "../src/websocket.ts";

/** Friday 2026-11-20, 20:00 in Shanghai and Hong Kong: every session up to today is final. */
export const AFTER_CLOSE = "2026-11-20T12:00:00Z";

export interface Api {
  url: string;
  clock: ManualClock;
  /** Fetch over real HTTP (tests check what was answered and what upstream saw, not how long it took). */
  get(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }>;
}

export interface TestSystem {
  database: DatabaseHandle;
  replay: ReplayServer;
  /**
   * Start a fresh API (new in-process state) on the shared database and replay; `urls` overrides single upstreams (e.g.
   * an unreachable one).
   */
  api(options?: {
    clock?: ManualClock;
    timeoutMs?: number;
    urls?: Partial<UpstreamUrls>;
    upstreamPolicy?: Partial<UpstreamPolicyConfig>;
  }): Promise<Api>;
  /** Empty the database and reset the replay between tests. */
  reset(): Promise<void>;
  rows(): Promise<{ instruments: number; bars: number; spans: number }>;
  close(): Promise<void>;
}

/** Fetch over real HTTP; `body` is the parsed JSON, or the text when the answer is not JSON. */
export async function fetchParsed(
  target: string,
  init?: RequestInit,
): Promise<{ status: number; body: any; headers: Headers; text: string }> {
  const response = await fetch(target, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers, text };
}

/** An API served on loopback: its URL, fetch over real HTTP, and `stop` (its listener, then its system). */
export interface ServedApi {
  url: string;
  /** The system's services (tests read counters such as the quote hub's). */
  services: import("../src/context.ts").Services;
  get(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  stop(): Promise<void>;
}

/**
 * The system on `database` with the same wiring as the server entry (WebSocket upgrades included), every upstream
 * pointed at `replay` (`urls`
 * overrides single ones) and no stock-list page delay, served on an ephemeral loopback port. The clock defaults to
 * {@link AFTER_CLOSE}, the per-call upstream timeout to 3 s; other {@link SystemOptions} pass through.
 */
export async function serveSystem(
  options: { database: DatabaseHandle; replay: ReplayServer; urls?: Partial<UpstreamUrls> } & Partial<
    Omit<SystemOptions, "database" | "urls">
  >,
): Promise<ServedApi> {
  const { replay, urls = {}, ...rest } = options;
  const { app, close, services } = await createSystem({
    clock: new ManualClock(AFTER_CLOSE),
    timeoutMs: 3000,
    listPageDelayMs: 0,
    ...rest,
    urls: { ...replayUrls(replay), ...urls },
  });
  const webSockets = await createWebSocketServer();
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1", websocket: { server: webSockets } }, () =>
      resolve(s),
    );
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    services,
    get: (path, init) => fetchParsed(url + path, init),
    async stop() {
      // Live-quote streams end only when the hub does (as the server entry does before draining).
      await services.stream.close();
      await closeWebSockets(webSockets, 1000);
      await new Promise((resolve) => server.close(resolve));
      await close(); // calendar subscription, coordination
    },
  };
}

export async function startSystem(driver: TestDriver): Promise<TestSystem> {
  const database = await openTestDatabase(driver);
  const replay = await startReplay();
  const apis: ServedApi[] = [];
  /** Stop every API started so far. */
  const stopApis = async () => {
    await Promise.all(apis.splice(0).map((api) => api.stop()));
  };
  return {
    database,
    replay,
    async api({ clock = new ManualClock(AFTER_CLOSE), timeoutMs = 3000, urls = {}, upstreamPolicy } = {}) {
      const policy = upstreamPolicy ? { upstreamPolicy } : {};
      const api = await serveSystem({ database, replay, clock, timeoutMs, urls, ...policy });
      apis.push(api);
      return { url: api.url, clock, get: api.get };
    },
    async reset() {
      await stopApis();
      replay.reset();
      await clearAll(database.db);
    },
    rows: () => countRows(database.db),
    async close() {
      await stopApis();
      await replay.close();
      await database.close();
    },
  };
}

/**
 * One suite's system: started on `driver` before the suite's tests (within `startTimeoutMs`),
 * reset before each test (hooks the suite registers afterwards run after the reset), closed after
 * the suite. The returned system forwards to it, so tests and later hooks use it directly.
 */
export function systemSuite(driver: TestDriver, { startTimeoutMs = 60_000 } = {}): TestSystem {
  let system: TestSystem | undefined;
  beforeAll(async () => {
    system = await startSystem(driver);
  }, startTimeoutMs);
  afterAll(async () => system?.close());
  beforeEach(async () => current().reset());
  const current = (): TestSystem => {
    if (system === undefined) throw new Error("systemSuite: the system is used before the suite started it");
    return system;
  };
  return {
    get database() {
      return current().database;
    },
    get replay() {
      return current().replay;
    },
    api: (options) => current().api(options),
    reset: () => current().reset(),
    rows: () => current().rows(),
    close: () => current().close(),
  };
}
