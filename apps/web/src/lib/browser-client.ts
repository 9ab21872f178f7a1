import { createClient, type QuantDbClient } from "@quantdb/sdk";
import { storedApiKey } from "./api-key.ts";
import { type CryptoApi, createCryptoApi } from "./crypto-api.ts";

/**
 * The SDK client of client components: same-origin through the /qdb proxy, sending the API key
 * entered in this tab (sessionStorage) as `Authorization: Bearer <key>`, if any.
 */
export function browserClient(): QuantDbClient {
  return createClient({ baseUrl: `${location.origin}/qdb`, apiKey: storedApiKey(), retries: 0 });
}

/** The crypto endpoints for client components: through the /qdb proxy with this tab's key, as {@link browserClient}. */
export function browserCryptoApi(): CryptoApi {
  return createCryptoApi({ baseUrl: `${location.origin}/qdb`, apiKey: storedApiKey() });
}
