/**
 * `streamQuotes`: live quotes over server-sent events (`GET /api/v1/stream/quotes`) read with `fetch`
 * streaming, so it runs wherever `fetch` does (Node, browsers, Deno, Bun) and through an in-process
 * `fetch` (`@quantdb/embedded`). Events are parsed by eventsource-parser. A dropped or ended connection
 * is reopened after a back-off with `Last-Event-ID`; a 4xx answer ends the iteration with its error.
 */
import { createParser } from "eventsource-parser";
import type { StreamQuotesOptions } from "./client.ts";
import { cryptoSymbolText, type CryptoSymbol } from "./crypto.ts";
import { QuantDbApiError } from "./errors.ts";
import { errorFromAnswer, type TransportSettings } from "./http.ts";
import type { QuoteStreamEvent } from "./types.ts";

const PATH = "/api/v1/stream/quotes";
/** First reconnect delay and its cap, ms. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** The server sends a comment at least every 15 s; three missed ones mean the connection is dead. */
const IDLE_TIMEOUT_MS = 45_000;
const KINDS: ReadonlySet<string> = new Set(["quote", "status", "error"]);

/**
 * The default reconnect delay before attempt `attempt` (1, 2, …) after a failure: 500 ms doubling per
 * attempt, capped at 30 s, half of it fixed and half random ("equal jitter"), so clients dropped together
 * do not come back together.
 * @param attempt - consecutive failed connections so far (reset by a connection that delivered an event).
 * @param random - a number in [0, 1). @default Math.random
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The event of one SSE message; undefined for anything else (other events, bad JSON, server errors). */
function eventOf(message: { event?: string | undefined; id?: string | undefined; data: string }) {
  if (!message.event || !KINDS.has(message.event)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== "object") return undefined;
  // An `error` event other than UNKNOWN_SYMBOL is the server failing; the connection ends and is reopened.
  if (message.event === "error" && (data as { code?: unknown }).code !== "UNKNOWN_SYMBOL") return undefined;
  // safe because the server's OpenAPI document (StreamEvent) fixes each kind's data
  return { event: message.event, id: message.id ?? "", data } as QuoteStreamEvent;
}

/** A wait that ends early (resolving) when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * The events of one response body, in order. The reader is cancelled when `connection` aborts (an
 * in-process `fetch` does not tie the body to the request's signal), when the consumer stops, and when
 * no byte came for `idleMs` (then `connection` aborts with a TIMEOUT error).
 */
async function* eventsOf(
  body: ReadableStream<Uint8Array>,
  connection: AbortController,
  idleMs: number,
): AsyncGenerator<QuoteStreamEvent, void, undefined> {
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  connection.signal.addEventListener("abort", cancel, { once: true });
  const decoder = new TextDecoder();
  const parsed: QuoteStreamEvent[] = [];
  const parser = createParser({
    onEvent(message) {
      const event = eventOf(message);
      if (event) parsed.push(event);
    },
  });
  try {
    for (;;) {
      const timer = setTimeout(() => {
        const message = `no data from ${PATH} for ${idleMs} ms`;
        connection.abort(new QuantDbApiError({ code: "TIMEOUT", status: 0, message }));
      }, idleMs);
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } finally {
        clearTimeout(timer);
      }
      if (chunk.done) return;
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      while (parsed.length > 0) yield parsed.shift()!;
    }
  } finally {
    connection.signal.removeEventListener("abort", cancel);
    cancel();
  }
}

/**
 * Stream the events of `symbols` until `options.signal` aborts (then the iteration returns) or the
 * server answers 4xx (then it throws that {@link QuantDbApiError}), reconnecting after everything else.
 * @param settings - the client's settings (base URL, API key, fetch, `timeoutMs` for each connection's headers).
 */
export async function* streamQuoteEvents(
  settings: TransportSettings,
  symbols: readonly CryptoSymbol[],
  options: StreamQuotesOptions,
): AsyncGenerator<QuoteStreamEvent, void, undefined> {
  const { signal, retryDelay = reconnectDelay, onReconnect, idleTimeoutMs = IDLE_TIMEOUT_MS } = options;
  const list = symbols.map(cryptoSymbolText).join(",");
  const url = `${settings.baseUrl.replace(/\/+$/, "")}${PATH}?symbols=${encodeURIComponent(list)}`;
  const what = `GET ${PATH}`;
  let lastEventId: string | undefined;
  let failures = 0;
  while (!signal?.aborted) {
    const connection = new AbortController();
    const onAbort = () => connection.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let failure: QuantDbApiError;
    try {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (settings.apiKey !== undefined) headers.authorization = `Bearer ${settings.apiKey}`;
      if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
      const timer = setTimeout(() => {
        const message = `${what} sent no answer within ${settings.timeoutMs} ms`;
        connection.abort(new QuantDbApiError({ code: "TIMEOUT", status: 0, message }));
      }, settings.timeoutMs);
      let response: Response;
      try {
        // Called unbound, as the transport does (a browser's fetch refuses another `this`).
        const fetchImpl = settings.fetch ?? globalThis.fetch;
        response = await fetchImpl(new Request(url, { headers, signal: connection.signal }));
      } finally {
        clearTimeout(timer);
      }
      const type = response.headers.get("content-type") ?? "";
      if (!response.ok) {
        const error = errorFromAnswer(what, response.status, await response.text().catch(() => ""));
        if (response.status < 500) throw error;
        failure = error;
      } else if (!response.body || !/^text\/event-stream\b/i.test(type)) {
        await response.body?.cancel().catch(() => {});
        throw new QuantDbApiError({
          code: "INVALID_RESPONSE",
          status: response.status,
          message: `${what} answered HTTP ${response.status} with ${type || "no content type"}, not an event stream`,
        });
      } else {
        for await (const event of eventsOf(response.body, connection, idleTimeoutMs)) {
          failures = 0; // the connection worked: the next failure starts the back-off again
          if (event.id !== "") lastEventId = event.id;
          yield event;
        }
        const reason = connection.signal.reason;
        failure =
          reason instanceof QuantDbApiError
            ? reason
            : new QuantDbApiError({
                code: "NETWORK_ERROR",
                status: 0,
                message: `${what}: the server ended the stream`,
              });
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof QuantDbApiError && !error.retryable) throw error;
      const reason = connection.signal.reason;
      failure =
        reason instanceof QuantDbApiError
          ? reason
          : error instanceof QuantDbApiError
            ? error
            : new QuantDbApiError({
                code: "NETWORK_ERROR",
                status: 0,
                message: `${what} failed: ${error instanceof Error ? error.message : String(error)}`,
                cause: error,
              });
    } finally {
      signal?.removeEventListener("abort", onAbort);
      connection.abort(); // whatever is still open of this connection (the consumer may have stopped)
    }
    if (signal?.aborted) return;
    failures += 1;
    const delayMs = retryDelay(failures);
    onReconnect?.({ attempt: failures, delayMs, error: failure });
    await pause(delayMs, signal);
  }
}
