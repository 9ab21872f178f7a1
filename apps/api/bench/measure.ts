/**
 * The two measurements of a served path, made the same way against the API and against the limit:
 * sequential latency as a decoding client sees it (bench/client.ts), and requests per second under
 * autocannon (it sends the profile's Accept-Encoding and counts bytes without decoding them, which is
 * fine for throughput). Both check that every answer was a 200.
 */
import autocannon from "autocannon";
import { getDecoded, type Profile, profileHeaders } from "./client.ts";
import { rssMiB } from "./processes.ts";

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * p50 wall time (ms) of `n` sequential GETs of `url` as `profile`, over one kept-alive connection,
 * each through the decoding of its body, after `warmups` unmeasured ones.
 * @throws when an answer is not a 200.
 */
export async function sequentialP50(url: string, profile: Profile, n: number, warmups = 10): Promise<number> {
  return (await sequentialTimes(url, profile, n, warmups)).p50;
}

/**
 * {@link sequentialP50}, with the p50 of the server's own time over the same requests (the API's
 * Server-Timing total, see getDecoded; NaN for a server that sends none).
 */
export async function sequentialTimes(url: string, profile: Profile, n: number, warmups = 10) {
  const client: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < warmups + n; i++) {
    const answer = await getDecoded(url, profile);
    if (answer.status !== 200) throw new Error(`${url} (${profile.name}): ${answer.status}`);
    if (i < warmups) continue;
    client.push(answer.ms);
    server.push(answer.serverMs);
  }
  return { p50: median(client), serverP50: median(server) };
}

/** What a load run measured; `rssMb` is the peak resident memory of the watched process (NaN without one). */
export interface Throughput {
  rps: number;
  errors: number;
  rssMb: number;
}

/**
 * autocannon on `url` as `profile` for `seconds` with `connections`; peak RSS (MB) of `pid` while it
 * ran (sampled every 100 ms). Errors = connection errors (timeouts among them) + non-2xx answers.
 */
export async function throughput(
  url: string,
  profile: Profile,
  options: { connections: number; seconds: number; pid?: number | undefined },
): Promise<Throughput> {
  const { pid } = options;
  let peak = pid === undefined ? NaN : rssMiB(pid);
  const sampler = pid === undefined ? undefined : setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 100);
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    headers: profileHeaders(profile),
  });
  clearInterval(sampler);
  // let the server finish what was in flight before the next measurement starts
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    // completed requests over the run's length (the per-second average loses a partial last second)
    rps: result.requests.total / result.duration,
    errors: result.errors + result.non2xx, // errors count timeouts too
    rssMb: (peak * 1024 * 1024) / 1e6,
  };
}
