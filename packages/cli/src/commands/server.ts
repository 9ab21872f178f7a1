/** `quantdb serve` and `quantdb migrate`. */
import type { Command } from "commander";
import type { Output } from "../output.ts";
import type { UpstreamOverride } from "@quantdb/server";
import { loadEnv } from "@quantdb/server/env";
import { loadReplay, openDatabaseOrServer } from "../system.ts";
import { callServer } from "../remote.ts";

/** Register `serve` and `migrate`. */
export function registerServer(program: Command, out: Output): void {
  program
    .command("serve")
    .description(
      "start the HTTP API (the same entry as `pnpm start:api`; the daily ingest runs unless QUANTDB_DAILY_INGEST=off)",
    )
    .option("--port <port>", "port (overrides PORT)")
    .option("--host <host>", "interface (overrides HOST)")
    .action(async (options: { port?: string; host?: string }) => {
      const env = loadEnv({
        ...process.env,
        ...(options.port ? { PORT: options.port } : {}),
        ...(options.host ? { HOST: options.host } : {}),
      });
      const [{ runServerProcess, replayUrls }, { createLogger }] = await Promise.all([
        import("@quantdb/server"),
        import("@quantdb/server/logger"),
      ]);
      const logger = createLogger(env.QUANTDB_LOG_LEVEL);
      let upstream: UpstreamOverride | undefined;
      if (env.QUANTDB_UPSTREAM === "replay") {
        // fails clearly outside the workspace, where the replay upstream is not installed; moving quotes
        // (recorded bars replayed in a loop) so live quotes change offline, as for apps/api
        const replay = await (await loadReplay()).startReplay({ port: env.QUANTDB_REPLAY_PORT, movingQuotes: true });
        upstream = { urls: replayUrls(replay), close: () => replay.close() };
        logger.info(`replay upstream (real recorded data, offline) at ${replay.url}`);
      }
      // the server keeps the process alive and handles SIGINT/SIGTERM itself
      await runServerProcess(env, { logger, ...(upstream ? { upstream } : {}) });
    });

  program
    .command("migrate")
    .description("apply the database migrations (PGlite in QUANTDB_DATA_DIR, or DATABASE_URL)")
    .action(async () => {
      const { database, server } = await openDatabaseOrServer(loadEnv(), "quantdb migrate");
      if (server) {
        // A server applies the migrations when it opens the database; its /ready says whether
        // every committed one is applied (503 MIGRATIONS_PENDING otherwise).
        const ready = await callServer<{ migrations: { applied: number } }>(server, "GET", "/ready");
        out.line(
          `database migrated: migrations applied by the running server (pid ${server.holder.pid}, ` +
            `${server.url}) at its start; ${ready.migrations.applied} applied`,
        );
        return;
      }
      try {
        out.line(`database migrated: ${database.driver} ${database.location}`);
      } finally {
        await database.close();
      }
    });
}
