/**
 * For tests and benchmarks that spawn a QuantDB process (the API server, the CLI): the environment
 * that points every upstream at a replay, and a free loopback port to serve on.
 */
import { createServer, type AddressInfo } from "node:net";

/**
 * The environment variables that send a spawned QuantDB process to `replay` for every upstream
 * (Eastmoney history, quotes, lists, datacenter; Sina's trading-date list; Binance through ccxt), in live mode (the
 * process does not start a replay of its own).
 */
export function upstreamEnv(replay: { url: string; sinaTradeDatesUrl: string }): Record<string, string> {
  return {
    QUANTDB_UPSTREAM: "live",
    QUANTDB_EASTMONEY_HISTORY_URL: replay.url,
    QUANTDB_EASTMONEY_QUOTE_URL: replay.url,
    QUANTDB_EASTMONEY_LIST_URL: replay.url,
    QUANTDB_EASTMONEY_DATACENTER_URL: replay.url,
    QUANTDB_SINA_CALENDAR_URL: replay.sinaTradeDatesUrl,
    // Binance's REST hosts, rewritten by the crypto adapter to this base (paths kept).
    QUANTDB_CCXT_BINANCE_URL: replay.url,
  };
}

/** A TCP port free on 127.0.0.1 now (the OS picks it), for a process about to listen there. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
