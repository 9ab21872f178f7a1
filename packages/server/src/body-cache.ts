/**
 * An in-process cache of serialised history answers, so a repeated question is answered without
 * touching the bars or serialising them again. Entries are keyed by the history service's
 * `responseCacheKey` (instrument, adjust, period, range, the instrument's data version from the
 * database, today and the calendar horizon) plus the response format: a write to the instrument by
 * any process changes its data version, so the next read misses and rebuilds. Bounded by bytes,
 * least recently used out first. One per running system (`Services.bodyCache`, built by
 * createServices with the system's size).
 */
import { createHash } from "node:crypto";

/** A serialised answer ready to send. */
export interface SerialisedBody {
  /** UTF-8 bytes of the body. */
  bytes: Uint8Array;
  /** Weak entity tag of the bytes, quoted (`W/"…"`). */
  etag: string;
  contentType: string;
  /** Bars the body carries (for the rows-served metric); 0 when it carries none. */
  rows: number;
}

/** Bytes hashed at each end of a body whose identity key is given (its shape: field names, metadata). */
const EDGE_BYTES = 2048;

/**
 * Bytes of `text` with their entity tag; `rows` is how many bars it carries. The tag is the SHA-1
 * of the bytes, or — when `identity` is given, a key that determines the data in the bytes exactly
 * (a reusable answer's cache key) — of that key and the body's first and last 2 KiB (where the
 * answer's shape shows), so a 5,000-bar body is not hashed whole on every request.
 */
export function serialise(text: string, contentType: string, rows = 0, identity?: string): SerialisedBody {
  const bytes = Buffer.from(text, "utf8");
  const hash = createHash("sha1");
  if (identity === undefined || bytes.byteLength <= 4 * EDGE_BYTES) hash.update(bytes);
  else
    hash
      .update(identity)
      .update(bytes.subarray(0, EDGE_BYTES))
      .update(bytes.subarray(bytes.byteLength - EDGE_BYTES));
  return { bytes, etag: `W/"${hash.digest("base64url")}"`, contentType, rows };
}

/** Whether an If-None-Match header value matches `etag` (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === opaque);
}

/** Least-recently-used map of serialised bodies bounded by their total size in bytes. */
export class BodyCache {
  readonly #entries = new Map<string, SerialisedBody>();
  readonly #maxBytes: number;
  #bytes = 0;

  /**
   * @param maxBytes total body bytes kept (default 64 MiB); a body larger than a quarter of it is
   *   not kept, so 0 keeps nothing (every answer is built).
   */
  constructor(maxBytes = 64 * 1024 * 1024) {
    this.#maxBytes = maxBytes;
  }

  get(key: string): SerialisedBody | undefined {
    const entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, body: SerialisedBody): void {
    if (body.bytes.byteLength > this.#maxBytes / 4) return;
    const old = this.#entries.get(key);
    if (old) {
      this.#bytes -= old.bytes.byteLength;
      this.#entries.delete(key);
    }
    this.#entries.set(key, body);
    this.#bytes += body.bytes.byteLength;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= v.bytes.byteLength;
    }
  }

  /** Entries and bytes held. */
  size(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }
}
