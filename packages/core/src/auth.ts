/**
 * API keys: how they look, how they are hashed, and the store port behind them. A key is
 * `qdb_` followed by 43 base64url characters (32 random bytes); only its SHA-256 hash is kept.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

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

/**
 * An API key as operators see it (the key endpoints, `quantdb keys`): never the key itself nor its hash; times ISO 8601
 * UTC.
 */
export interface ApiKeyView {
  id: number;
  name: string;
  prefix: string;
  scope: ApiKeyScope;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The {@link ApiKeyView} of a stored key. */
export function apiKeyView(key: ApiKeyRecord): ApiKeyView {
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

/** A freshly made key: `key` is shown once to the operator and never stored. */
export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/** Persistence of API keys (implemented in `@quantdb/db`). */
export interface ApiKeyStore {
  /** Store a key's hash; returns the stored record. */
  create(input: {
    name: string;
    scope: ApiKeyScope;
    prefix: string;
    hash: string;
    createdAt: Date;
  }): Promise<ApiKeyRecord>;
  /** The live (not revoked) key with this hash, or null. */
  findActiveByHash(hash: string): Promise<ApiKeyRecord | null>;
  /**
   * The live key with this id and its stored hash (the secret its stream tokens are signed with: see
   * {@link issueStreamToken}), or null when there is none or it was revoked.
   */
  findActiveById(id: number): Promise<{ key: ApiKeyRecord; hash: string } | null>;
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

// ---------------------------------------------------------------------------------------------
// Access policy: which operation needs which scope. Transports (packages/server) only enforce what
// these functions decide. (Rate budgets charge upstream calls, not requests: see upstream/gate.ts.)
// ---------------------------------------------------------------------------------------------

/**
 * Who must present a key:
 * - `off`: nobody (a private deployment, or a test);
 * - `admin` (the server default): admin operations need an admin key, everything else is open;
 * - `all`: every operation needs a key (read or admin) except the probes (`/health`, `/ready`).
 */
export type AuthMode = "off" | "admin" | "all";

/** Every auth mode, for configuration parsing. */
export const AUTH_MODES = ["off", "admin", "all"] as const satisfies readonly AuthMode[];

/** What a request needs: no key, any live key, or an admin key. */
export type Access = "public" | "read" | "admin";

/** The parts of a request the policy looks at. */
export interface AccessRequest {
  /** HTTP method, any case. */
  method: string;
  /** Decoded URL path, without the query (as the router matches it). */
  path: string;
  /** A query parameter's value (first occurrence), or undefined. */
  query: (name: string) => string | undefined;
  /** Whether the JSON body asks for `force_refresh` (batch endpoints), when the transport looked. */
  bodyForceRefresh?: boolean;
}

/** Paths that are always open: liveness and readiness probes. */
const PROBE_PATHS = new Set(["/health", "/ready"]);

/**
 * Admin operations, matched on the normalised (lower-case, single-slash, no trailing slash) path.
 * Any method on these paths counts, so a wrong method is refused before it can learn anything.
 */
const ADMIN_PATHS: RegExp[] = [
  /^\/api\/v1\/cache\/clear(\/.*)?$/, // DELETE everything / one symbol
  /^\/api\/v1\/cache\/refresh(\/.*)?$/, // corporate-action refresh (re-fetches from upstream)
  /^\/api\/v1\/calendar\/[^/]+\/extend$/, // A-share horizon from Sina
  /^\/api\/v1\/calendar\/[^/]+\/holidays$/, // HK horizon from HKEX's list
  /^\/api\/v1\/keys(\/.*)?$/, // key management (operator command today; any HTTP surface later)
];

/** Normalise a path the way the policy compares it: lower case, `//` → `/`, no trailing slash. */
export function normalisePolicyPath(path: string): string {
  const single = path.toLowerCase().replace(/\/{2,}/g, "/");
  return single.length > 1 ? single.replace(/\/+$/, "") : single;
}

/**
 * Whether a `force_refresh` value asks for a refresh. Anything but an explicit "no"
 * (`false`, `0`, `no`, `off`, empty) counts as yes: the policy errs toward needing the admin scope.
 */
export function isForceRefresh(value: string | undefined): boolean {
  if (value === undefined) return false;
  return !["", "false", "0", "no", "off"].includes(value.trim().toLowerCase());
}

/** Whether a request is an admin operation (cache clear/refresh, force refresh, calendar extension, key management). */
export function isAdminOperation(request: AccessRequest): boolean {
  const path = normalisePolicyPath(request.path);
  if (ADMIN_PATHS.some((pattern) => pattern.test(path))) return true;
  return isForceRefresh(request.query("force_refresh")) || request.bodyForceRefresh === true;
}

/**
 * The access a request needs under a mode.
 * - Admin operations need `admin` unless the mode is `off`.
 * - `/health` and `/ready` are always `public`.
 * - Under `all` everything else needs `read` (any live key); `/metrics` too unless `metricsPublic`.
 * @example requiredAccess({ method: "DELETE", path: "/api/v1/cache/clear", query: () => undefined }, "admin") //
 * "admin"
 */
export function requiredAccess(
  request: AccessRequest,
  mode: AuthMode,
  options: { metricsPublic?: boolean } = {},
): Access {
  if (mode === "off") return "public";
  const path = normalisePolicyPath(request.path);
  if (PROBE_PATHS.has(path)) return "public";
  if (isAdminOperation(request)) return "admin";
  if (mode === "admin") return "public";
  if (path === "/metrics" && options.metricsPublic) return "public";
  return "read";
}

/** The outcome of checking a request's credentials against the access it needs. */
export type AccessDecision =
  | { allowed: true }
  /** No key, a malformed key, or a key that is unknown or revoked: HTTP 401. */
  | { allowed: false; reason: "UNAUTHORIZED"; message: string }
  /** A valid key without the needed scope: HTTP 403. */
  | { allowed: false; reason: "FORBIDDEN"; message: string };

/**
 * Decide whether a caller may proceed.
 * @param needed - from {@link requiredAccess}.
 * @param key - the caller's live key, `null` when none was sent, `"invalid"` when one was sent but is malformed,
 * unknown or revoked.
 */
export function decideAccess(needed: Access, key: Pick<ApiKeyRecord, "scope"> | null | "invalid"): AccessDecision {
  if (needed === "public") return { allowed: true };
  if (key === "invalid")
    return {
      allowed: false,
      reason: "UNAUTHORIZED",
      message: "The API key is not valid (unknown, revoked or malformed).",
    };
  if (key === null) {
    return {
      allowed: false,
      reason: "UNAUTHORIZED",
      message:
        needed === "admin"
          ? "This is an admin operation: send an admin API key as 'Authorization: Bearer <key>'."
          : "An API key is required: send it as 'Authorization: Bearer <key>'.",
    };
  }
  if (needed === "admin" && key.scope !== "admin")
    return { allowed: false, reason: "FORBIDDEN", message: "This operation needs an API key with the admin scope." };
  return { allowed: true };
}

/**
 * The token of an `Authorization: Bearer <token>` header: `null` when there is no such header,
 * `"invalid"` when the header is present but is not a Bearer credential of a QuantDB key's shape.
 */
export function bearerToken(header: string | undefined | null): string | null | "invalid" {
  if (header === undefined || header === null) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match || !looksLikeApiKey(match[1]!)) return "invalid";
  return match[1]!;
}

// ---------------------------------------------------------------------------------------------
// Stream tokens: browsers' EventSource cannot send an Authorization header, so under `all` a stream
// route also takes a short-lived token in its query string, issued for a live key by
// `POST /api/v1/stream/tokens`. The token names the key and its expiry, signed (HMAC-SHA256) with
// the key's stored hash: every replica on the database can check it, it is refused once the key is
// revoked, and the key itself never appears in a URL.
// ---------------------------------------------------------------------------------------------

/** Seconds a stream token is accepted after it was issued, by default. */
export const STREAM_TOKEN_TTL_SECONDS = 60;

/** The query parameter a stream token travels in (`?token=qst_…`). */
export const STREAM_TOKEN_PARAM = "token";

/** `qst_<key id>.<expiry, Unix seconds>.<43 base64url characters of signature>`. */
const STREAM_TOKEN = /^qst_(\d{1,10})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** Paths that accept a stream token instead of the key: the live-quote streams, GET only. */
const STREAM_TOKEN_PATHS = new Set(["/api/v1/stream/quotes", "/api/v1/ws"]);

function streamTokenSignature(keyHash: string, keyId: number, expires: number): string {
  return createHmac("sha256", Buffer.from(keyHash, "hex"))
    .update(`quantdb stream token v1\n${keyId}\n${expires}`, "utf8")
    .digest("base64url");
}

/** Whether a request may authenticate with a stream token (GET on a live-quote stream route). */
export function acceptsStreamToken(request: Pick<AccessRequest, "method" | "path">): boolean {
  return request.method.toUpperCase() === "GET" && STREAM_TOKEN_PATHS.has(normalisePolicyPath(request.path));
}

/**
 * A stream token for a live key, good for the stream routes only, until `now + ttlSeconds`.
 * @param key the key's id and its stored SHA-256 hash (hex, {@link hashApiKey})
 * @param now the issuing instant
 * @param ttlSeconds lifetime, seconds (whole, at least 1). @default {@link STREAM_TOKEN_TTL_SECONDS}
 * @returns the token (`qst_…`, safe in a URL) and the instant it stops being accepted (whole seconds)
 * @example issueStreamToken({ id: 3, hash: hashApiKey(key) }, new Date()) // { token: "qst_3.1795000060.…", … }
 */
export function issueStreamToken(
  key: { id: number; hash: string },
  now: Date,
  ttlSeconds: number = STREAM_TOKEN_TTL_SECONDS,
): { token: string; expiresAt: Date } {
  const expires = Math.floor(now.getTime() / 1000) + Math.max(1, Math.floor(ttlSeconds));
  return {
    token: `qst_${key.id}.${expires}.${streamTokenSignature(key.hash, key.id, expires)}`,
    expiresAt: new Date(expires * 1000),
  };
}

/** The id of the key a stream token names, or null when the text does not have a stream token's shape. */
export function streamTokenKeyId(token: string): number | null {
  const match = STREAM_TOKEN.exec(token);
  const id = match ? Number(match[1]) : Number.NaN;
  // Key ids are PostgreSQL `serial`s: a larger number names no key.
  return id <= 2_147_483_647 ? id : null;
}

/**
 * Check a stream token against the hash of the key it names ({@link streamTokenKeyId}, looked up by the caller).
 * @returns `valid`; `expired` at or after its expiry; `invalid` for a wrong shape or signature
 */
export function checkStreamToken(token: string, keyHash: string, now: Date): "valid" | "expired" | "invalid" {
  const match = STREAM_TOKEN.exec(token);
  if (!match) return "invalid";
  const keyId = Number(match[1]);
  const expires = Number(match[2]);
  const expected = Buffer.from(streamTokenSignature(keyHash, keyId, expires));
  const given = Buffer.from(match[3]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "invalid";
  return now.getTime() < expires * 1000 ? "valid" : "expired";
}
