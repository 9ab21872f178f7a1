/**
 * An in-process cache of serialised history answers, so a repeated question is answered without
 * touching the bars, serialising or compressing them again. Entries are keyed by the history
 * service's `responseCacheKey` (instrument, adjust, period, range, the instrument's data version
 * from the database, today and the calendar horizon) plus the response format: a write to the
 * instrument by any process changes its data version, so the next read misses and rebuilds — every
 * compressed variant goes with the identity bytes it was made from.
 *
 * Each entry holds the identity bytes and, made once the first time a client asks for them, a gzip
 * and a brotli variant. Bounded by the bytes of every variant (lru-cache, least recently used out
 * first). One per running system (`Services.bodyCache`, built by createServices with the system's size).
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, constants as zlibConstants, gzip } from "node:zlib";
import { LRUCache } from "lru-cache";
import type { ContentCoding } from "./encoding.ts";

/** A serialised answer ready to send. */
export interface SerialisedBody {
  /** UTF-8 bytes of the body (the identity representation). */
  bytes: Uint8Array;
  /** Weak entity tag of the bytes, quoted (`W/"…"`); the same for every content coding of them. */
  etag: string;
  contentType: string;
  /** Bars the body carries (for the rows-served metric); 0 when it carries none. */
  rows: number;
}

/** One cached answer: its identity body and the compressed variants made so far. */
interface Entry {
  body: SerialisedBody;
  variants: Partial<Record<ContentCoding, Uint8Array>>;
}

/**
 * Compression settings of the stored variants, chosen by measurement (docs/performance.md,
 * "Compressed variants"): on a ~1 MB answer gzip level 6 took ~16 ms and brotli quality 5 ~22 ms,
 * once per answer; higher levels bought 1–2 % fewer bytes for 2–4× the time.
 */
const GZIP_LEVEL = 6;
const BROTLI_QUALITY = 5;
const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * `bytes` compressed with `coding` on the libuv thread pool (the event loop keeps serving).
 * @returns the compressed bytes (gzip: RFC 1952 member; br: RFC 7932 stream)
 */
export function compressBody(bytes: Uint8Array, coding: ContentCoding): Promise<Uint8Array> {
  if (coding === "gzip") return gzipAsync(bytes, { level: GZIP_LEVEL });
  return brotliAsync(bytes, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
    },
  });
}

/**
 * Bytes of `text` with their entity tag; `rows` is how many bars it carries. The tag is the SHA-1
 * of `contentType` and `tagged`: by default the text itself; a history answer passes its text with
 * `metadata.cache` left out (how this answer was served, not what it says), so the answer that
 * fetched from upstream and the cached one after it validate each other when the data is the same.
 */
export function serialise(
  text: string,
  contentType: string,
  rows = 0,
  tagged: readonly string[] = [text],
): SerialisedBody {
  const hash = createHash("sha1").update(contentType);
  for (const part of tagged) hash.update(part);
  return { bytes: Buffer.from(text, "utf8"), etag: `W/"${hash.digest("base64url")}"`, contentType, rows };
}

/** Whether an If-None-Match header value matches `etag` (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === opaque);
}

const entryBytes = (entry: Entry) =>
  entry.body.bytes.byteLength + (entry.variants.gzip?.byteLength ?? 0) + (entry.variants.br?.byteLength ?? 0);

/** Least-recently-used serialised answers and their compressed variants, bounded by their total size in bytes. */
export class BodyCache {
  readonly #entries: LRUCache<string, Entry> | undefined;
  /** Variants being compressed, by `coding|key`: concurrent first requests share one compression. */
  readonly #pending = new Map<string, Promise<Uint8Array>>();

  /**
   * @param maxBytes total bytes kept, every variant counted (default 64 MiB); an answer whose
   *   variants together would exceed a quarter of it is not kept, so 0 keeps nothing (every answer is built).
   */
  constructor(maxBytes = 64 * 1024 * 1024) {
    this.#entries =
      maxBytes > 0
        ? new LRUCache<string, Entry>({
            maxSize: maxBytes,
            maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)),
            sizeCalculation: entryBytes,
          })
        : undefined;
  }

  /** The identity body kept under `key` (and marks it recently used). */
  get(key: string): SerialisedBody | undefined {
    return this.#entries?.get(key)?.body;
  }

  /** Keep `body` under `key`, replacing any earlier body and its variants. */
  set(key: string, body: SerialisedBody): void {
    this.#entries?.set(key, { body, variants: {} });
  }

  /**
   * The `coding` variant of `body` (kept under `key`): the stored one, or compressed now and stored
   * beside `body` while `body` is still the entry under `key` and the entry still fits. A body that
   * is not (or no longer) kept is compressed for this answer only.
   */
  variant(key: string, body: SerialisedBody, coding: ContentCoding): Uint8Array | Promise<Uint8Array> {
    const stored = this.#entries?.peek(key);
    const ready = stored?.body === body ? stored.variants[coding] : undefined;
    if (ready) return ready;
    const pendingKey = `${coding}|${key}`;
    const inFlight = this.#pending.get(pendingKey);
    if (inFlight && stored?.body === body) return inFlight;
    const made = compressBody(body.bytes, coding).then((bytes) => {
      const entry = this.#entries?.peek(key);
      if (entry?.body === body) {
        const next: Entry = { body, variants: { ...entry.variants, [coding]: bytes } };
        // Only while it fits: lru-cache drops an entry that grows past its size limit.
        if (entryBytes(next) <= this.#entries!.maxEntrySize) this.#entries!.set(key, next);
      }
      return bytes;
    });
    if (stored?.body === body) {
      this.#pending.set(pendingKey, made);
      const clear = () => this.#pending.get(pendingKey) === made && this.#pending.delete(pendingKey);
      made.then(clear, clear);
    }
    return made;
  }

  /** Entries and bytes held (every variant counted). */
  size(): { entries: number; bytes: number } {
    return { entries: this.#entries?.size ?? 0, bytes: this.#entries?.calculatedSize ?? 0 };
  }
}
