/**
 * The one way core talks HTTP to an upstream site: a GET with a timeout whose failures become
 * stable {@link UpstreamError}s.
 */
import { UpstreamError } from "./errors.ts";

/** Desktop-browser headers; the upstream sites treat bare clients as bots (upstream-spec §1.4). */
export const BROWSER_HEADERS = {
  "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
  Accept: "*/*",
} as const;

/** Options of {@link fetchUpstreamText}. */
export interface UpstreamGet {
  /** Abort after this many milliseconds. */
  timeoutMs: number;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/**
 * GET `url` and return the body text.
 * @throws {UpstreamError} `UPSTREAM_TIMEOUT` when the timeout fires; `UPSTREAM_UNAVAILABLE` for
 *   refused or reset connections and non-2xx statuses (with the host and status in `details`).
 */
export async function fetchUpstreamText(url: string, options: UpstreamGet): Promise<string> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const host = new URL(url).host;
  try {
    const response = await (options.fetch ?? globalThis.fetch)(url, { signal, headers: { ...BROWSER_HEADERS, ...options.headers } });
    if (!response.ok) {
      await response.body?.cancel();
      throw new UpstreamError("UPSTREAM_UNAVAILABLE", `Upstream answered HTTP ${response.status}`, { host, status: response.status });
    }
    return await response.text();
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    if (timeout.aborted) throw new UpstreamError("UPSTREAM_TIMEOUT", "Upstream did not answer in time", { host }, { cause: error });
    const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
    throw new UpstreamError("UPSTREAM_UNAVAILABLE", "Upstream could not be reached or dropped the connection", { host, reason: code ?? "network error" }, { cause: error });
  }
}

/**
 * An endpoint URL from a configured base: the host (`https://push2.eastmoney.com`, a replay's
 * `http://127.0.0.1:8001`) gets `path` appended; a URL that already ends with `path` is used as is.
 */
export function endpointUrl(baseUrl: string, path: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  return trimmed.endsWith(path) ? trimmed : trimmed + path;
}
