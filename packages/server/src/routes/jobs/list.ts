import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { DAILY_INGEST_JOB, type JobRun } from "@quantdb/core/ingest";
import { controlCharacterIn } from "@quantdb/core/lists";
import type { AppEnv } from "../../context.ts";
import { openApiErrorResponses } from "../../errors.ts";

const JobErrorSchema = z.object({
  symbol: z
    .string()
    .optional()
    .openapi({ description: "Eastmoney secid of the series that failed", example: "1.600519" }),
  code: z.string().openapi({ example: "UPSTREAM_TIMEOUT" }),
  message: z.string(),
});

const JobRunSchema = z
  .object({
    id: z.number().int(),
    job: z.string().openapi({ description: "Job name", example: DAILY_INGEST_JOB }),
    scope: z.string().openapi({
      description: "Calendar the run covers: CN (SH, SZ, BJ), HK, or CRYPTO (the UTC day that ended)",
      example: "CN",
    }),
    session_date: z.string().openapi({
      description: "Exchange-local trading session the run brought data up to, YYYY-MM-DD",
      example: "2026-11-20",
    }),
    status: z.enum(["running", "succeeded", "failed"]),
    attempts: z
      .number()
      .int()
      .openapi({ description: "Claims of this session's run so far (a failed run is retried by a later tick)" }),
    started_at: z.string().openapi({ description: "ISO 8601 UTC" }),
    finished_at: z.string().nullable().openapi({ description: "ISO 8601 UTC; null while running" }),
    instruments_updated: z.number().int().openapi({ description: "Instruments that received new bars from upstream" }),
    upstream_calls: z.number().int().openapi({ description: "Upstream calls the run made" }),
    errors: z.array(JobErrorSchema),
  })
  .openapi("JobRun");

const JobRunListSchema = z.object({ data: z.array(JobRunSchema), count: z.number().int() }).openapi("JobRunList");

const QuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .openapi({ description: "Most recent runs to return (1..500)", example: 50 }),
  job: z
    .string()
    .max(64)
    .superRefine((value, ctx) => {
      const codePoint = controlCharacterIn(value);
      if (codePoint !== null)
        ctx.addIssue({
          code: "custom",
          message: `contains the control character ${codePoint}; send a job name such as ${DAILY_INGEST_JOB}`,
        });
    })
    .optional()
    .openapi({ description: "Only runs of this job (no control characters)", example: DAILY_INGEST_JOB }),
});

/** A run as served. */
function jobRunBody(run: JobRun): z.infer<typeof JobRunSchema> {
  return {
    id: run.id,
    job: run.job,
    scope: run.scope,
    session_date: run.sessionDate,
    status: run.status,
    attempts: run.attempts,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt ? run.finishedAt.toISOString() : null,
    instruments_updated: run.instrumentsUpdated,
    upstream_calls: run.upstreamCalls,
    errors: run.errors,
  };
}

/** `GET /api/v1/jobs`: recent job runs (the scheduled daily ingest), newest first. */
export function registerJobRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/jobs",
      operationId: "listJobRuns",
      tags: ["System"],
      summary: "Recent job runs (daily ingest)",
      description:
        "Runs of scheduled jobs, newest first. The daily ingest runs once per exchange calendar (CN, HK) and " +
        "trading session, 30 minutes after the close, and brings every held series up to that session; " +
        "nothing runs on holidays. A failed run is retried by a later tick (up to 3 attempts).",
      request: { query: QuerySchema },
      responses: {
        200: { description: "Runs", content: { "application/json": { schema: JobRunListSchema } } },
        ...openApiErrorResponses,
      },
    }),
    async (c) => {
      const { limit, job } = c.req.valid("query");
      const runs = await c.get("services").jobRuns.list({ limit, ...(job ? { job } : {}) });
      return c.json({ data: runs.map(jobRunBody), count: runs.length }, 200);
    },
  );
}
