/**
 * CLI entry: start the replay server for out-of-process use (run with `tsx src/main.ts`).
 * Environment: `REPLAY_PORT` (default 8001), `REPLAY_HOST` (default 127.0.0.1), `REPLAY_MOVING_QUOTES=1` to
 * start with moving quotes on (real recorded bars replayed in a loop, see `./quotes.ts`; default off, and
 * `POST /__replay/moving-quotes {"on": true|false}` switches them).
 * Prints the base URL and the kline endpoint URL; control it over HTTP via `/__replay/*`.
 */

import { startReplay } from "./index.ts";

const port = Number(process.env.REPLAY_PORT ?? 8001);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`REPLAY_PORT must be a port number, got ${process.env.REPLAY_PORT}`);
  process.exit(2);
}
const movingQuotes = process.env.REPLAY_MOVING_QUOTES === "1";
const server = await startReplay({ port, host: process.env.REPLAY_HOST ?? "127.0.0.1", movingQuotes });
console.log(`@quantdb/replay listening on ${server.url}`);
if (movingQuotes) console.log("moving quotes: recorded bars replayed in a loop");
console.log(`eastmoney kline endpoint: ${server.eastmoneyHistoryUrl}`);
console.log(`binance spot base (QUANTDB_CCXT_BINANCE_URL): ${server.url}`);

const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
