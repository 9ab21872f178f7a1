import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";

const VersionSchema = z
  .object({
    version: z.string().openapi({ description: "QuantDB version", example: "0.1.0" }),
    api_version: z.literal("v1"),
    database: z.enum(["pglite", "postgres"]),
  })
  .openapi("Version");

/** `GET /api/v1/version/` (and without the trailing slash): one version string, unlike the old product's five. */
export function registerGetVersion(app: OpenAPIHono<AppEnv>, version: string): void {
  for (const [path, operationId] of [
    ["/api/v1/version/", "getVersion"],
    ["/api/v1/version", "getVersionNoSlash"],
  ] as const) {
    app.openapi(
      createRoute({
        method: "get",
        path,
        operationId,
        tags: ["System"],
        summary: "QuantDB and API version",
        responses: {
          200: { description: "Versions", content: { "application/json": { schema: VersionSchema } } },
          ...openApiErrorResponses,
        },
      }),
      (c) => c.json({ version, api_version: "v1" as const, database: c.get("services").database }, 200),
    );
  }
}
