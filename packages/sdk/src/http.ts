/**
 * The transport: one typed `call` per (method, path) of the generated `paths`, built on `fetch`
 * only, with a per-attempt timeout, the caller's abort signal, and retries of network errors,
 * timeouts and 5xx answers (p-retry). Internal: the public surface is `createClient`.
 */
import pRetry, { AbortError } from "p-retry";
import { QuantDbApiError, type ApiErrorCode } from "./errors.ts";
import type { paths } from "./openapi.d.ts";

/**
 * Any `fetch`-compatible function. The client always calls it as `fetch(request)` with one
 * `Request` (method, URL, headers, body and signal inside; `init` is never passed), unbound, so the
 * global `fetch`, a wrapped one, `(input, init) => app.fetch(new Request(input, init))` and Hono's
 * `app.fetch` itself all fit.
 * @param input - the request to send.
 * @param init - never passed by the client; present so `(input, init) => …` wrappers type-check.
 */
export type FetchLike = (input: Request, init?: RequestInit) => Promise<Response> | Response;

/** Settings of a transport (validated by `createClient`). */
export interface TransportSettings {
  baseUrl: string;
  apiKey: string | undefined;
  fetch: FetchLike | undefined;
  timeoutMs: number;
  retries: number;
}

type HttpMethod = "get" | "post" | "delete";
type OperationOf<P extends keyof paths, M extends HttpMethod> = NonNullable<paths[P][M]>;
/** Methods a path has (those not typed `never`). */
type MethodsOf<P extends keyof paths> = { [M in HttpMethod]: paths[P][M] extends undefined ? never : M }[HttpMethod];
/** The JSON body of an operation's 200 answer. */
type OkBody<O> = O extends { responses: { 200: { content: { "application/json": infer T } } } } ? T : never;
type PathParamsOf<O> = O extends { parameters: { path: infer X } } ? X : undefined;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? ([Q] extends [never] ? undefined : Q) : undefined;
type BodyOf<O> = O extends { requestBody: { content: { "application/json": infer B } } } ? B : undefined;

/** What one call sends: path parameters, query and JSON body as typed by the operation, and a signal. */
interface CallInit<O> {
  params?: PathParamsOf<O>;
  query?: QueryOf<O>;
  body?: BodyOf<O>;
  signal?: AbortSignal | undefined;
}

/**
 * A typed call of one API operation; `call.text` makes the same call and resolves to the answer's
 * text as sent (for `format=csv`), not parsed.
 */
export type Call = (<P extends keyof paths, M extends MethodsOf<P>>(
  method: M,
  path: P,
  init?: CallInit<OperationOf<P, M>>,
) => Promise<OkBody<OperationOf<P, M>>>) & {
  text: <P extends keyof paths, M extends MethodsOf<P>>(
    method: M,
    path: P,
    init?: CallInit<OperationOf<P, M>>,
  ) => Promise<string>;
};

/** Exponential backoff: 300 ms, 600 ms, 1.2 s, … (each × a random 1-2), at most 10 s. */
const BACKOFF = { factor: 2, minTimeout: 300, maxTimeout: 10_000, randomize: true } as const;

/** Fill `{name}` segments of a path template. */
function fillPath(template: string, params: Record<string, string> | undefined): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new TypeError(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}

