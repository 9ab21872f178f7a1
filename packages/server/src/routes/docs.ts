/**
 * The interactive API docs, `GET /docs`: Swagger UI on /openapi.json. Every file the page loads is served by
 * the API itself, from the installed swagger-ui-dist package, so the page works offline (no CDN).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { errorResponse } from "../errors.ts";

/** The files of swagger-ui-dist the page loads, and their media types (nosniff: browsers check them). */
const ASSET_TYPES = new Map([
  ["swagger-ui.css", "text/css; charset=utf-8"],
  ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
  ["favicon-32x32.png", "image/png"],
  ["favicon-16x16.png", "image/png"],
]);

/** The page's own script: a file, not inline, so a Content-Security-Policy of `script-src 'self'` allows it. */
const INIT_SCRIPT =
  "// Swagger UI on this API's OpenAPI document; no validator badge (it would call validator.swagger.io).\n" +
  'window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null });\n';

/** The asset URLs name the package version, so they never change meaning and can be cached for good. */
const IMMUTABLE = "public, max-age=31536000, immutable";

let dist: { folder: string; version: string } | undefined;

/**
 * swagger-ui-dist as installed beside this module (or beside the bundle it is built into): its folder and
 * version, found on first use so that apps that never serve /docs (the embedded one) never look for it.
 */
function swaggerUiDist(): { folder: string; version: string } {
  if (dist === undefined) {
    const require = createRequire(import.meta.url);
    const manifest = require.resolve("swagger-ui-dist/package.json");
    dist = { folder: dirname(manifest), version: (require(manifest) as { version: string }).version };
  }
  return dist;
}

/** Each asset's bytes, read once per process on first request and shared by every app in it. */
const assets = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/** The bytes of one of {@link ASSET_TYPES}' files; a failed read is forgotten so that the next request retries. */
function readAsset(file: string): Promise<Uint8Array<ArrayBuffer>> {
  let bytes = assets.get(file);
  if (bytes === undefined) {
    bytes = readFile(join(swaggerUiDist().folder, file));
    bytes.catch(() => assets.delete(file));
    assets.set(file, bytes);
  }
  return bytes;
}

/** The page: only same-origin URLs, the package's under `/docs/assets/<version>/`. */
function page(version: string): string {
  const base = `/docs/assets/${encodeURIComponent(version)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QuantDB API</title>
<link rel="stylesheet" href="${base}/swagger-ui.css">
<link rel="icon" type="image/png" href="${base}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${base}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${base}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
}

/**
 * `GET /docs` (the page), `/docs/init.js` (its script) and `/docs/assets/<version>/<file>` (swagger-ui-dist's
 * stylesheet, bundle and icons). None is in the OpenAPI document.
 */
export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  // no-cache: a cached page would name the asset URLs of a swagger-ui-dist since upgraded.
  app.get("/docs", (c) => c.html(page(swaggerUiDist().version), 200, { "Cache-Control": "no-cache" }));
  app.get("/docs/init.js", (c) =>
    c.body(INIT_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }),
  );
  app.get("/docs/assets/:version/:file", async (c) => {
    const { version, file } = c.req.param();
    const type = ASSET_TYPES.get(file);
    // Answered here: the app's notFound would call a GET on this route pattern a wrong method.
    if (type === undefined || version !== swaggerUiDist().version)
      return errorResponse(c, "NOT_FOUND", `No such path: ${c.req.path}`, 404);
    return c.body(await readAsset(file), 200, { "Content-Type": type, "Cache-Control": IMMUTABLE });
  });
}
