/**
 * Per-symbol fan-out for batch endpoints: each symbol answered on its own, a bounded number in
 * flight (upstream politeness), one symbol's failure kept to itself — except the caller's spent
 * rate budget, which refuses the whole batch.
 */
import pLimit from "p-limit";
import { InputError, QuantDbError, RateLimitedError } from "./errors.ts";

/** Most symbols one batch may name. */
export const BATCH_LIMIT = 100;

/** One symbol's outcome: a result or an error, never both. */
export type BatchOutcome<T> = { symbol: string; result: T } | { symbol: string; error: QuantDbError };

/**
 * Run `task` for every distinct symbol (trimmed; duplicates answered once), in input order.
 * @param concurrency tasks in flight at once @default 4
 * @throws {InputError} `VALIDATION_ERROR` for an empty list or more than {@link BATCH_LIMIT} symbols;
 *   a task's {@link QuantDbError} (bad symbol, upstream failure) becomes that symbol's outcome.
 * @throws {RateLimitedError} the first task's that the caller's budget refused an upstream call:
 *   tasks not started yet are dropped, and the batch fails (HTTP 429) instead of answering some
 *   symbols. What finished before stays stored (each fetch atomically), so a retry costs only the
 *   symbols still missing.
 */
export async function runPerSymbol<T>(
  symbols: readonly string[],
  task: (symbol: string) => Promise<T>,
  options: { concurrency?: number } = {},
): Promise<BatchOutcome<T>[]> {
  const unique = [...new Set(symbols.map((s) => s.trim()))].filter((s) => s !== "");
  if (unique.length === 0) throw new InputError("VALIDATION_ERROR", "symbols must name at least one symbol");
  if (unique.length > BATCH_LIMIT) {
    throw new InputError("VALIDATION_ERROR", `At most ${BATCH_LIMIT} symbols per batch, got ${unique.length}`, {
      limit: BATCH_LIMIT,
    });
  }
  const limit = pLimit(options.concurrency ?? 4);
  return Promise.all(
    unique.map((symbol) =>
      limit(async (): Promise<BatchOutcome<T>> => {
        try {
          return { symbol, result: await task(symbol) };
        } catch (error) {
          if (error instanceof RateLimitedError) {
            limit.clearQueue();
            throw error;
          }
          if (error instanceof QuantDbError) return { symbol, error };
          throw error;
        }
      }),
    ),
  );
}
