/**
 * GET /docs over real HTTP works offline: the page names only same-origin URLs (no CDN), no inline script
 * (a `script-src 'self'` policy allows it), and each file it names is served with its media type.
 */
import { describe, expect, it } from "vitest";
import { fetchParsed, systemSuite } from "./harness.ts";

/** Every `src` and `href` attribute value in `html`, and whether a `<script>` has no `src`. */
function references(html: string): { urls: string[]; inlineScript: boolean } {
  const urls = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
  const inlineScript = [...html.matchAll(/<script\b([^>]*)>/g)].some((m) => !/\ssrc="/.test(m[1]!));
  return { urls, inlineScript };
}

describe("/docs", () => {
  // The page reads no data: one driver is enough.
  const system = systemSuite("pglite");

  it("names only same-origin assets, each served with its media type and cached for good", async () => {
    const api = await system.api();
    const docs = await fetchParsed(`${api.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toMatch(/^text\/html/);
    expect(docs.text).not.toMatch(/https?:\/\//);
    const { urls, inlineScript } = references(docs.text);
    expect(inlineScript).toBe(false);
    expect(urls.length).toBeGreaterThanOrEqual(3);

    const types: Record<string, RegExp> = { css: /^text\/css/, js: /^text\/javascript/, png: /^image\/png$/ };
    for (const url of urls) {
      expect(url, url).toMatch(/^\/[^/]/); // a path on this origin
      const response = await fetch(api.url + url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get("content-type"), url).toMatch(types[url.split(".").pop()!]!);
      expect(response.headers.get("x-content-type-options"), url).toBe("nosniff");
      const body = await response.text();
      expect(body.length, url).toBeGreaterThan(0);
      if (url.startsWith("/docs/assets/")) expect(response.headers.get("cache-control"), url).toContain("immutable");
      if (url === "/docs/init.js") {
        expect(body).toContain("SwaggerUIBundle(");
        expect(body).toContain('"/openapi.json"');
      }
      if (url.endsWith("/swagger-ui-bundle.js")) expect(body).toContain("SwaggerUIBundle");
    }
    expect(urls).toContain("/docs/init.js");

    // Only the page's files, at the installed version.
    const bundle = urls.find((u) => u.endsWith("/swagger-ui-bundle.js"))!;
    for (const missing of [
      bundle.replace("swagger-ui-bundle.js", "package.json"),
      bundle.replace(/\/assets\/[^/]+\//, "/assets/0.0.0/"),
      "/docs/assets/swagger-ui-bundle.js",
    ]) {
      const response = await api.get(missing);
      expect(response.status, missing).toBe(404);
      expect(response.body.error.code, missing).toBe("NOT_FOUND");
    }
  });
});