function queryString(query: Record<string, string | undefined> | undefined): string {
  if (!query) return "";
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.append(name, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A signal that aborts when any of `signals` does (AbortSignal.any where the runtime has it). */
function anySignal(signals: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  if (typeof any === "function") return { signal: any.call(AbortSignal, signals), dispose() {} };
  const controller = new AbortController();
  const listeners: Array<[AbortSignal, () => void]> = [];
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    const onAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    listeners.push([signal, onAbort]);
  }
  return {
    signal: controller.signal,
    dispose() {
      for (const [signal, onAbort] of listeners) signal.removeEventListener("abort", onAbort);
    },
  };
}

function abortedError(what: string, cause: unknown): QuantDbApiError {
  return new QuantDbApiError({ code: "ABORTED", status: 0, message: `${what} was aborted`, cause });
}

function snippet(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** The error of a non-2xx answer: the API's envelope when it is one, else HTTP_ERROR. */
export function errorFromAnswer(what: string, status: number, text: string): QuantDbApiError {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const error = parsed?.error;
    if (error && typeof error.code === "string" && typeof error.message === "string") {
      const details =
        error.details && typeof error.details === "object" ? (error.details as Record<string, unknown>) : undefined;
      // The envelope's code as sent (one of ApiErrorCode; a newer server's new code passes through too).
      return new QuantDbApiError({
        code: error.code as ApiErrorCode,
        status,
        message: error.message,
        ...(details ? { details } : {}),
      });
    }
  } catch {
    // not JSON: fall through
  }
  return new QuantDbApiError({
    code: "HTTP_ERROR",
    status,
    message: `${what} answered HTTP ${status} without a QuantDB error envelope`,
    details: { body: snippet(text) },
  });
}

/**
 * Build the typed `call` of a client.
 * @param settings - validated client settings.
 */
export function createTransport(settings: TransportSettings): Call {
  const base = settings.baseUrl.replace(/\/+$/, "");
  const headers: Record<string, string> = { accept: "application/json" };
  if (settings.apiKey !== undefined) headers.authorization = `Bearer ${settings.apiKey}`;

  async function attempt(
    what: string,
    url: string,
    method: string,
    body: string | undefined,
    caller: AbortSignal | undefined,
    parse: boolean,
  ): Promise<unknown> {
    const timeout = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      timeout.abort(
        new QuantDbApiError({
          code: "TIMEOUT",
          status: 0,
          message: `${what} timed out after ${settings.timeoutMs} ms`,
        }),
      );
    }, settings.timeoutMs);
    const combined = caller ? anySignal([caller, timeout.signal]) : { signal: timeout.signal, dispose() {} };
    // A failure without an HTTP answer: the caller's abort (final), our timeout or the network (retried).
    const failure = (cause: unknown): Error => {
      if (caller?.aborted) return new AbortError(abortedError(what, caller.reason));
      if (timedOut)
        return new QuantDbApiError({
          code: "TIMEOUT",
          status: 0,
          message: `${what} timed out after ${settings.timeoutMs} ms`,
          cause,
        });
      const reason = cause instanceof Error ? cause.message : String(cause);
      return new QuantDbApiError({ code: "NETWORK_ERROR", status: 0, message: `${what} failed: ${reason}`, cause });
    };
    let status: number;
    let text: string;
    try {
      const request = new Request(url, {
        method,
        headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
        ...(body === undefined ? {} : { body }),
        signal: combined.signal,
      });
      // Called unbound: a browser's window.fetch passed as an option throws "Illegal invocation"
      // when called as a method of another object.
      const fetchImpl = settings.fetch ?? globalThis.fetch;
      const response = await fetchImpl(request);
      status = response.status;
      text = await response.text();
    } catch (cause) {
      throw failure(cause);
    } finally {
      clearTimeout(timer);
      combined.dispose();
    }
    if (status >= 200 && status < 300) {
      if (!parse) return text;
      try {
        return JSON.parse(text) as unknown;
      } catch (cause) {
        throw new AbortError(
          new QuantDbApiError({
            code: "INVALID_RESPONSE",
            status,
            message: `${what} answered HTTP ${status} with a body that is not JSON`,
            details: { body: snippet(text) },
            cause,
          }),
        );
      }
    }
    const error = errorFromAnswer(what, status, text);
    // 5xx may pass (the upstream recovers, the server restarts); 4xx will not.
    throw status >= 500 ? error : new AbortError(error);
  }

  const send = async (method: string, path: string, init: CallInit<unknown>, parse: boolean): Promise<unknown> => {
    const filled = fillPath(path, init.params as Record<string, string> | undefined);
    const url = base + filled + queryString(init.query as Record<string, string | undefined> | undefined);
    const verb = method.toUpperCase();
    const what = `${verb} ${filled}`;
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const caller = init.signal;
    if (caller?.aborted) throw abortedError(what, caller.reason);
    try {
      return await pRetry(() => attempt(what, url, verb, body, caller, parse), {
        ...BACKOFF,
        retries: settings.retries,
        ...(caller ? { signal: caller } : {}),
      });
    } catch (error) {
      if (error instanceof QuantDbApiError) throw error;
      // p-retry rejects with the signal's reason when the caller aborts during a backoff wait.
      if (caller?.aborted) throw abortedError(what, caller.reason);
      throw error;
    }
  };
  const call = (method: string, path: string, init: CallInit<unknown> = {}) => send(method, path, init, true);
  const text = (method: string, path: string, init: CallInit<unknown> = {}) => send(method, path, init, false);
  return Object.assign(call, { text }) as unknown as Call;
}
