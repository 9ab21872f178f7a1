import { createClient, type QuantDbClient } from "@quantdb/sdk";
import { env } from "../env.ts";

/**
 * The SDK client of server components, with the server's own key (QUANTDB_API_KEY) when set. No
 * retries: the page answers quickly with the API's message.
 */
export function serverClient(options: { timeoutMs?: number } = {}): QuantDbClient {
  return createClient({ baseUrl: env.apiUrl, apiKey: env.apiKey, retries: 0, timeoutMs: options.timeoutMs ?? 60_000 });
}
