/**
 * Answering a history request in the format asked for, reusing serialised answers (the system's
 * body cache, see ../../body-cache.ts) and honouring If-None-Match (304 Not Modified).
 */
import type { Context } from "hono";
import { DAILY_BAR_FIELDS, type HistoryQuery, type HistoryResult } from "@quantdb/core/history";
import { compressBody, etagMatches, serialise, type SerialisedBody } from "../../body-cache.ts";
import type { AppEnv } from "../../context.ts";
import { negotiateEncoding } from "../../encoding.ts";
import { respond } from "../../middleware/edge.ts";
import { historyBody } from "./get.ts";

/** Response formats of the history endpoints. */
const HISTORY_FORMATS = ["json", "columns", "csv"] as const;
/** A response format: `json` (bars as objects), `columns` (one array per field) or `csv`. */
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

/** Media type of `format=columns`: JSON, told apart from the row-shaped answer. */
const COLUMNS_MEDIA_TYPE = "application/vnd.quantdb.columns+json";
/** Fields of a bar in column and CSV order. */
const BAR_FIELDS = [...DAILY_BAR_FIELDS, "provisional", "partial"] as const;

/** Bodies smaller than this are sent uncompressed (the coding's framing would eat most of the gain). */
const COMPRESS_MIN_BYTES = 1024;

function render(result: HistoryResult, format: HistoryFormat): SerialisedBody {
  if (format === "csv") {
    let text = BAR_FIELDS.join(",") + "\n";
    for (const bar of result.bars) text += BAR_FIELDS.map((field) => bar[field] ?? "").join(",") + "\n";
    return serialise(text, "text/csv; charset=utf-8", result.bars.length);
  }
  // The bars are serialised once (or are already JSON text, stored that way) and put in place of an empty array in
  // the rest of the body: `"data":[]` / `"columns":[]` occurs once, as every string before it has its quotes escaped.
  // The entity tag covers the body without `metadata.cache` (see serialise).
  const count = result.barsJson?.count ?? result.bars.length;
  const body = historyBody(result, [], count);
  const { data: _empty, ...rest } = body;
  const [field, payload] =
    format === "columns"
      ? ["columns", JSON.stringify(Object.fromEntries(BAR_FIELDS.map((f) => [f, result.bars.map((bar) => bar[f])])))]
      : ["data", result.barsJson?.text ?? JSON.stringify(result.bars)];
  const placeholder = `"${field}":[]`;
  const outline = (cache: unknown) => {
    const metadata = { ...body.metadata, cache };
    return JSON.stringify(format === "columns" ? { ...rest, metadata, columns: [] } : { ...body, metadata });
  };
  const text = outline(body.metadata.cache).replace(placeholder, () => `"${field}":${payload}`);
  const contentType = format === "columns" ? COLUMNS_MEDIA_TYPE : "application/json";
  return serialise(text, contentType, count, [outline(null), payload]);
}

/**
 * Serve `query` in `format`: a reused serialised answer when the history service says the stored
 * data it depends on is unchanged, else a fresh answer (kept for reuse when it made no upstream
 * call). Sends `ETag` (the hash of the answer without its `metadata.cache`, so the answer that
 * fetched from upstream validates on the next request too); answers 304 without a body when
 * If-None-Match matches. Compressed as the client's Accept-Encoding prefers (brotli, gzip or
 * identity): a reused answer from the variants kept with it (made once, the first time a client
 * asks), any other answer on the fly.
 */
export async function serveHistory(
  c: Context<AppEnv>,
  query: HistoryQuery,
  format: HistoryFormat,
  options: { allowPartial?: boolean; forceRefresh?: boolean } = {},
): Promise<Response> {
  const { history } = c.get("services");
  const started = performance.now();
  // force_refresh: the service replaces the held series from upstream first (its write bumps the data
  // version, so no reused body answers for the old data); a forced answer is never a reused one.
  const key = options.forceRefresh ? null : await history.responseCacheKey(query);
  return serveReusable(
    c,
    key === null ? null : `${format}|${key}`,
    async () => {
      const result = await history.getBars(query, {
        signal: c.req.raw.signal,
        allowPartial: options.allowPartial ?? false,
        forceRefresh: options.forceRefresh ?? false,
      });
      return {
        body: render(result, format),
        cache: result.cache,
        // A partial answer (allow_partial, upstream down) is never reused nor validated: the next request tries
        // upstream again.
        ...(result.complete ? {} : { unvalidated: { "Cache-Control": "no-store", "X-QuantDB-Complete": "false" } }),
      };
    },
    () => history.recordReusedAnswer(performance.now() - started),
  );
}

/** What {@link serveReusable}'s `make` answers: the serialised body and what it cost upstream. */
export interface MadeAnswer {
  body: SerialisedBody;
  /** The answer's cache report: only an answer with no upstream call and nothing unconfirmed is reused. */
  cache: { upstream_requests: number; unconfirmed_empty: readonly unknown[] };
  /** Send without ETag, never reused, with these headers (a partial answer). */
  unvalidated?: Record<string, string>;
}

/**
 * The answer under `cacheKey` in the system's body cache when it is there (`onReused` counts it),
 * else `make`'s, kept under the key when it made no upstream call and served nothing unconfirmed:
 * only then is it exactly determined by the key (data version, today, range, format…). Sends `ETag`
 * (the hash of the answer without its `metadata.cache`, so the answer that fetched from upstream
 * validates the next request too) and 304 when If-None-Match matches; compressed as the client asks.
 * Shared by the history, crypto and indicator endpoints.
 */
export async function serveReusable(
  c: Context<AppEnv>,
  cacheKey: string | null,
  make: () => Promise<MadeAnswer>,
  onReused: () => void,
): Promise<Response> {
  const cache = c.get("services").bodyCache;
  let body = cacheKey === null ? undefined : cache.get(cacheKey);
  let reused = body !== undefined;
  if (body) {
    onReused();
  } else {
    const made = await make();
    body = made.body;
    if (made.unvalidated) {
      c.set("rowsServed", body.rows);
      return send(c, body, null, made.unvalidated);
    }
    reused = cacheKey !== null && made.cache.upstream_requests === 0 && made.cache.unconfirmed_empty.length === 0;
    if (reused) cache.set(cacheKey!, body);
  }
  const headers = { ETag: body.etag, "Cache-Control": "no-cache" };
  if (etagMatches(c.req.header("If-None-Match"), body.etag)) return respond(c, 304, null, headers);
  c.set("rowsServed", body.rows);
  return send(c, body, reused ? cacheKey : null, headers);
}

/**
 * Send `body` in the coding the client prefers: the variant kept with it under `cacheKey`, or
 * compressed now when it is not kept.
 */
async function send(
  c: Context<AppEnv>,
  body: SerialisedBody,
  cacheKey: string | null,
  headers: Record<string, string>,
): Promise<Response> {
  const coding =
    body.bytes.byteLength < COMPRESS_MIN_BYTES ? "identity" : negotiateEncoding(c.req.header("accept-encoding"));
  if (coding === "identity") return respond(c, 200, body.bytes, { ...headers, "Content-Type": body.contentType });
  const cached = cacheKey === null ? undefined : c.get("services").bodyCache.variant(cacheKey, body, coding);
  const bytes =
    cached === undefined
      ? await compressBody(body.bytes, coding)
      : cached instanceof Uint8Array
        ? cached
        : await cached;
  return respond(c, 200, bytes, { ...headers, "Content-Type": body.contentType, "Content-Encoding": coding });
}
