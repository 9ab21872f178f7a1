/** `quantdb keys create|list|revoke`: API keys (only their SHA-256 hashes are stored). */
import { generateApiKey, type ApiKeyRecord, type ApiKeyScope } from "@quantdb/core/auth";
import { createApiKeyStore } from "@quantdb/db";
import type { Command } from "commander";
import { clockFromEnv, openConfiguredDatabase } from "../system.ts";
import { loadEnv } from "@quantdb/api/env";
import { CliError, type Output } from "../output.ts";

async function withStore<T>(fn: (store: ReturnType<typeof createApiKeyStore>, now: Date) => Promise<T>): Promise<T> {
  const env = loadEnv();
  const database = await openConfiguredDatabase(env);
  try {
    return await fn(createApiKeyStore(database.db), clockFromEnv(env).now());
  } finally {
    await database.close();
  }
}

function row(key: ApiKeyRecord) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scope: key.scope,
    created_at: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
  };
}

/** Register the `keys` commands. */
export function registerKeys(program: Command, out: Output): void {
  const keys = program.command("keys").description("manage API keys (the key is shown once; only its hash is stored)");

  keys
    .command("create")
    .description("create a key and print it once")
    .requiredOption("--name <name>", "who or what the key is for")
    .option("--scope <scope>", "read (data endpoints) or admin (also cache and key management)", "read")
    .option("--json", "print JSON")
    .action(async (options: { name: string; scope: string; json?: boolean }) => {
      if (options.scope !== "read" && options.scope !== "admin") throw new CliError(`--scope must be read or admin, not '${options.scope}'`);
      if (options.name.trim() === "") throw new CliError("--name must not be empty");
      const made = generateApiKey();
      const record = await withStore((store, now) =>
        store.create({ name: options.name.trim(), scope: options.scope as ApiKeyScope, prefix: made.prefix, hash: made.hash, createdAt: now }),
      );
      if (options.json) out.json({ key: made.key, ...row(record) });
      else {
        out.line(made.key);
        out.info(`created ${record.scope} key #${record.id} '${record.name}' (prefix ${record.prefix}). Store it now: it is not shown again.`);
      }
    });

  keys
    .command("list")
    .description("list keys, newest first (revoked ones included)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const list = await withStore((store) => store.list());
      if (options.json) return out.json(list.map(row));
      if (list.length === 0) return out.line("no API keys");
      out.table(list.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, scope: k.scope, created: k.createdAt.toISOString(), last_used: k.lastUsedAt?.toISOString() ?? "-", status: k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active" })));
    });

  keys
    .command("revoke")
    .description("revoke a key by its prefix (qdb_XXXXXXXX) or id")
    .argument("<prefix|id>", "the key's prefix as listed, or its numeric id")
    .action(async (which: string) => {
      const target = /^\d+$/.test(which) ? Number(which) : which;
      const revoked = await withStore((store, now) => store.revoke(target, now));
      if (!revoked) throw new CliError(`no active key matches '${which}'`);
      out.line(`revoked key #${revoked.id} '${revoked.name}' (${revoked.prefix})`);
    });
}
