/**
 * Prometheus metrics (prom-client), one registry per app instance so several apps in one process
 * (tests, embedded mode) never share or clash:
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `quantdb_http_request_duration_seconds` | histogram | method, route (the route pattern, `unmatched` for 404s),
 * status |
 * | `quantdb_cache_requests_total` | counter | result (`hit` = answered without an upstream call, `miss`) |
 * | `quantdb_rows_served_total` | counter | route |
 * | `quantdb_upstream_requests_total` | counter | — (upstream calls made by the history service) |
 * | `quantdb_upstream_calls_total` | counter | host, outcome (`ok`, `failed`, `retried`, `rejected`) |
 * | `quantdb_upstream_circuit_state` | gauge | host, state (1 for the current state: `closed`, `open`, `half-open`, …)
 * |
 * | `quantdb_rate_limit_rejections_total` | counter | caller (`key`, `ip`) |
 * | `quantdb_auth_rejections_total` | counter | code (`UNAUTHORIZED`, `FORBIDDEN`) |
 * | `quantdb_process_*`, `quantdb_nodejs_*` | prom-client defaults | — |
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Counters the history service keeps (see `HistoryService.stats()`). */
interface HistoryCounters {
  requests: number;
  hits: number;
  upstream_calls: number;
}

/**
 * One upstream host's resilience state (the upstream policy's per-host snapshot).
 * `circuit` is the breaker state, e.g. `closed`, `open`, `half-open`.
 */
export interface UpstreamHostSnapshot {
  host: string;
  circuit: string;
  lastError?: string | null;
  lastErrorAt?: string | Date | null;
  calls: { ok: number; failed: number; retried: number; rejected: number };
}

/** Where the metrics read state they do not count themselves. */
export interface MetricsSources {
  /** History request counters since start. */
  history?: () => HistoryCounters;
  /** Per-host upstream policy snapshots. */
  upstream?: () => readonly UpstreamHostSnapshot[];
  /** Include prom-client's default process metrics. @default true */
  processMetrics?: boolean;
}

/** The app's metrics. */
export interface AppMetrics {
  registry: Registry;
  /** Record one finished request. */
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** Rows of bars in a served response. */
  rowsServed(route: string, rows: number): void;
  rateLimited(caller: "key" | "ip"): void;
  authRejected(code: "UNAUTHORIZED" | "FORBIDDEN"): void;
}

const CIRCUIT_STATES = ["closed", "open", "half-open", "isolated"];

/**
 * A counter whose value mirrors a monotonic number read at scrape time (prom-client counters only
 * go up: the difference since the last scrape is added).
 */
function mirroredCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Array<{ labels: Record<L, string>; value: number }>,
) {
  const last = new Map<string, number>();
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const { labels, value } of read()) {
        const key = JSON.stringify(labels);
        const delta = value - (last.get(key) ?? 0);
        // A zero sample from the first scrape on.
        if (delta > 0 || !last.has(key)) this.inc(labels as never, Math.max(0, delta));
        last.set(key, Math.max(value, last.get(key) ?? 0));
      }
    },
  });
}

/** Create the metrics of one app instance. */
export function createMetrics(sources: MetricsSources = {}): AppMetrics {
  const registry = new Registry();
  if (sources.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "quantdb_" });

  const duration = new Histogram({
    name: "quantdb_http_request_duration_seconds",
    help: "HTTP request latency in seconds, by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rows = new Counter({
    name: "quantdb_rows_served_total",
    help: "Bars served in history responses, by route pattern",
    labelNames: ["route"] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: "quantdb_rate_limit_rejections_total",
    help: "Requests refused with 429, by caller kind",
    labelNames: ["caller"] as const,
    registers: [registry],
  });
  const authRejected = new Counter({
    name: "quantdb_auth_rejections_total",
    help: "Requests refused by the API-key check, by error code",
    labelNames: ["code"] as const,
    registers: [registry],
  });

  // every known label set exported from the start, so rates and alerts see a 0 rather than no series
  for (const caller of ["key", "ip"] as const) rateLimited.inc({ caller }, 0);
  for (const code of ["UNAUTHORIZED", "FORBIDDEN"] as const) authRejected.inc({ code }, 0);

  const history = sources.history;
  if (history) {
    mirroredCounter(
      registry,
      "quantdb_cache_requests_total",
      "History requests, by cache result (hit = no upstream call)",
      ["result"] as const,
      () => {
        const s = history();
        return [
          { labels: { result: "hit" }, value: s.hits },
          { labels: { result: "miss" }, value: s.requests - s.hits },
        ];
      },
    );
    mirroredCounter(
      registry,
      "quantdb_upstream_requests_total",
      "Upstream calls made by the history service",
      [] as const,
      () => [{ labels: {}, value: history().upstream_calls }],
    );
  }

  const upstream = sources.upstream;
  if (upstream) {
    mirroredCounter(
      registry,
      "quantdb_upstream_calls_total",
      "Upstream calls by host and outcome (ok, failed, retried, rejected by the circuit breaker or budget)",
      ["host", "outcome"] as const,
      () =>
        upstream().flatMap((h) =>
          (["ok", "failed", "retried", "rejected"] as const).map((outcome) => ({
            labels: { host: h.host, outcome },
            value: h.calls[outcome],
          })),
        ),
    );
    new Gauge({
      name: "quantdb_upstream_circuit_state",
      help: "Circuit breaker state per upstream host: 1 for the current state, 0 for the others",
      labelNames: ["host", "state"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const h of upstream()) {
          const states = CIRCUIT_STATES.includes(h.circuit) ? CIRCUIT_STATES : [...CIRCUIT_STATES, h.circuit];
          for (const state of states) this.set({ host: h.host, state }, state === h.circuit ? 1 : 0);
        }
      },
    });
  }

  return {
    registry,
    observeRequest: (labels, seconds) =>
      duration.observe({ method: labels.method, route: labels.route, status: String(labels.status) }, seconds),
    rowsServed: (route, n) => rows.inc({ route }, n),
    rateLimited: (caller) => rateLimited.inc({ caller }),
    authRejected: (code) => authRejected.inc({ code }),
  };
}
