/**
 * Recent activity of the history service, per minute: requests, cache hits, upstream calls and the
 * latency of history requests. Kept in memory (a ring of the last `minutes` minutes of this process),
 * for the dashboard's "hit ratio and upstream calls over time"; nothing is stored.
 */
import type { Clock } from "../clock.ts";

/** One minute of activity. */
export interface ActivityMinute {
  /** Start of the minute, ISO 8601 UTC. */
  start: string;
  /** History requests answered in this minute (weekly/monthly count once). */
  requests: number;
  /** Of those, answered without an upstream call. */
  hits: number;
  /** hits / requests, a fraction (0-1); null when there were no requests. */
  hitRatio: number | null;
  /** Upstream calls made in this minute. */
  upstreamCalls: number;
  /**
   * Latency of the requests answered in this minute, milliseconds (nearest-rank percentiles); null when there were
   * none.
   */
  latencyMs: { p50: number | null; p95: number | null; max: number | null };
}

/** The last minutes of activity, oldest first, one entry per minute (empty minutes included). */
export interface ActivitySnapshot {
  /** Length of each bucket, seconds (60). */
  bucketSeconds: number;
  minutes: ActivityMinute[];
}

/** Options for {@link HistoryActivity}. */
export interface HistoryActivityOptions {
  /** Buckets are minutes of this clock. */
  clock: Clock;
  /** Minutes kept. @default 60 */
  minutes?: number;
  /**
   * Latency samples kept per minute; past this, the newest samples overwrite the oldest ones
   * (percentiles then describe the minute's last `maxSamples` requests). @default 2000
   */
  maxSamples?: number;
}

interface Bucket {
  /** Minute number (epoch ms / 60,000) this slot holds. */
  minute: number;
  requests: number;
  hits: number;
  upstreamCalls: number;
  samples: number[];
  sampled: number;
}

const MINUTE_MS = 60_000;

/** Nearest-rank percentile of ascending values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/**
 * Per-minute counters of the history service in a fixed ring of buckets: constant memory, O(1) per
 * record. Minutes are those of the injected clock; latency is whatever duration the caller measured.
 */
export class HistoryActivity {
  readonly #clock: Clock;
  readonly #size: number;
  readonly #maxSamples: number;
  readonly #ring: (Bucket | undefined)[];

  constructor(options: HistoryActivityOptions) {
    this.#clock = options.clock;
    this.#size = Math.max(1, Math.floor(options.minutes ?? 60));
    this.#maxSamples = Math.max(1, Math.floor(options.maxSamples ?? 2000));
    this.#ring = new Array<Bucket | undefined>(this.#size);
  }

  /** The bucket of the clock's current minute, recycled if it held an older minute. */
  #bucket(): Bucket {
    const minute = Math.floor(this.#clock.now().getTime() / MINUTE_MS);
    const slot = ((minute % this.#size) + this.#size) % this.#size;
    let bucket = this.#ring[slot];
    if (!bucket || bucket.minute !== minute) {
      bucket = { minute, requests: 0, hits: 0, upstreamCalls: 0, samples: [], sampled: 0 };
      this.#ring[slot] = bucket;
    }
    return bucket;
  }

  /** Count one answered history request: whether it was a cache hit, and how long it took (ms). */
  recordRequest(request: { hit: boolean; latencyMs: number }): void {
    const bucket = this.#bucket();
    bucket.requests++;
    if (request.hit) bucket.hits++;
    if (!Number.isFinite(request.latencyMs) || request.latencyMs < 0) return;
    if (bucket.samples.length < this.#maxSamples) bucket.samples.push(request.latencyMs);
    else bucket.samples[bucket.sampled % this.#maxSamples] = request.latencyMs;
    bucket.sampled++;
  }

  /** Count one upstream call. */
  recordUpstreamCall(): void {
    this.#bucket().upstreamCalls++;
  }

  /** The last `minutes` minutes up to the clock's current one, oldest first. */
  snapshot(): ActivitySnapshot {
    const current = Math.floor(this.#clock.now().getTime() / MINUTE_MS);
    const minutes: ActivityMinute[] = [];
    for (let minute = current - this.#size + 1; minute <= current; minute++) {
      const slot = ((minute % this.#size) + this.#size) % this.#size;
      const held = this.#ring[slot];
      const bucket = held && held.minute === minute ? held : undefined;
      const sorted = bucket ? [...bucket.samples].sort((a, b) => a - b) : [];
      const requests = bucket?.requests ?? 0;
      const hits = bucket?.hits ?? 0;
      minutes.push({
        start: new Date(minute * MINUTE_MS).toISOString(),
        requests,
        hits,
        hitRatio: requests === 0 ? null : hits / requests,
        upstreamCalls: bucket?.upstreamCalls ?? 0,
        latencyMs: {
          p50: percentile(sorted, 50),
          p95: percentile(sorted, 95),
          max: sorted.length ? sorted[sorted.length - 1]! : null,
        },
      });
    }
    return { bucketSeconds: MINUTE_MS / 1000, minutes };
  }
}
