import { createClient, type QuantDbClient } from "@quantdb/sdk";
import { storedApiKey } from "./api-key.ts";

/**
 * The SDK client of client components: same-origin through the /qdb proxy, sending the API key
 * entered in this tab (sessionStorage) as `Authorization: Bearer <key>`, if any. `timeoutMs` for
 * calls that may take longer than the SDK's default minute (a screen fetching a whole index).
 */
export function browserClient(options: { timeoutMs?: number } = {}): QuantDbClient {
  return createClient({
    baseUrl: `${location.origin}/qdb`,
    apiKey: storedApiKey(),
    retries: 0,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}
