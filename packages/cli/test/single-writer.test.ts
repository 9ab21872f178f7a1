/**
 * One writer per embedded data directory, with real processes: while `quantdb serve` holds a PGlite
 * data directory, a second opener fails at once naming the holder (and writes nothing), and
 * `quantdb keys` goes through the server's admin API, so a created key works and a revoked one is
 * refused at once; `backfill` and `migrate` go through it too. The server is then SIGKILLed: its lock is left behind,
 * the next server recovers it at once, and the keys' state is still there. (PGlite only: PostgreSQL takes any number of
 * processes; see apps/api/test/replicas.test.ts for keys across replicas.)
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { freePort } from "@quantdb/replay";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliSuite, FIXTURES, runCli, startCli, type CliProcess } from "./helpers.ts";

/** Every file under `dir` with its size and mtime: what a write would change. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const stat = statSync(join(dir, name));
    if (stat.isFile()) files[name] = `${stat.size}@${stat.mtimeMs}`;
  }
  return files;
}

describe("one writer per embedded data directory (PGlite)", () => {
  const suite = cliSuite("pglite");

  it("refuses a second opener naming the server, manages keys through it at once, recovers its lock after SIGKILL", {
    timeout: 420_000,
  }, async () => {
    const dataDir = suite.target.env.QUANTDB_DATA_DIR!;
    const env = { ...suite.env(), QUANTDB_AUTH: "admin", QUANTDB_DAILY_INGEST: "off", QUANTDB_RATE_LIMIT: "off" };
    const [port, otherPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${port}`;
    const serve = async (): Promise<CliProcess> => {
      const server = startCli(["serve", "--port", String(port), "--host", "127.0.0.1"], env);
      await server.waitForLine(/API on http:\/\/localhost:\d+/, 180_000);
      return server;
    };
    /** Status of an admin request (the key list) made with `key`. */
    const adminStatus = async (key: string) =>
      (await fetch(`${url}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } })).status;

    let server = await serve();
    try {
      const pid = server.child.pid!;
      const holder = `in use by QuantDB process ${pid} (server at ${url}`;

      // A second opener — another server, an import — fails at once, naming the holder; nothing is written.
      const before = snapshot(join(dataDir, "pglite"));
      const [secondServer, importer] = await Promise.all([
        runCli(["serve", "--port", String(otherPort), "--host", "127.0.0.1"], env),
        runCli(["import", join(FIXTURES, "akshare")], env),
      ]);
      expect(secondServer.code).toBe(1);
      expect(secondServer.stdout + secondServer.stderr).toContain(`data directory ${dataDir} is ${holder}`);
      expect(importer.code).toBe(1);
      expect(importer.stderr).toContain(holder);
      expect(importer.stderr).toContain("stop it first");
      expect(snapshot(join(dataDir, "pglite"))).toEqual(before);

      // Keys made and revoked from the command line work, and stop working, on the server at once.
      const created = await runCli(["keys", "create", "--name", "ops", "--scope", "admin", "--json"], env);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stderr).toContain(`through the QuantDB server (pid ${pid}) at ${url}`);
      const ops = JSON.parse(created.stdout) as { key: string; prefix: string };
      expect(await adminStatus(ops.key)).toBe(200);

      const doomed = JSON.parse(
        (await runCli(["keys", "create", "--name", "doomed", "--scope", "admin", "--json"], env)).stdout,
      ) as { key: string; prefix: string; id: number };
      expect(await adminStatus(doomed.key)).toBe(200);
      const revoked = await runCli(["keys", "revoke", doomed.prefix], env);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toContain(`revoked key #${doomed.id} 'doomed'`);
      expect(await adminStatus(doomed.key)).toBe(401);

      // backfill and migrate go through the server too: what the backfill fetched, the server holds.
      const backfill = await runCli(
        ["backfill", "--symbols", "600519", "--from", "2024-01-02", "--to", "2024-01-31", "--adjust", "qfq"],
        env,
      );
      expect(backfill.code, backfill.stderr).toBe(0);
      expect(backfill.stderr).toContain(`through the QuantDB server (pid ${pid}) at ${url}`);
      expect(backfill.stdout).toContain("600519.SH 22 bars, 1 upstream call(s)");
      const held = (await (
        await fetch(`${url}/api/v1/historical/stock/600519?start_date=20240102&end_date=20240131&adjust=qfq`)
      ).json()) as { data: unknown[]; metadata: { cache: unknown } };
      expect(held.metadata.cache).toMatchObject({ hit: true, upstream_requests: 0 });
      expect(held.data).toHaveLength(22);
      const migrated = await runCli(["migrate"], env);
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(migrated.stdout).toContain(`migrations applied by the running server (pid ${pid}, ${url})`);

      // Killed without a chance to release: the lock stays behind, and the next server takes it over at once.
      server.child.kill("SIGKILL");
      await server.done;
      expect(existsSync(join(dataDir, "quantdb.lock"))).toBe(true);
      server = await serve();
      expect(await adminStatus(ops.key)).toBe(200);
      expect(await adminStatus(doomed.key)).toBe(401);
      const listed = await runCli(["keys", "list", "--json"], env);
      expect(listed.code, listed.stderr).toBe(0);
      const keys = JSON.parse(listed.stdout) as { name: string; revoked_at: string | null }[];
      expect(keys.map((k) => [k.name, k.revoked_at === null])).toEqual([
        ["doomed", false],
        ["ops", true],
      ]);
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGTERM");
      await server.done;
    }
    // A clean stop releases the directory.
    expect(existsSync(join(dataDir, "quantdb.lock"))).toBe(false);
  });
});
