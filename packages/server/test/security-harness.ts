/**
 * A guarded API for the security, auth, metrics and fuzz suites: the same wiring as the server
 * entry (createSystem over the harness's database and replay upstream) with explicit HTTP options
 * (auth mode, rate limit, CORS, limits, logger), served on an ephemeral loopback port.
 */
import { ERROR_CODES } from "@quantdb/core/errors";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { serve, type ServerType } from "@hono/node-server";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { generateApiKey, type ApiKeyScope } from "@quantdb/core/auth";
import { ManualClock } from "@quantdb/core/clock";
import { createApiKeyStore } from "@quantdb/db";
import type { TestDriver } from "@quantdb/db/testing";
import { afterEach } from "vitest";
import type { AppEnv, Services } from "../src/context.ts";
import type { HttpOptions } from "../src/middleware/options.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createSystem, replayUrls, type SystemOptions } from "../src/system.ts";
import { closeWebSockets, createWebSocketServer } from "../src/websocket.ts";
import { AFTER_CLOSE, fetchParsed, systemSuite, type TestSystem } from "./harness.ts";

export interface GuardedApi {
  url: string;
  app: OpenAPIHono<AppEnv>;
  /** The system's services (tests read counters such as the quote hub's). */
  services: Services;
  clock: ManualClock;
  /** JSON log lines the app wrote (when `captureLog` was asked for). */
  logLines: Array<Record<string, unknown>>;
  get(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  close(): Promise<void>;
}

/** Start an API with `http` options on the test system's database and replay. */
export async function startGuardedApi(
  system: TestSystem,
  http: HttpOptions,
  options: { captureLog?: boolean; clock?: ManualClock; stream?: SystemOptions["stream"] } = {},
): Promise<GuardedApi> {
  const clock = options.clock ?? new ManualClock(AFTER_CLOSE);
  const logLines: Array<Record<string, unknown>> = [];
  const logger = options.captureLog
    ? createLogger(
        "info",
        new Writable({
          write(chunk, _encoding, done) {
            for (const line of String(chunk).split("\n")) if (line.trim()) logLines.push(JSON.parse(line));
            done();
          },
        }),
      )
    : undefined;
  const {
    app,
    services,
    close: closeSystem,
  } = await createSystem({
    database: system.database,
    clock,
    urls: replayUrls(system.replay),
    timeoutMs: 1500,
    listPageDelayMs: 0,
    http: { processMetrics: false, ...(logger ? { logger } : {}), ...http },
    ...(options.stream ? { stream: options.stream } : {}),
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
    app,
    services,
    clock,
    logLines,
    get: (path, init) => fetchParsed(url + path, init),
    close: async () => {
      // As the server shuts down: live-quote streams end first, so closing the listener does not wait for them.
      services.stream.close();
      await closeWebSockets(webSockets, 1000);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeSystem();
    },
  };
}

/** Create a key the way the operator command does (store + generateApiKey); returns the clear key. */
export async function createKey(
  system: TestSystem,
  scope: ApiKeyScope,
  name = `${scope}-key`,
): Promise<{ key: string; prefix: string; id: number }> {
  const generated = generateApiKey();
  const record = await createApiKeyStore(system.database.db).create({
    name,
    scope,
    prefix: generated.prefix,
    hash: generated.hash,
    createdAt: new Date(AFTER_CLOSE),
  });
  return { key: generated.key, prefix: generated.prefix, id: record.id };
}

/** `Authorization: Bearer <key>` (plus any other headers). */
export const bearer = (key: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${key}` },
});

/** Whether a body is the error envelope with this status. */
export function isEnvelope(body: unknown, status: number): boolean {
  if (typeof body !== "object" || body === null) return false;
  const error = (body as { error?: unknown }).error as
    | { code?: unknown; message?: unknown; status?: unknown }
    | undefined;
  // the code is one of core's ERROR_CODES, the list the OpenAPI document's enum is built from
  return (
    typeof error === "object" &&
    error !== null &&
    (ERROR_CODES as readonly unknown[]).includes(error.code) &&
    typeof error.message === "string" &&
    error.status === status
  );
}

/**
 * One suite's lifecycle for the guard tests: a system on `driver` for the whole suite, reset before
 * each test; every API started through `start` is closed after each test, then `afterEachTest` runs.
 */
export function guardedSuite(
  driver: TestDriver,
  afterEachTest?: (system: TestSystem) => Promise<void> | void,
): {
  /** The suite's system (see {@link systemSuite}). */
  readonly system: TestSystem;
  start(
    http: HttpOptions,
    options?: { captureLog?: boolean; clock?: ManualClock; stream?: SystemOptions["stream"] },
  ): Promise<GuardedApi>;
} {
  const system = systemSuite(driver);
  const apis: GuardedApi[] = [];
  afterEach(async () => {
    await Promise.all(apis.splice(0).map((api) => api.close()));
    await afterEachTest?.(system);
  });
  return {
    system,
    async start(http, options) {
      const api = await startGuardedApi(system, http, options);
      apis.push(api);
      return api;
    },
  };
}
