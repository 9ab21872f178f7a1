/**
 * Answering a history request in the format asked for, reusing serialised answers (the system's
 * body cache, see ../../body-cache.ts) and honouring If-None-Match (304 Not Modified).
 */
import type { Context } from "hono";
import { DAILY_BAR_FIELDS, type HistoryQuery, type HistoryResult } from "@quantdb/core/history";
import { etagMatches, serialise, type SerialisedBody } from "../../body-cache.ts";
import type { AppEnv } from "../../context.ts";
import { historyBody } from "./get.ts";

/** Response formats of the history endpoints. */
const HISTORY_FORMATS = ["json", "columns", "csv"] as const;
/** A response format: `json` (bars as objects), `columns` (one array per field) or `csv`. */
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

/** Media type of `format=columns`: JSON, told apart from the row-shaped answer. */
const COLUMNS_MEDIA_TYPE = "application/vnd.quantdb.columns+json";
/** Fields of a bar in column and CSV order. */
const BAR_FIELDS = [...DAILY_BAR_FIELDS, "provisional", "partial"] as const;

/** `identity`: when set, a key that determines the body exactly (see {@link serialise}). */
function render(result: HistoryResult, format: HistoryFormat, identity?: string): SerialisedBody {
  if (format === "csv") {
    let text = BAR_FIELDS.join(",") + "\n";
    for (const bar of result.bars) text += BAR_FIELDS.map((field) => bar[field] ?? "").join(",") + "\n";
    return serialise(text, "text/csv; charset=utf-8", result.bars.length, identity);
  }
  if (format === "json" && result.barsJson) {
    // The bars are already JSON text (stored that way): put it in place of an empty data array.
    // `"data":[]` occurs once: every string before it has its quotes escaped.
    const shell = historyBody(result, [], result.barsJson.count);
    const text = JSON.stringify(shell).replace('"data":[]', () => `"data":${result.barsJson!.text}`);
    return serialise(text, "application/json", result.barsJson.count, identity);
  }
  const body = historyBody(result);
  if (format === "columns") {
    const { data, ...rest } = body;
    const columns = Object.fromEntries(BAR_FIELDS.map((field) => [field, data.map((bar) => bar[field])]));
    return serialise(JSON.stringify({ ...rest, columns }), COLUMNS_MEDIA_TYPE, result.bars.length, identity);
  }
  return serialise(JSON.stringify(body), "application/json", result.bars.length, identity);
}

/**
 * Serve `query` in `format`: a reused serialised answer when the history service says the stored
 * data it depends on is unchanged, else a fresh answer (kept for reuse when it made no upstream
 * call). Sends `ETag`; answers 304 without a body when If-None-Match matches.
 */
export async function serveHistory(
  c: Context<AppEnv>,
  query: HistoryQuery,
  format: HistoryFormat,
  options: { allowPartial?: boolean; forceRefresh?: boolean } = {},
): Promise<Response> {
  const { history, bodyCache: cache } = c.var.services;
  const started = performance.now();
  // force_refresh: the service replaces the held series from upstream first (its write bumps the data
  // version, so no reused body answers for the old data); a forced answer is never a reused one.
  const key = options.forceRefresh ? null : await history.responseCacheKey(query);
  const cacheKey = key === null ? null : `${format}|${key}`;
  let body = cacheKey === null ? undefined : cache.get(cacheKey);
  if (body) {
    history.recordReusedAnswer(performance.now() - started);
  } else {
    const result = await history.getBars(query, {
      signal: c.req.raw.signal,
      allowPartial: options.allowPartial ?? false,
      forceRefresh: options.forceRefresh ?? false,
    });
    // An answer that made no upstream call is exactly determined by its cache key (data version,
    // today, range, format…): its entity tag is the key's hash, not the body's.
    // Nor is an answer serving unconfirmed empty sessions: the next request asks upstream again.
    const reusable =
      cacheKey !== null &&
      result.complete &&
      result.cache.upstream_requests === 0 &&
      result.cache.unconfirmed_empty.length === 0;
    body = render(result, format, reusable ? cacheKey : undefined);
    // A partial answer (allow_partial, upstream down) is never reused: the next request tries upstream again.
    if (!result.complete) {
      c.set("rowsServed", body.rows);
      return c.body(body.bytes as Uint8Array<ArrayBuffer>, 200, {
        "Content-Type": body.contentType,
        "Cache-Control": "no-store",
        "X-QuantDB-Complete": "false",
      });
    }
    if (reusable) cache.set(cacheKey, body);
  }
  const headers = { ETag: body.etag, "Cache-Control": "no-cache" };
  if (etagMatches(c.req.header("If-None-Match"), body.etag)) return c.body(null, 304, headers);
  c.set("rowsServed", body.rows);
  return c.body(body.bytes as Uint8Array<ArrayBuffer>, 200, { ...headers, "Content-Type": body.contentType });
}
