import { createClient, type QuantDbClient } from "@quantdb/sdk";
import { storedApiKey } from "./api-key.ts";

/**
 * The SDK client of client components: same-origin through the /qdb proxy, sending the API key
 * entered in this tab (sessionStorage) as `Authorization: Bearer <key>`, if any.
 */
export function browserClient(): QuantDbClient {
  return createClient({ baseUrl: `${location.origin}/qdb`, apiKey: storedApiKey(), retries: 0 });
}
