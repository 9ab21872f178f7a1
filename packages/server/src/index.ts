/**
 * `@quantdb/server`: QuantDB's running system. `createSystem` wires core services, storage and
 * the Hono HTTP app for one database; `startServer`/`runServerProcess` listen and shut down; the
 * daily-ingest job and the scheduler run on it. Used by `apps/api` (the server's entry), the CLI
 * and the embedded mode (`@quantdb/embedded`). Configuration comes from `@quantdb/server/env`.
 */
export {
  createSystem,
  replayUrls,
  upstreamPolicyFromEnv,
  upstreamUrlsFromEnv,
  type SystemOptions,
  type UpstreamUrls,
} from "./system.ts";
export { runServerProcess, startServer, StartupError, type RunningServer, type UpstreamOverride } from "./serve.ts";
export { createDailyIngest, startDailyIngest, startIngestScheduler, type IngestScheduler } from "./jobs/index.ts";
export type { Env } from "./env.ts";
export type { ScreenAnswerBody, ScreenRequestBody } from "./routes/screen/post.ts";
