import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context.ts";
import { errorResponse, ErrorSchema, openApiErrorResponses } from "../../errors.ts";

const UpstreamHostSchema = z
  .object({
    host: z.string().openapi({ description: "Upstream host (and port)", example: "push2his.eastmoney.com" }),
    circuit: z.enum(["closed", "open", "half-open"]).openapi({
      description:
        "Circuit breaker: closed (calling normally), open (cooling down after repeated failures or a ban " +
        "signal; not calling), half-open (cool-down over: the next call probes)",
    }),
    lastError: z.string().nullable().openapi({
      description: "Code and message of the last failed call, or null",
      example: "UPSTREAM_UNAVAILABLE: Upstream answered HTTP 500",
    }),
    lastErrorAt: z.string().nullable().openapi({ description: "When the last call failed, ISO 8601 UTC, or null" }),
    calls: z.object({
      ok: z.number().int().openapi({ description: "Requests that succeeded (after retries)" }),
      failed: z.number().int().openapi({ description: "Requests that failed after the policy gave up" }),
      retried: z.number().int().openapi({ description: "Retry calls made" }),
      rejected: z
        .number()
        .int()
        .openapi({ description: "Requests refused without calling (circuit open, queue full)" }),
    }),
  })
  .openapi("UpstreamHost");

const HealthSchema = z
  .object({
    status: z.literal("ok"),
    database: z.enum(["pglite", "postgres"]).openapi({ description: "Embedded PGlite or a PostgreSQL server" }),
    time: z.string().openapi({ description: "Server time, ISO 8601 UTC" }),
    details: z.object({
      upstreams: z.array(UpstreamHostSchema).openapi({
        description: "Each upstream host called since start, with its circuit state and call counts (this process)",
      }),
    }),
  })
  .openapi("Health");

const ReadySchema = z
  .object({
    status: z.literal("ready"),
    database: z.enum(["pglite", "postgres"]),
    migrations: z.object({
      applied: z.number().int().openapi({ description: "Migrations recorded as applied" }),
      expected: z
        .number()
        .int()
        .nullable()
        .openapi({ description: "Migrations in the committed journal (null if it cannot be read)" }),
    }),
  })
  .openapi("Ready");

/**
 * `GET /health`: liveness — 200 while the process serves HTTP, with each upstream host's circuit
 * state in `details.upstreams`. `GET /ready`: readiness — 200 when the database answers a trivial
 * query and every committed migration is applied; else 503 `DATABASE_UNAVAILABLE` or
 * `MIGRATIONS_PENDING` (for load balancers).
 */
export function registerGetHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      operationId: "getHealth",
      tags: ["System"],
      summary: "Liveness, with upstream circuit states",
      description:
        "200 while the process serves HTTP (it does not check the database: see GET /ready). details.upstreams " +
        "lists each upstream host called since start with its circuit breaker state, last error and call " +
        "counts.",
      responses: {
        200: { description: "Alive", content: { "application/json": { schema: HealthSchema } } },
        ...openApiErrorResponses,
      },
    }),
    (c) => {
      const { database, clock, upstreamHealth } = c.get("services");
      return c.json(
        {
          status: "ok" as const,
          database,
          time: clock.now().toISOString(),
          details: { upstreams: upstreamHealth.snapshot() },
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/ready",
      operationId: "getReady",
      tags: ["System"],
      summary: "Readiness: database reachable and migrated",
      description:
        "200 when the database answers, would accept writes (not read-only, not a standby), its storage works " +
        "(embedded PGlite: the data directory is writable and no write failure is left unrecovered; a failed " +
        "write is recovered by reopening the database once the cause is gone) and every committed migration is " +
        "applied. 503 with code DATABASE_UNAVAILABLE (details.reason says why, in one line) or " +
        "MIGRATIONS_PENDING (details.pending lists them) otherwise; a load balancer sends traffic only to " +
        "ready replicas.",
      responses: {
        200: { description: "Ready", content: { "application/json": { schema: ReadySchema } } },
        ...openApiErrorResponses,
        503: {
          description: "Not ready (DATABASE_UNAVAILABLE, MIGRATIONS_PENDING)",
          content: { "application/json": { schema: ErrorSchema } },
        },
      },
    }),
    async (c) => {
      const { database, readiness } = c.get("services");
      const state = await readiness();
      if (!state.reachable) {
        const reason = state.error ?? "it does not answer";
        return errorResponse(c, "DATABASE_UNAVAILABLE", `The database is not usable: ${reason}`, 503, {
          database,
          reason,
        }) as never;
      }
      if (state.pending.length > 0) {
        return errorResponse(
          c,
          "MIGRATIONS_PENDING",
          `${state.pending.length} committed migration(s) are not applied`,
          503,
          {
            applied: state.applied,
            expected: state.expected,
            pending: state.pending,
          },
        ) as never;
      }
      return c.json(
        { status: "ready" as const, database, migrations: { applied: state.applied, expected: state.expected } },
        200,
      );
    },
  );
}
