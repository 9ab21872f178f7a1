/**
 * API-key check: `Authorization: Bearer <key>`, looked up by SHA-256 hash; on the live-quote stream
 * routes, without that header, a stream token in `?token=` (`@quantdb/core/auth`: `acceptsStreamToken`,
 * `checkStreamToken`) stands for the key it was issued for. Which operation needs which scope is decided
 * in `@quantdb/core/auth` (`requiredAccess`, `decideAccess`); this only reads the request and answers 401
 * `UNAUTHORIZED` (with `WWW-Authenticate: Bearer`) or 403 `FORBIDDEN` in the error envelope, and 429
 * `RATE_LIMITED` to a client IP past its failed authentications per minute
 * ({@link AuthOptions.failuresPerMinute}).
 */
import {
  acceptsStreamToken,
  bearerToken,
  checkStreamToken,
  decideAccess,
  hashApiKey,
  looksLikeApiKey,
  normalisePolicyPath,
  requiredAccess,
  STREAM_TOKEN_PARAM,
  streamTokenKeyId,
  type AccessRequest,
  type ApiKeyRecord,
  type ApiKeyStore,
  type AuthMode,
} from "@quantdb/core/auth";
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import type { Clock } from "@quantdb/core/clock";
import { RateLimiterMemory } from "rate-limiter-flexible";
import { errorResponse } from "../errors.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import "./types.ts";

/** The policy's view of a request; the JSON body is read (once, cached for the validator) only on batch endpoints. */
async function accessRequestOf(c: Context): Promise<AccessRequest> {
  const path = c.req.path;
  let bodyForceRefresh = false;
  if (
    c.req.method === "POST" &&
    /^\/api\/v1\/(batch\/[^/]+|realtime\/batch)$/.test(normalisePolicyPath(path)) &&
    (c.req.header("content-type") ?? "").includes("json")
  ) {
    const body: unknown = await c.req.json().catch(() => undefined);
    if (typeof body === "object" && body !== null && "force_refresh" in body) {
      const value = (body as { force_refresh: unknown }).force_refresh;
      bodyForceRefresh =
        value !== false && value !== null && value !== 0 && value !== "false" && value !== "0" && value !== "";
    }
  }
  return { method: c.req.method, path, query: (name) => c.req.query(name), bodyForceRefresh };
}

/** Options of {@link apiKeyAuth}. */
export interface AuthOptions {
  mode: AuthMode;
  store: ApiKeyStore | undefined;
  /** The process's local admin token (see `HttpOptions.localAdminToken`), if any. */
  localAdminToken?: string | undefined;
  metricsPublic: boolean;
  metrics: AppMetrics | undefined;
  /** Time source for `last_used_at`. */
  now: () => Date;
  /** What stream tokens' expiry is checked against. */
  streamTokenClock: Clock;
  /**
   * Failed authentications (an unknown, revoked or malformed key) allowed per client IP per
   * minute; past them, requests from that IP that carry a key get 429 `RATE_LIMITED` with
   * `Retry-After` without a key lookup, until the minute is over. `false`: no limit. @default false
   */
  failuresPerMinute?: number | false;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Whether a request came straight from this machine: its socket's peer is a loopback address or
 * this socket's own address, and no proxy relayed it (a reverse proxy on this host connects from
 * loopback on behalf of remote clients, and says so with X-Forwarded-For / Forwarded).
 */
function fromThisMachine(c: Context): boolean {
  if (c.req.header("x-forwarded-for") !== undefined || c.req.header("forwarded") !== undefined) return false;
  let remote: string | undefined;
  try {
    remote = getConnInfo(c).remote.address;
  } catch {
    return false; // no socket (in-process request)
  }
  if (!remote) return false;
  if (LOOPBACK.test(remote)) return true;
  const local = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.localAddress;
  return local !== undefined && local === remote;
}

/** The id of the local admin token's record (never a row of the key table, whose ids start at 1). */
export const LOCAL_ADMIN_KEY_ID = 0;

/** The local admin token's record: admin scope, id 0 (never in the table, never touched). */
function localAdminRecord(token: string): ApiKeyRecord {
  return {
    id: LOCAL_ADMIN_KEY_ID,
    name: `local admin (process ${process.pid})`,
    prefix: token.slice(0, 12),
    scope: "admin",
    createdAt: new Date(0),
    revokedAt: null,
    lastUsedAt: null,
  };
}

