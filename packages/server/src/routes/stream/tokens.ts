/**
 * `POST /api/v1/stream/tokens`: a short-lived token for the live-quote streams, for clients that cannot send an
 * `Authorization` header (browsers' `EventSource`). The token is signed with the calling key's stored hash
 * (`@quantdb/core/auth`: `issueStreamToken`), so every replica on the database accepts it and it is refused once the
 * key is revoked.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { bearerToken, hashApiKey, issueStreamToken, STREAM_TOKEN_TTL_SECONDS, type AuthMode } from "@quantdb/core/auth";
import type { Clock } from "@quantdb/core/clock";
import type { AppEnv } from "../../context.ts";
import { errorResponse, openApiErrorResponses } from "../../errors.ts";

const StreamTokenSchema = z
  .object({
    token: z.string().openapi({
      description:
        "Pass as `?token=` to GET /api/v1/stream/quotes or GET /api/v1/ws; accepted there only, until `expires_at`",
      example: "qst_3.1795000060.Yq0pI1y9mJ2Xn8cE3bQ5xW7vT4sR6uO0aZ1kL2hG3fD",
    }),
    expires_at: z.string().openapi({
      description: "When the token stops being accepted for new streams (ISO 8601 UTC); a stream already open stays",
      example: "2026-11-20T02:01:00.000Z",
    }),
  })
  .openapi("StreamToken");

/**
 * Register `POST /api/v1/stream/tokens`.
 * @param options.auth the server's auth mode: tokens are issued for the key the request sends (any live key); under
 *   `off` no key is read, so the route answers 400 (the streams need no token then)
 * @param options.clock what the expiry is computed from
 * @param options.ttlSeconds token lifetime, s. @default 60
 */
export function registerStreamTokens(
  app: OpenAPIHono<AppEnv>,
  options: { auth: AuthMode; clock: Clock; ttlSeconds?: number | undefined },
): void {
  const ttlSeconds = options.ttlSeconds ?? STREAM_TOKEN_TTL_SECONDS;
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/stream/tokens",
      operationId: "createStreamToken",
      tags: ["Live quotes"],
      summary: "A short-lived token for the live-quote streams (for EventSource, which cannot send headers)",
      description: `Issued for the API key this request sends as \`Authorization: Bearer <key>\` (a read key is enough),
valid for ${ttlSeconds} s, for the stream routes only: \`GET /api/v1/stream/quotes?symbols=…&token=…\` (server-sent
events) and \`GET /api/v1/ws?token=…\` (WebSocket). Under QUANTDB_AUTH=all a stream needs the key header or such a
token; the key itself never goes in a URL. A token is refused once expired or once its key is revoked.

Errors: 401 UNAUTHORIZED without a valid key; 400 VALIDATION_ERROR when the server runs with QUANTDB_AUTH=off (its
streams need no token).`,
      responses: {
        200: { description: "The token", content: { "application/json": { schema: StreamTokenSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      if (options.auth === "off")
        return errorResponse(
          c,
          "VALIDATION_ERROR",
          "This server runs with QUANTDB_AUTH=off: its streams need no key, so no stream token is issued.",
          400,
        ) as never;
      const key = c.get("apiKey");
      const sent = bearerToken(c.req.header("authorization"));
      if (!key || sent === null || sent === "invalid") {
        c.header("WWW-Authenticate", 'Bearer realm="quantdb"');
        return errorResponse(
          c,
          "UNAUTHORIZED",
          "A stream token is issued for an API key: send one as 'Authorization: Bearer <key>'.",
          401,
        ) as never;
      }
      // The key was just checked by the auth middleware; its hash is the token's signing secret.
      const { token, expiresAt } = issueStreamToken(
        { id: key.id, hash: hashApiKey(sent) },
        options.clock.now(),
        ttlSeconds,
      );
      c.header("Cache-Control", "no-store");
      return c.json({ token, expires_at: expiresAt.toISOString() }, 200);
    },
  );
}
