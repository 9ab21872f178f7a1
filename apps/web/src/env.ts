/**
 * The only reader of process.env in the dashboard.
 * QUANTDB_API_URL: base URL of the QuantDB API the server side talks to, and where `/qdb/*` is proxied.
 */
export const env = {
  apiUrl: (process.env.QUANTDB_API_URL ?? "").trim() || "http://localhost:8000",
} as const;
