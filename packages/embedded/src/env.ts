/**
 * The embedded mode's configuration: the only place in @quantdb/embedded that reads `process.env`. It reads
 * the same variables as the QuantDB API (`QUANTDB_DATA_DIR`, `QUANTDB_EASTMONEY_HISTORY_URL` and the
 * other upstream URLs, `QUANTDB_CCXT_<EXCHANGE>_URL`, `QUANTDB_CRYPTO_EXCHANGES`, `QUANTDB_UPSTREAM_TIMEOUT_MS`,
 * `QUANTDB_REALTIME_TTL_SECONDS`), validated the same way.
 */
import { loadEnv, type Env } from "@quantdb/server/env";

/** The validated environment (defaults for anything unset). */
export function embeddedEnv(): Env {
  return loadEnv(process.env);
}

/** Whether QUANTDB_DATA_DIR was set explicitly. */
export function dataDirFromEnv(): string | undefined {
  return process.env.QUANTDB_DATA_DIR || undefined;
}
