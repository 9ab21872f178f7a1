/**
 * API-key queries: the `ApiKeyStore` port of `@quantdb/core/auth`, over the `api_keys` table.
 * Only hashes are stored.
 */
import type { ApiKeyRecord, ApiKeyStore } from "@quantdb/core/auth";
import { and, desc, eq, isNull, or } from "drizzle-orm";
import type { Database } from "../client.ts";
import { apiKeys } from "../schema/index.ts";

const columns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scope: apiKeys.scope,
  createdAt: apiKeys.createdAt,
  revokedAt: apiKeys.revokedAt,
  lastUsedAt: apiKeys.lastUsedAt,
};

/** The API-key store over a database. */
export function createApiKeyStore(db: Database): ApiKeyStore {
  return {
    async create(input): Promise<ApiKeyRecord> {
      const [row] = await db.insert(apiKeys).values(input).returning(columns);
      return row!;
    },
    async findActiveByHash(hash): Promise<ApiKeyRecord | null> {
      const [row] = await db
        .select(columns)
        .from(apiKeys)
        .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
        .limit(1);
      return row ?? null;
    },
    async findActiveById(id): Promise<{ key: ApiKeyRecord; hash: string } | null> {
      const [row] = await db
        .select({ ...columns, hash: apiKeys.hash })
        .from(apiKeys)
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .limit(1);
      if (!row) return null;
      const { hash, ...key } = row;
      return { key, hash };
    },
    list: () => db.select(columns).from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)),
    async revoke(idOrPrefix, at): Promise<ApiKeyRecord | null> {
      const match =
        typeof idOrPrefix === "number"
          ? eq(apiKeys.id, idOrPrefix)
          : or(eq(apiKeys.prefix, idOrPrefix), eq(apiKeys.name, idOrPrefix));
      const rows = await db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(match, isNull(apiKeys.revokedAt)))
        .returning(columns);
      return rows[0] ?? null;
    },
    async touch(id, at): Promise<void> {
      await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
    },
  };
}
