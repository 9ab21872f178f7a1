/** `quantdb serve` and `quantdb migrate`. */
import type { Command } from "commander";
import type { Output } from "../output.ts";
import { loadEnv } from "@quantdb/api/env";
import { loadReplay, openDatabaseOrServer } from "../system.ts";
import { callServer } from "../remote.ts";

/** Register `serve` and `migrate`. */
export function registerServer(program: Command, out: Output): void {
  program
    .command("serve")
    .description("start the HTTP API (the same entry as `pnpm start:api`; the daily ingest runs unless QUANTDB_DAILY_INGEST=off)")
    .option("--port <port>", "port (overrides PORT)")
    .option("--host <host>", "interface (overrides HOST)")
    .action(async (options: { port?: string; host?: string }) => {
      if (options.port) process.env.PORT = options.port;
      if (options.host) process.env.HOST = options.host;
      // the server entry loads the replay upstream itself; fail clearly where it is not available
      if (loadEnv().QUANTDB_UPSTREAM === "replay") await loadReplay();
      await import("@quantdb/api/server");
      // the server keeps the process alive and handles SIGINT/SIGTERM itself
      await new Promise<never>(() => {});
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
        out.line(`database migrated: migrations applied by the running server (pid ${server.holder.pid}, ${server.url}) at its start; ${ready.migrations.applied} applied`);
        return;
      }
      try {
        out.line(`database migrated: ${database.driver} ${database.location}`);
      } finally {
        await database.close();
      }
    });
}
