/**
 * Child process of `pnpm bench`: the API (createSystem, as the server entry wires it, without
 * request logging, auth or rate limits) on an ephemeral loopback port, over the database named by
 * --url (PostgreSQL) or --data-dir (PGlite), with every upstream pointed at --replay. Prints one
 * JSON line when listening: { port, openMs, readyMs } (readyMs: process start → listening).
 * --no-body-cache turns off reuse of serialised answers (to measure the path that builds them).
 */
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { ManualClock } from "@quantdb/core/clock";
import { openDatabase } from "@quantdb/db";
import { disableBodyCache } from "../src/body-cache.ts";
import { createSystem, replayUrls } from "../src/system.ts";

const { values } = parseArgs({
  options: { url: { type: "string" }, "data-dir": { type: "string" }, replay: { type: "string" }, now: { type: "string" }, "no-body-cache": { type: "boolean" } },
});
const opened = performance.now();
const database = await openDatabase({ url: values.url, dataDir: values["data-dir"] ?? null });
const openMs = performance.now() - opened;
const replay = values.replay!;
const { app, services } = await createSystem({
  database,
  clock: new ManualClock(values.now ?? "2026-11-20T12:00:00Z"),
  urls: replayUrls({ url: replay, sinaTradeDatesUrl: `${replay}/realstock/company/klc_td_sh.txt` }),
  timeoutMs: 10_000,
  listPageDelayMs: 0,
});
if (values["no-body-cache"]) disableBodyCache(services.history);
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  process.stdout.write(JSON.stringify({ port: info.port, openMs, readyMs: performance.now() }) + "\n");
});
process.on("SIGTERM", () => {
  server.close();
  void database.close().finally(() => process.exit(0));
});
