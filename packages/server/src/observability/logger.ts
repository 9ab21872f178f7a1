/**
 * The structured JSON logger (pino): one object per line on stdout. The server entry makes one
 * at QUANTDB_LOG_LEVEL; an app built without one (tests, the SDK's embedded mode) logs nothing.
 */
import { pino, type Logger } from "pino";

export type { Logger } from "pino";

/** Log levels QUANTDB_LOG_LEVEL accepts. */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/**
 * A JSON logger at `level`, tagged `service: "quantdb-api"`, ISO timestamps.
 * @param destination - where lines go (default stdout); tests pass a collecting stream.
 */
export function createLogger(level: LogLevel = "info", destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "quantdb-api" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
