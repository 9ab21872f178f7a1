/**
 * API keys: how they look, how they are hashed, and the store port behind them. A key is
 * `qdb_` followed by 43 base64url characters (32 random bytes); only its SHA-256 hash is kept.
 */
import { createHash, randomBytes } from "node:crypto";

/** `read`: data endpoints; `admin`: also cache clear/refresh/force refresh and key management. */
export type ApiKeyScope = "read" | "admin";

/** What is stored and listed about a key (never the key itself). */
export interface ApiKeyRecord {
  id: number;
  name: string;
  /** First 12 characters of the key (`qdb_` + 8), shown to operators; not secret. */
  prefix: string;
  scope: ApiKeyScope;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** A freshly made key: `key` is shown once to the operator and never stored. */
export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/** Persistence of API keys (implemented in `@quantdb/db`). */
export interface ApiKeyStore {
  /** Store a key's hash; returns the stored record. */
  create(input: { name: string; scope: ApiKeyScope; prefix: string; hash: string; createdAt: Date }): Promise<ApiKeyRecord>;
  /** The live (not revoked) key with this hash, or null. */
  findActiveByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** Every key, newest first, revoked ones included. */
  list(): Promise<ApiKeyRecord[]>;
  /** Revoke by id or by prefix; returns the revoked record, or null when none matched (or it was already revoked). */
  revoke(idOrPrefix: number | string, at: Date): Promise<ApiKeyRecord | null>;
  /** Record a use (best effort). */
  touch(id: number, at: Date): Promise<void>;
}

/** SHA-256 of a key, lowercase hex. Keys carry 256 bits of entropy, so a fast hash is enough. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new random key with its public prefix and hash. */
export function generateApiKey(): NewApiKey {
  const key = `qdb_${randomBytes(32).toString("base64url")}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

/** Whether a string has the shape of a QuantDB key (cheap check before hashing). */
export function looksLikeApiKey(value: string): boolean {
  return /^qdb_[A-Za-z0-9_-]{43}$/.test(value);
}
