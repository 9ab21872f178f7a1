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
