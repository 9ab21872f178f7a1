/**
 * CLI entry: start the replay server for out-of-process use (run with `tsx src/main.ts`).
 * Environment: `REPLAY_PORT` (default 8001), `REPLAY_HOST` (default 127.0.0.1).
 * Prints the base URL and the kline endpoint URL; control it over HTTP via `/__replay/*`.
 */

import { startReplay } from "./index.ts";

const port = Number(process.env.REPLAY_PORT ?? 8001);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`REPLAY_PORT must be a port number, got ${process.env.REPLAY_PORT}`);
  process.exit(2);
}
const server = await startReplay({ port, host: process.env.REPLAY_HOST ?? "127.0.0.1" });
console.log(`@quantdb/replay listening on ${server.url}`);
console.log(`eastmoney kline endpoint: ${server.eastmoneyHistoryUrl}`);
console.log(`binance spot base (QUANTDB_CCXT_BINANCE_URL): ${server.url}`);

const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
