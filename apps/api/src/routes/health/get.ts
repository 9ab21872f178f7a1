import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";

const HealthSchema = z
  .object({
    status: z.literal("ok"),
    database: z.enum(["pglite", "postgres"]).openapi({ description: "Embedded PGlite or a PostgreSQL server" }),
    time: z.string().openapi({ description: "Server time, ISO 8601 UTC" }),
  })
  .openapi("Health");

/** `GET /health`: 200 once the database is open and migrated and the server is listening. */
export function registerGetHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      operationId: "getHealth",
      tags: ["System"],
      summary: "Liveness and readiness",
      responses: { 200: { description: "Ready", content: { "application/json": { schema: HealthSchema } } }, ...openApiErrorResponses },
    }),
    (c) => c.json({ status: "ok" as const, database: c.var.services.database, time: c.var.services.clock.now().toISOString() }, 200),
  );
}
