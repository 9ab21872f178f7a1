/**
 * The push2 JSON envelope shared by `clist/get` and `stock/get` (docs/upstream-spec.md §1.3):
 * `{"rc":0,"rt":…,"svr":…,"lt":1,"full":…,"dlmkts":"","dsc":"0","data":{…}|null}`. Parsed
 * leniently: upstream adds top-level keys without warning (`dlmkts`, then `dsc`).
 */
import { UpstreamError } from "../errors.ts";

/** An `UPSTREAM_INVALID` error with a message saying what was wrong. */
export function invalid(message: string, details?: Record<string, unknown>): UpstreamError {
  return new UpstreamError("UPSTREAM_INVALID", `Upstream sent invalid data: ${message}`, details);
}

/** Strip a JSONP wrapper `cb({...});` if upstream (or a proxy) added one. */
function unwrapJsonp(body: string): string {
  const match = /^\s*[\w$.]+\(([\s\S]*)\)\s*;?\s*$/.exec(body);
  return match?.[1] ?? body;
}

/**
 * Parse a push2 response body and return its `data` member: an object, or null (`data:null`,
 * which upstream sends for an unknown secid or a page past the end).
 * @throws {UpstreamError} `UPSTREAM_INVALID` for a body that is not JSON (an HTML captcha page, a
 *   truncated body), an envelope that is not an object, a non-zero `rc`, or a `data` that is
 *   neither an object nor null.
 */
export function parseEnvelopeData(body: string): Record<string, unknown> | null {
  let json: unknown;
  try {
    json = JSON.parse(unwrapJsonp(body));
  } catch {
    const looksHtml = /^\s*</.test(body);
    throw invalid(looksHtml ? "an HTML page instead of JSON (a captcha or ban page?)" : "a body that is not JSON", {
      body_start: body.slice(0, 120),
    });
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) throw invalid("the response is not a JSON object");
  const envelope = json as Record<string, unknown>;
  if (envelope.rc !== undefined && envelope.rc !== 0) throw invalid(`rc=${String(envelope.rc)}`);
  const data = envelope.data;
  if (data === null || data === undefined) return null;
  if (typeof data !== "object" || Array.isArray(data)) throw invalid("data is not an object");
  return data as Record<string, unknown>;
}

/**
 * A numeric field under `fltt=2`: a JSON number (or numeric text); `"-"`, `""`, null or absent
 * mean "no value" and give null.
 * @throws {UpstreamError} `UPSTREAM_INVALID` for anything else (non-numeric text, an object).
 */
export function numberField(
  row: Record<string, unknown>,
  key: string,
  context: Record<string, unknown>,
): number | null {
  const value = row[key];
  if (value === undefined || value === null || value === "-" || value === "") return null;
  const number = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) throw invalid(`non-numeric ${key} ${JSON.stringify(value)}`, context);
  return number;
}

/**
 * A text field: trimmed text, or null for `"-"`, `""`, null or absent.
 * @throws {UpstreamError} `UPSTREAM_INVALID` when the value is neither text nor absent.
 */
export function textField(row: Record<string, unknown>, key: string, context: Record<string, unknown>): string | null {
  const value = row[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw invalid(`${key} is not text: ${JSON.stringify(value)}`, context);
  const text = value.trim();
  return text === "" || text === "-" ? null : text;
}
