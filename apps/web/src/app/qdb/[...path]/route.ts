import { env } from "../../../env.ts";

const EVENT_STREAM = "text/event-stream";

/**
 * Same-origin proxy for browser code: /qdb/<path>?<query> → ${QUANTDB_API_URL}/<path>?<query>
 * (the API sends no CORS headers). Reads the API URL at run time.
 *
 * Credentials: the browser's own `Authorization` header (the key entered in the dashboard) is
 * forwarded unchanged, and the API's `WWW-Authenticate` is passed back. The proxy never adds a key
 * of its own (QUANTDB_API_KEY is for server-rendered pages only), so a browser can do no more
 * through it than its own key allows.
 *
 * Server-sent events (`GET /api/v1/stream/quotes`): the body is passed through as it arrives, never
 * read whole; the API is asked for it uncompressed, and the answer says `Cache-Control: no-cache,
 * no-transform` (so `next start`'s gzip and any proxy in front leave it alone) and `X-Accel-Buffering:
 * no` (nginx). `Last-Event-ID` is forwarded. When the browser goes away, its request's signal aborts the
 * call to the API, which ends that subscription.
 */
async function proxy(request: Request, context: { params: Promise<{ path: string[] }> }): Promise<Response> {
  const { path } = await context.params;
  const url = new URL(request.url);
  const target = `${env.apiUrl.replace(/\/+$/, "")}/${path.map(encodeURIComponent).join("/")}${url.search}`;
  const headers = new Headers();
  for (const name of ["content-type", "accept", "authorization", "last-event-id"]) {
    const value = request.headers.get(name);
    if (value) headers.set(name, value);
  }
  if (headers.get("accept")?.includes(EVENT_STREAM)) headers.set("accept-encoding", "identity");
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  try {
    const upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      cache: "no-store",
      signal: request.signal,
    });
    const out = new Headers();
    const type = upstream.headers.get("content-type");
    if (type) out.set("content-type", type);
    const challenge = upstream.headers.get("www-authenticate");
    if (challenge) out.set("www-authenticate", challenge);
    if (type?.startsWith(EVENT_STREAM)) {
      out.set("cache-control", "no-cache, no-transform");
      out.set("x-accel-buffering", "no");
    }
    return new Response(upstream.body, { status: upstream.status, headers: out });
  } catch {
    return Response.json(
      {
        error: {
          code: "HTTP_ERROR",
          message: `The QuantDB API at ${env.apiUrl} cannot be reached`,
          status: 502,
          details: null,
        },
      },
      { status: 502 },
    );
  }
}

export const dynamic = "force-dynamic";
export { proxy as GET, proxy as POST, proxy as DELETE, proxy as PUT, proxy as PATCH };
