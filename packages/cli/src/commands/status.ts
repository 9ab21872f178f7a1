/** `quantdb status`: database, coverage summary, recent job runs and upstream reachability. */
import { loadEnv } from "@quantdb/server/env";
import { countRows, coverageSummary, createJobRunStore } from "@quantdb/db";
import type { Command } from "commander";
import type { Output } from "../output.ts";
import { openConfiguredDatabase } from "../system.ts";

/** Reachability of one upstream host: any HTTP answer counts as reachable. */
async function probe(url: string, timeoutMs: number): Promise<{ url: string; ok: boolean; detail: string }> {
  const started = Date.now();
  try {
    const response = await fetch(new URL("/", url), { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { url, ok: true, detail: `HTTP ${response.status} in ${Date.now() - started} ms` };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return { url, ok: false, detail: e.cause?.code ?? e.name ?? e.message };
  }
}

/** Register `status`. */
export function registerStatus(program: Command, out: Output): void {
  program
    .command("status")
    .description("coverage summary, database and upstream health")
    .option("--json", "print JSON")
    .option("--no-upstream", "skip the upstream reachability probes")
    .action(async (options: { json?: boolean; upstream: boolean }) => {
      const env = loadEnv();
      const database = await openConfiguredDatabase(env, {
        owner: "quantdb status",
        whatToDo: "stop it first, or ask it while it runs (GET /health, /api/v1/cache/stats, /api/v1/jobs)",
      });
      try {
        const [rows, coverage, runs] = await Promise.all([
          countRows(database.db),
          coverageSummary(database.db),
          createJobRunStore(database.db).list({ limit: 5 }),
        ]);
        const { upstreamUrlsFromEnv } = await import("@quantdb/server");
        const urls = upstreamUrlsFromEnv(env);
        const hosts = [
          ...new Set(
            [
              urls.eastmoneyHistory,
              urls.eastmoneyQuote,
              urls.eastmoneyList,
              urls.eastmoneyDatacenter,
              urls.sinaCalendar,
            ].map((u) => new URL(u).origin),
          ),
        ];
        const upstream =
          env.QUANTDB_UPSTREAM === "replay"
            ? [{ url: "replay", ok: true, detail: "bundled replay upstream (started on demand)" }]
            : options.upstream
              ? await Promise.all(hosts.map((h) => probe(h, Math.min(env.QUANTDB_UPSTREAM_TIMEOUT_MS, 5000))))
              : [];
        const status = {
          database: { driver: database.driver, location: database.location, ...rows },
          coverage,
          job_runs: runs,
          upstream,
        };
        if (options.json) return out.json(status);
        out.line(`database  ${database.driver} ${database.location}`);
        out.line(`          ${rows.instruments} instruments, ${rows.bars} bars, ${rows.spans} coverage spans`);
        out.line("coverage");
        if (coverage.length === 0) out.line("          nothing held yet");
        else
          out.table(
            coverage.map((c) => ({
              "  market": `  ${c.market}`,
              adjust: c.adjust || "none",
              instruments: c.instruments,
              spans: c.spans,
              bars: c.bars,
              from: c.first,
              through: c.last,
            })),
          );
        out.line("daily ingest (recent runs)");
        if (runs.length === 0) out.line("          no runs yet");
        else
          out.table(
            runs.map((r) => ({
              "  scope": `  ${r.scope}`,
              session: r.sessionDate,
              status: r.status,
              updated: r.instrumentsUpdated,
              calls: r.upstreamCalls,
              errors: r.errors.length,
              started: r.startedAt.toISOString(),
            })),
          );
        if (upstream.length > 0) {
          out.line("upstream");
          for (const u of upstream)
            out.line(`          ${u.ok ? "reachable  " : "UNREACHABLE"} ${u.url} (${u.detail})`);
        }
      } finally {
        await database.close();
      }
    });
}
