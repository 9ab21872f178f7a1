/**
 * The only reader of process.env in the dashboard.
 * - QUANTDB_API_URL: base URL of the QuantDB API the server side talks to, and where `/qdb/*` is proxied.
 * - QUANTDB_API_KEY (optional): API key the server side (server-rendered pages) sends as
 *   `Authorization: Bearer <key>`, for an API running with `QUANTDB_AUTH=all`; a read-scope key is
 *   enough. It is never sent on behalf of the browser: `/qdb/*` forwards only the browser's own
 *   `Authorization` header (the key entered in the dashboard).
 */
export const env = {
  apiUrl: (process.env.QUANTDB_API_URL ?? "").trim() || "http://localhost:8000",
  apiKey: (process.env.QUANTDB_API_KEY ?? "").trim() || undefined,
} as const;
