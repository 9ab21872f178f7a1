/**
 * The bench's client: the three client profiles of issue 16 and a kept-alive loopback connection that
 * decodes what it receives, as Python `requests` and Node's `fetch` do. node:http sends no
 * Accept-Encoding of its own and decodes nothing, so the header each profile sends is exactly the
 * one set here, and `getDecoded` times the request through the decoding of the whole body
 * (node:zlib, one call once the body is in).
 */
import http from "node:http";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/** A client profile: what it sends as Accept-Encoding (nothing for `identity`). */
export interface Profile {
  name: string;
  acceptEncoding?: string;
}

/** No Accept-Encoding: curl, or any client that never asks for compression. */
export const IDENTITY: Profile = { name: "identity" };
/** Python requests, Node's fetch. */
export const GZIP_DEFLATE: Profile = { name: "gzip, deflate", acceptEncoding: "gzip, deflate" };
/** Browsers. */
export const BROWSER: Profile = { name: "gzip, deflate, br", acceptEncoding: "gzip, deflate, br" };
export const PROFILES: readonly Profile[] = [IDENTITY, GZIP_DEFLATE, BROWSER];

/** The request headers of a profile. */
export const profileHeaders = (profile: Profile): Record<string, string> =>
  profile.acceptEncoding === undefined ? {} : { "accept-encoding": profile.acceptEncoding };

/** An answer as it came over the wire: the body is not decoded. */
export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One connection per host:port, kept alive between requests (a client's session). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** One GET over the kept-alive connection; the body as received (still encoded). */
export function getRaw(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      })
      .on("error", reject)
      .setTimeout(60_000, function (this: http.ClientRequest) {
        this.destroy(new Error(`GET ${url}: no answer in 60 s`));
      });
  });
}

/**
 * The body a client reads from `body` sent with `contentEncoding`.
 * @throws for an encoding this client did not ask for.
 */
export function decode(body: Buffer, contentEncoding: string | undefined): Buffer {
  switch (contentEncoding ?? "identity") {
    case "identity":
      return body;
    case "gzip":
      return gunzipSync(body);
    case "deflate":
      return inflateSync(body);
    case "br":
      return brotliDecompressSync(body);
    default:
      throw new Error(`unexpected Content-Encoding ${contentEncoding}`);
  }
}

/**
 * One GET as `profile` sends it, decoded: status, decoded body, wall time through the decoding (ms)
 * and the server's own time: the `Server-Timing: total;dur=…` the API sends (ms; NaN without one).
 */
export async function getDecoded(
  url: string,
  profile: Profile,
): Promise<{ status: number; body: Buffer; ms: number; serverMs: number }> {
  const started = performance.now();
  const answer = await getRaw(url, profileHeaders(profile));
  const body = decode(answer.body, answer.headers["content-encoding"]);
  const ms = performance.now() - started;
  const total = /(?:^|,)\s*total;dur=([\d.]+)/.exec(String(answer.headers["server-timing"] ?? ""));
  return { status: answer.status, body, ms, serverMs: total ? Number(total[1]) : NaN };
}
