import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { apiKeyView, generateApiKey, type ApiKeyRecord } from "@quantdb/core/auth";
import type { AppEnv } from "../../context.ts";
import { errorResponse, openApiErrorResponses } from "../../errors.ts";

const ApiKeySchema = z
  .object({
    id: z.number().int().openapi({ example: 3 }),
    name: z.string().openapi({ description: "Who or what the key is for", example: "research desk" }),
    prefix: z
      .string()
      .openapi({ description: "First 12 characters of the key (`qdb_` + 8); public", example: "qdb_3fA9xK2b" }),
    scope: z
      .enum(["read", "admin"])
      .openapi({ description: "read: data endpoints; admin: also cache and key management" }),
    created_at: z.string().openapi({ description: "ISO 8601 UTC" }),
    last_used_at: z
      .string()
      .nullable()
      .openapi({ description: "ISO 8601 UTC, updated at most once a minute; null: never used" }),
    revoked_at: z.string().nullable().openapi({ description: "ISO 8601 UTC; null: active" }),
  })
  .openapi("ApiKey");

const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({
    description: "The key itself: shown in this answer only, never stored (only its SHA-256 hash is)",
    example: "qdb_3fA9xK2b…",
  }),
}).openapi("CreatedApiKey");

const CreateBodySchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "name must not be empty")
      .max(200)
      .openapi({ description: "Who or what the key is for", example: "research desk" }),
    scope: z
      .enum(["read", "admin"])
      .default("read")
      .openapi({ description: "read (data endpoints) or admin (also cache and key management)" }),
  })
  .openapi("CreateApiKey");

const KeyParam = z.object({
  key: z
    .string()
    .min(1)
    .max(200)
    .openapi({
      param: { name: "key", in: "path" },
      description: "The key's prefix (`qdb_XXXXXXXX`), numeric id or name",
      example: "qdb_3fA9xK2b",
    }),
});

/** A key as served (never the key itself nor its hash). */
const keyBody = (key: ApiKeyRecord): z.infer<typeof ApiKeySchema> => apiKeyView(key);

/**
 * Key management, admin only (the `/api/v1/keys` paths are admin operations in `@quantdb/core/auth`):
 * `POST /api/v1/keys`, `GET /api/v1/keys`, `DELETE /api/v1/keys/{key}`. The same store as the
 * auth middleware reads on every request, so a created key works and a revoked one is refused from
 * the next request on, in every process on the database. The `quantdb keys` commands use these
 * while a server holds an embedded data directory.
 */
export function registerKeyRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/keys",
      operationId: "createApiKey",
      tags: ["Keys"],
      summary: "Create an API key (shown once in the answer; only its hash is stored). Admin endpoint.",
      request: { body: { required: true, content: { "application/json": { schema: CreateBodySchema } } } },
      responses: {
        201: {
          description: "The new key, with the key itself",
          content: { "application/json": { schema: CreatedApiKeySchema } },
        },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { name, scope } = c.req.valid("json");
      const made = generateApiKey();
      const record = await c.get("services").apiKeys.create({
        name,
        scope,
        prefix: made.prefix,
        hash: made.hash,
        createdAt: c.get("services").clock.now(),
      });
      return c.json({ key: made.key, ...keyBody(record) }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/keys",
      operationId: "listApiKeys",
      tags: ["Keys"],
      summary: "Every API key, newest first, revoked ones included (never the keys themselves). Admin endpoint.",
      responses: {
        200: {
          description: "Keys",
          content: {
            "application/json": {
              schema: z.object({ data: z.array(ApiKeySchema), count: z.number().int() }).openapi("ApiKeyList"),
            },
          },
        },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const keys = await c.get("services").apiKeys.list();
      return c.json({ data: keys.map(keyBody), count: keys.length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/keys/{key}",
      operationId: "revokeApiKey",
      tags: ["Keys"],
      summary: "Revoke an API key by prefix, id or name; refused from the next request on. Admin endpoint.",
      request: { params: KeyParam },
      responses: {
        200: { description: "The revoked key", content: { "application/json": { schema: ApiKeySchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { key } = c.req.valid("param");
      const revoked = await c
        .get("services")
        .apiKeys.revoke(/^\d+$/.test(key) ? Number(key) : key, c.get("services").clock.now());
      if (!revoked) return errorResponse(c, "NOT_FOUND", `No active key matches '${key}'.`, 404) as never;
      return c.json(keyBody(revoked), 200);
    },
  );
}
