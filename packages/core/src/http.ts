/**
 * The one way core talks HTTP to an upstream site: a GET with a timeout whose failures become
 * stable {@link UpstreamError}s, run through the upstream host's policy (concurrency cap, rate
 * budget, retries, circuit breaker; see `./upstream/policy.ts`) when the caller passes the
 * system's policies. Either way each call is first charged to the async context's call gate
 * (`./upstream/gate.ts`).
 */
import { UpstreamError } from "./errors.ts";
import { timeoutSignal } from "./upstream/deadline.ts";
import { currentCallGate } from "./upstream/gate.ts";
import type { HostPolicy, UpstreamPolicies } from "./upstream/policy.ts";

/** Desktop-browser headers; the upstream sites treat bare clients as bots (docs/upstream-spec.md §1.4). */
export const BROWSER_HEADERS = {
  "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
  Accept: "*/*",
} as const;

/** Options of {@link fetchUpstreamText}. */
export interface UpstreamGet {
  /** Abort one call after this many milliseconds (each retry gets its own). */
  timeoutMs: number;
  /** Injected fetch (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** The system's upstream policies: the request runs through the policy of the URL's host. */
  policies?: UpstreamPolicies | undefined;
  /** The host policy to run the request through, instead of one of `policies`; with neither, one plain call. */
  policy?: HostPolicy | undefined;
}

/** A body that is an HTML page (a captcha or ban page): never valid data from any upstream QuantDB calls. */
function looksLikeHtml(body: string): boolean {
  return /^\s*<(?:!doctype|html|head|body|\?xml|div|script|meta|title)\b/i.test(body);
}

/**
 * GET `url` and return the body text: one call, or — with a policy — a request run through the
 * host's policy (retried on reset, timeout or 5xx; refused while its circuit is open). Every call
 * is first charged to the call gate of the current async context, if any (see `./upstream/gate.ts`).
 * @throws {RateLimitedError} (429) when the call gate refuses the call or a retry of it: that
 *   call is not made
 * @throws {UpstreamError} `UPSTREAM_TIMEOUT` when the per-call timeout fires; `UPSTREAM_UNAVAILABLE`
 *   for refused or reset connections and non-2xx statuses (with the host and status or socket error
 *   code in `details`); `UPSTREAM_INVALID` (details.reason `html_page`) for a 200 answer that is an
 *   HTML page (captcha or ban page), a ban signal for the breaker.
 * @throws {UpstreamUnavailableError} (503) from the policy: circuit open, retries exhausted, queue
 *   full or total time bound reached.
 */
export async function fetchUpstreamText(url: string, options: UpstreamGet): Promise<string> {
  const policy = options.policy ?? options.policies?.forUrl(url);
  if (!policy) {
    currentCallGate()?.beforeCall(new URL(url).host);
    return fetchOnce(url, options, options.signal);
  }
  return policy.execute((signal) => fetchOnce(url, options, signal), options.signal);
}

/** One GET with its own timeout, `signal` aborting it early. */
async function fetchOnce(url: string, options: UpstreamGet, outer: AbortSignal | undefined): Promise<string> {
  const { signal: timeout, clear } = timeoutSignal(options.timeoutMs);
  const signal = outer ? AbortSignal.any([timeout, outer]) : timeout;
  const host = new URL(url).host;
  let body: string;
  try {
    const response = await (options.fetch ?? globalThis.fetch)(url, {
      signal,
      headers: { ...BROWSER_HEADERS, ...options.headers },
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new UpstreamError("UPSTREAM_UNAVAILABLE", `Upstream answered HTTP ${response.status}`, {
        host,
        status: response.status,
      });
    }
    body = await response.text();
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    if (timeout.aborted)
      throw new UpstreamError("UPSTREAM_TIMEOUT", "Upstream did not answer in time", { host }, { cause: error });
    if (outer?.aborted)
      throw new UpstreamError(
        "UPSTREAM_UNAVAILABLE",
        "The upstream call was cancelled",
        { host, reason: "aborted" },
        { cause: error },
      );
    const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
    throw new UpstreamError(
      "UPSTREAM_UNAVAILABLE",
      "Upstream could not be reached or dropped the connection",
      { host, reason: code ?? "network error" },
      { cause: error },
    );
  } finally {
    clear();
  }
  if (looksLikeHtml(body)) {
    throw new UpstreamError(
      "UPSTREAM_INVALID",
      "Upstream sent invalid data: an HTML page instead of JSON (a captcha or ban page?)",
      {
        host,
        reason: "html_page",
        body_start: body.slice(0, 120),
      },
    );
  }
  return body;
}

/**
 * An endpoint URL from a configured base: the host (`https://push2.eastmoney.com`, a replay's
 * `http://127.0.0.1:8001`) gets `path` appended; a URL that already ends with `path` is used as is.
 */
export function endpointUrl(baseUrl: string, path: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  return trimmed.endsWith(path) ? trimmed : trimmed + path;
}
