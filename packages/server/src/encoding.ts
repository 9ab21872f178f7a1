/**
 * Content negotiation of the stored compressed variants (RFC 9110 §12.5.3, Accept-Encoding with
 * q-values): which of brotli, gzip or identity a client gets for a cached answer.
 */
import { memo } from "@quantdb/core/memo";
import { parseAccept } from "hono/utils/accept";

/** The content codings the body cache stores beside the identity bytes. */
export type ContentCoding = "br" | "gzip";

/** Server preference among codings the client ranks equally: brotli is smaller at the same cost to decode. */
const PREFERENCE: readonly ContentCoding[] = ["br", "gzip"];

/** Clients send few distinct Accept-Encoding values: each is parsed once, so a hit parses nothing. */
const chooseMemo = memo(choose, 256);

/**
 * The representation to send for an `Accept-Encoding` header value: the acceptable coding with the
 * highest q-value (brotli before gzip on a tie), or `identity` when the client sends no header,
 * accepts neither, or ranks identity above both. `*` stands for every coding not named; `q=0`
 * excludes. Identity is sent even when the client excludes it (`identity;q=0`) and accepts nothing
 * else: an answer it may not like beats none (RFC 9110 allows either).
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentCoding | "identity" {
  return acceptEncoding === undefined || acceptEncoding === "" ? "identity" : chooseMemo(acceptEncoding);
}

function choose(header: string): ContentCoding | "identity" {
  const accepts = parseAccept(header);
  const qOf = (coding: string): number | undefined => accepts.find((a) => a.type.toLowerCase() === coding)?.q;
  const wildcard = qOf("*");
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    const q = qOf(coding) ?? wildcard ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  // Identity is acceptable unless excluded; it wins only when ranked above every coding.
  const identityQ = qOf("identity") ?? (wildcard === 0 ? 0 : 1);
  return best !== undefined && bestQ >= identityQ ? best : "identity";
}
