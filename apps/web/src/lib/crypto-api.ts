/**
 * The crypto endpoints of the API (issue 17), called the way the SDK client of the dashboard calls
 * the others: same base URL (the API itself server-side, the `/qdb` proxy in the browser), same
 * `Authorization: Bearer` key, and failures as the SDK's {@link QuantDbApiError} (the API's error
 * envelope: code, status, message, details). The SDK this dashboard builds against has no crypto
 * methods yet; when it has, these calls can move to it.
 */
import { QuantDbApiError } from "@quantdb/sdk";
import type { CryptoHistory, CryptoMarkets, CryptoQuoteBatch } from "./crypto.ts";

export interface CryptoApiOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  /** Per call, default 60 s. */
  timeoutMs?: number;
  fetch?: (request: Request) => Promise<Response>;
}

export interface CryptoApi {
  /** Bars of `pair` (`BTC-USDT`, as in page URLs) on `exchange`, as typed: the API judges both. */
  getHistory(
    exchange: string,
    pair: string,
    range: { start?: string; end?: string; timeframe?: string; signal?: AbortSignal },
  ): Promise<CryptoHistory>;
  getMarkets(exchange: string, options?: { quote?: string; signal?: AbortSignal }): Promise<CryptoMarkets>;
  getQuotes(symbols: readonly string[], options?: { signal?: AbortSignal }): Promise<CryptoQuoteBatch>;
}

/** The error of a non-2xx answer: the API's envelope when it is one, else HTTP_ERROR (as the SDK does). */
function errorOf(what: string, status: number, text: string): QuantDbApiError {
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } })?.error;
    if (error && typeof error.code === "string" && typeof error.message === "string") {
      return new QuantDbApiError({
        code: error.code as never,
        status,
        message: error.message,
        ...(error.details && typeof error.details === "object"
          ? { details: error.details as Record<string, unknown> }
          : {}),
      });
    }
  } catch {
    // not JSON
  }
  return new QuantDbApiError({
    code: "HTTP_ERROR",
    status,
    message: `${what} answered HTTP ${status} without a QuantDB error envelope`,
    details: { body: text.slice(0, 500) },
  });
}

export function createCryptoApi(options: CryptoApiOptions): CryptoApi {
  const base = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 60_000;

  async function call<T>(method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const what = `${method} ${path.split("?")[0]}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const timeout = AbortSignal.timeout(timeoutMs);
    let status: number;
    let text: string;
    try {
      const request = new Request(base + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const response = await (options.fetch ?? globalThis.fetch)(request);
      status = response.status;
      text = await response.text();
    } catch (cause) {
      if (signal?.aborted)
        throw new QuantDbApiError({ code: "ABORTED", status: 0, message: `${what} was aborted`, cause });
      if (timeout.aborted)
        throw new QuantDbApiError({ code: "TIMEOUT", status: 0, message: `${what} timed out after ${timeoutMs} ms` });
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new QuantDbApiError({ code: "NETWORK_ERROR", status: 0, message: `${what} failed: ${reason}`, cause });
    }
    if (status < 200 || status >= 300) throw errorOf(what, status, text);
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new QuantDbApiError({
        code: "INVALID_RESPONSE",
        status,
        message: `${what} answered a body that is not JSON`,
        cause,
      });
    }
  }

  const enc = encodeURIComponent;
  return {
    getHistory(exchange, pair, range) {
      const query = new URLSearchParams();
      if (range.start) query.set("start_date", range.start);
      if (range.end) query.set("end_date", range.end);
      if (range.timeframe) query.set("timeframe", range.timeframe);
      const path = `/api/v1/historical/crypto/${enc(exchange)}/${enc(pair)}`;
      return call("GET", `${path}?${query}`, undefined, range.signal);
    },
    getMarkets(exchange, { quote, signal } = {}) {
      const query = new URLSearchParams({ exchange });
      if (quote) query.set("quote", quote);
      return call("GET", `/api/v1/crypto/markets?${query}`, undefined, signal);
    },
    getQuotes(symbols, { signal } = {}) {
      return call("POST", "/api/v1/realtime/crypto/batch", { symbols }, signal);
    },
  };
}
