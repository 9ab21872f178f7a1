import { createClient, type QuantDbClient } from "@quantdb/sdk";

/** The SDK client of client components: same-origin through the /qdb proxy. */
export function browserClient(): QuantDbClient {
  return createClient({ baseUrl: `${location.origin}/qdb`, retries: 0 });
}
