/**
 * `pnpm bench`: warm-request latency and throughput of the history endpoint for a one-year range,
 * over loopback HTTP, on every available database (PGlite always; PostgreSQL when DATABASE_URL is
 * set, which the root `pnpm bench` arranges). Figures are printed, never asserted: these machines
 * are shared and noisy, so compare ratios within one run.
 */
import autocannon from "autocannon";
import { testDrivers } from "@quantdb/db/testing";
import { startSystem } from "../test/harness.ts";

const PATH = "/api/v1/historical/stock/600519?start_date=20250811&end_date=20260811";
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 400);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Row {
  driver: string;
  bars: number;
  cold_ms: number;
  seq_p50_ms: number;
  seq_p99_ms: number;
  load_p50_ms: number;
  load_p99_ms: number;
  req_per_s: number;
  errors: number;
}

const rows: Row[] = [];
for (const driver of testDrivers()) {
  const system = await startSystem(driver);
  const api = await system.api();
  let started = performance.now();
  const cold = await api.get(PATH);
  const coldMs = performance.now() - started;
  if (cold.status !== 200 || cold.body.metadata.cache.hit) throw new Error(`cold request failed: ${cold.status}`);

  for (let i = 0; i < 50; i++) await fetch(api.url + PATH).then((r) => r.arrayBuffer());
  const samples: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    started = performance.now();
    const response = await fetch(api.url + PATH);
    await response.arrayBuffer();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);

  const load = await autocannon({ url: api.url + PATH, connections: CONNECTIONS, duration: SECONDS });
  // autocannon drops its sockets at the deadline; let the server finish what was in flight.
  await new Promise((resolve) => setTimeout(resolve, 500));
  rows.push({
    driver,
    bars: cold.body.data.length,
    cold_ms: Math.round(coldMs * 10) / 10,
    seq_p50_ms: Math.round(percentile(samples, 50) * 100) / 100,
    seq_p99_ms: Math.round(percentile(samples, 99) * 100) / 100,
    load_p50_ms: load.latency.p50,
    load_p99_ms: load.latency.p99,
    req_per_s: Math.round(load.requests.average),
    errors: load.errors + load.non2xx,
  });
  if (system.replay.requestCount() !== 1) throw new Error(`expected 1 upstream call, saw ${system.replay.requestCount()}`);
  await system.close();
}

console.log(`\nWarm one-year daily history (${rows[0]?.bars ?? 0} bars), loopback HTTP; sequential: ${SEQUENTIAL} requests; load: ${CONNECTIONS} connections for ${SECONDS} s`);
console.table(rows);
