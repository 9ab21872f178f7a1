/**
 * `quantdb keys create|list|revoke`: API keys (only their SHA-256 hashes are stored). While a QuantDB
 * server holds the embedded data directory, they go through its key endpoints (`/api/v1/keys`, see
 * remote.ts), so a key works, or stops working, on that server at once.
 */
import { apiKeyView, generateApiKey, type ApiKeyScope, type ApiKeyView } from "@quantdb/core/auth";
import { createApiKeyStore } from "@quantdb/db";
import type { Command } from "commander";
import { clockFromEnv, openDatabaseOrServer } from "../system.ts";
import { loadEnv } from "@quantdb/server/env";
import { CliError, type Output } from "../output.ts";
import { callServer, ServerError, throughServerNote } from "../remote.ts";

/** A key as printed (and as the API serves it). */
type KeyRow = ApiKeyView;

/** Where keys are managed: the database itself, or the server that holds it. */
interface KeyBackend {
  create(name: string, scope: ApiKeyScope): Promise<KeyRow & { key: string }>;
  list(): Promise<KeyRow[]>;
  /** The revoked key, or null when no active key matches. */
  revoke(which: string): Promise<KeyRow | null>;
}

const row = apiKeyView;

async function withKeys<T>(out: Output, fn: (backend: KeyBackend) => Promise<T>): Promise<T> {
  const env = loadEnv();
  const opened = await openDatabaseOrServer(env, "quantdb keys");
  if (opened.server) {
    const server = opened.server;
    out.info(throughServerNote(server));
    return fn({
      create: (name, scope) => callServer(server, "POST", "/api/v1/keys", { body: { name, scope } }),
      list: async () => (await callServer<{ data: KeyRow[] }>(server, "GET", "/api/v1/keys")).data,
      async revoke(which) {
        try {
          return await callServer<KeyRow>(server, "DELETE", `/api/v1/keys/${encodeURIComponent(which)}`);
        } catch (error) {
          if (error instanceof ServerError && error.status === 404) return null;
          throw error;
        }
      },
    });
  }
  const database = opened.database;
  try {
    const store = createApiKeyStore(database.db);
    const now = () => clockFromEnv(env).now();
    return await fn({
      async create(name, scope) {
        const made = generateApiKey();
        return {
          key: made.key,
          ...row(await store.create({ name, scope, prefix: made.prefix, hash: made.hash, createdAt: now() })),
        };
      },
      list: async () => (await store.list()).map(row),
      async revoke(which) {
        const revoked = await store.revoke(/^\d+$/.test(which) ? Number(which) : which, now());
        return revoked ? row(revoked) : null;
      },
    });
  } finally {
    await database.close();
  }
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
      if (options.scope !== "read" && options.scope !== "admin")
        throw new CliError(`--scope must be read or admin, not '${options.scope}'`);
      if (options.name.trim() === "") throw new CliError("--name must not be empty");
      const created = await withKeys(out, (backend) =>
        backend.create(options.name.trim(), options.scope as ApiKeyScope),
      );
      if (options.json) out.json(created);
      else {
        out.line(created.key);
        out.info(
          `created ${created.scope} key #${created.id} '${created.name}' (prefix ${created.prefix}). Store it ` +
            "now: it is not shown again.",
        );
      }
    });

  keys
    .command("list")
    .description("list keys, newest first (revoked ones included)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const list = await withKeys(out, (backend) => backend.list());
      if (options.json) return out.json(list);
      if (list.length === 0) return out.line("no API keys");
      out.table(
        list.map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          scope: k.scope,
          created: k.created_at,
          last_used: k.last_used_at ?? "-",
          status: k.revoked_at ? `revoked ${k.revoked_at}` : "active",
        })),
      );
    });

  keys
    .command("revoke")
    .description("revoke a key by its prefix (qdb_XXXXXXXX) or id")
    .argument("<prefix|id>", "the key's prefix as listed, or its numeric id")
    .action(async (which: string) => {
      const revoked = await withKeys(out, (backend) => backend.revoke(which));
      if (!revoked) throw new CliError(`no active key matches '${which}'`);
      out.line(`revoked key #${revoked.id} '${revoked.name}' (${revoked.prefix})`);
    });
}