/** The auth middleware. Sets `apiKey` when a valid key was sent. */
export function apiKeyAuth(options: AuthOptions): MiddlewareHandler {
  const { mode, store, metricsPublic, metrics, now } = options;
  if (mode !== "off" && !store) throw new Error(`auth mode '${mode}' needs an API-key store`);
  const failuresPerMinute = options.failuresPerMinute || 0;
  // Each unknown key costs a database lookup: a client that keeps sending bad keys is slowed down
  // per IP (fixed one-minute windows, in this process's memory, like the request budget).
  const failures =
    failuresPerMinute > 0 ? new RateLimiterMemory({ points: failuresPerMinute, duration: 60 }) : undefined;
  const lastTouched = new Map<number, number>();
  const localHash = options.localAdminToken ? Buffer.from(hashApiKey(options.localAdminToken), "hex") : undefined;
  const isLocalAdmin = (token: string, c: Context) =>
    localHash !== undefined && timingSafeEqual(Buffer.from(hashApiKey(token), "hex"), localHash) && fromThisMachine(c);

  const touch = (key: ApiKeyRecord) => {
    if (key.id === LOCAL_ADMIN_KEY_ID) return; // the local admin token is not in the table
    const at = now();
    if ((lastTouched.get(key.id) ?? 0) > at.getTime() - 60_000) return; // at most once a minute per key
    lastTouched.set(key.id, at.getTime());
    store!.touch(key.id, at).catch(() => {});
  };

  /** The key a stream token stands for, or why it is refused (a message for the 401). */
  const keyOfStreamToken = async (text: string, c: Context): Promise<ApiKeyRecord | { refused: string }> => {
    if (looksLikeApiKey(text))
      return {
        refused:
          "API keys never go in URLs: send the key as 'Authorization: Bearer <key>', or a stream token from " +
          "POST /api/v1/stream/tokens as ?token=.",
      };
    const id = streamTokenKeyId(text);
    const found =
      id === null
        ? null
        : id === LOCAL_ADMIN_KEY_ID
          ? options.localAdminToken && fromThisMachine(c)
            ? { key: localAdminRecord(options.localAdminToken), hash: hashApiKey(options.localAdminToken) }
            : null
          : await store!.findActiveById(id);
    const outcome = found ? checkStreamToken(text, found.hash, options.streamTokenClock.now()) : "invalid";
    if (found && outcome === "valid") return found.key;
    return {
      refused:
        outcome === "expired"
          ? "The stream token has expired: ask POST /api/v1/stream/tokens for a new one."
          : "The stream token is not valid (malformed, or its key is unknown or revoked).",
    };
  };

  return async (c, next) => {
    c.set("apiKey", undefined);
    if (mode === "off") return next();
    const token = bearerToken(c.req.header("authorization"));
    // Without a key header, the stream routes take a stream token from the query (EventSource sends no headers).
    const streamToken =
      token === null && acceptsStreamToken({ method: c.req.method, path: c.req.path })
        ? c.req.query(STREAM_TOKEN_PARAM)
        : undefined;
    const caller = `ip:${c.get("clientIp") ?? "local"}`;
    if (failures && (token !== null || streamToken !== undefined)) {
      const spent = await failures.get(caller);
      if (spent !== null && spent.consumedPoints >= failuresPerMinute) {
        const retryAfter = Math.max(1, Math.ceil(spent.msBeforeNext / 1000));
        metrics?.rateLimited("ip");
        c.header("Retry-After", String(retryAfter));
        return errorResponse(
          c,
          "RATE_LIMITED",
          `Too many failed authentications from this address: at most ${failuresPerMinute} a minute; retry in ` +
            `${retryAfter} s.`,
          429,
          {
            retry_after_seconds: retryAfter,
            failures_per_minute: failuresPerMinute,
          },
        );
      }
    }
    const fromToken = streamToken === undefined ? undefined : await keyOfStreamToken(streamToken, c);
    if (fromToken !== undefined && "refused" in fromToken) {
      if (failures) await failures.penalty(caller, 1);
      metrics?.authRejected("UNAUTHORIZED");
      c.header("WWW-Authenticate", 'Bearer realm="quantdb", error="invalid_token"');
      return errorResponse(c, "UNAUTHORIZED", fromToken.refused, 401);
    }
    const key: ApiKeyRecord | null | "invalid" =
      fromToken !== undefined
        ? fromToken
        : token === null || token === "invalid"
          ? token
          : isLocalAdmin(token, c)
            ? localAdminRecord(token)
            : ((await store!.findActiveByHash(hashApiKey(token))) ?? "invalid");
    if (key === "invalid" && failures) await failures.penalty(caller, 1);
    // A key that was sent must be valid, whatever the endpoint needs: a revoked key is told so.
    const needed = key === "invalid" ? "read" : requiredAccess(await accessRequestOf(c), mode, { metricsPublic });
    const decision = decideAccess(needed, key);
    if (!decision.allowed) {
      metrics?.authRejected(decision.reason);
      if (decision.reason === "UNAUTHORIZED") {
        c.header(
          "WWW-Authenticate",
          key === "invalid" ? 'Bearer realm="quantdb", error="invalid_token"' : 'Bearer realm="quantdb"',
        );
        const message =
          key === null && acceptsStreamToken({ method: c.req.method, path: c.req.path })
            ? `${decision.message} A browser's EventSource, which cannot send headers, may pass a stream token ` +
              "from POST /api/v1/stream/tokens as ?token= instead."
            : decision.message;
        return errorResponse(c, "UNAUTHORIZED", message, 401);
      }
      return errorResponse(c, "FORBIDDEN", decision.message, 403, { required_scope: "admin" });
    }
    if (key !== null && key !== "invalid") {
      c.set("apiKey", key);
      touch(key);
    }
    await next();
  };
}
