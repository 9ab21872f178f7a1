/** `quantdb keys create|list|revoke`, spawned as a user runs them, on PGlite and PostgreSQL. */
import { hashApiKey, looksLikeApiKey } from "@quantdb/core/auth";
import { createApiKeyStore } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { describe, expect, it } from "vitest";
import { cliSuite, runCli } from "./helpers.ts";

describe.each(testDrivers())("quantdb keys on %s", (driver) => {
  const suite = cliSuite(driver);

  it("creates a key shown once, lists it without the secret, and revokes it by prefix", async () => {
    const env = suite.env();
    const created = await runCli(["keys", "create", "--name", "research desk", "--scope", "admin", "--json"], env);
    expect(created.code, created.stderr).toBe(0);
    const made = JSON.parse(created.stdout) as { key: string; prefix: string; scope: string; id: number; name: string };
    expect(looksLikeApiKey(made.key)).toBe(true);
    expect(made).toMatchObject({ name: "research desk", scope: "admin", prefix: made.key.slice(0, 12) });

    const plain = await runCli(["keys", "create", "--name", "dashboard"], env);
    expect(plain.code, plain.stderr).toBe(0);
    const readKey = plain.stdout.trim();
    expect(looksLikeApiKey(readKey)).toBe(true);
    expect(plain.stderr).toMatch(/created read key #\d+ 'dashboard'.*not shown again/);

    const listed = await runCli(["keys", "list", "--json"], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(made.key);
    expect(listed.stdout).not.toContain(readKey);
    const keys = JSON.parse(listed.stdout) as {
      name: string;
      prefix: string;
      scope: string;
      revoked_at: string | null;
    }[];
    expect(keys.map((k) => [k.name, k.scope, k.revoked_at])).toEqual([
      ["dashboard", "read", null],
      ["research desk", "admin", null],
    ]);

    // the key the operator was shown is what the API's key store accepts
    let database = await suite.target.open();
    try {
      const store = createApiKeyStore(database.db);
      expect(await store.findActiveByHash(hashApiKey(made.key))).toMatchObject({
        id: made.id,
        scope: "admin",
        revokedAt: null,
      });
      expect(await store.findActiveByHash(hashApiKey(`${made.key.slice(0, -1)}x`))).toBeNull();
    } finally {
      await database.close();
    }

    const revoked = await runCli(["keys", "revoke", made.prefix], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked key #${made.id} 'research desk'`);
    const again = await runCli(["keys", "revoke", made.prefix], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no active key matches '${made.prefix}'`);

    const table = await runCli(["keys", "list"], env);
    expect(table.stdout).toMatch(/research desk\s+qdb_\S+\s+admin\s+.*revoked/);
    expect(table.stdout).toMatch(/dashboard\s+qdb_\S+\s+read\s+.*active/);

    database = await suite.target.open();
    try {
      const store = createApiKeyStore(database.db);
      expect(await store.findActiveByHash(hashApiKey(made.key))).toBeNull();
      expect(await store.findActiveByHash(hashApiKey(readKey))).toMatchObject({ name: "dashboard", scope: "read" });
    } finally {
      await database.close();
    }
  });

  it("refuses a bad scope with a clear message and stores nothing", async () => {
    const result = await runCli(["keys", "create", "--name", "x", "--scope", "root"], suite.env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--scope must be read or admin, not 'root'");
    expect(result.stdout).toBe("");
  });
});
