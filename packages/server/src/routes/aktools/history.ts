/**
 * `stock_zh_a_hist`, `stock_hk_hist` and `index_zh_a_hist`, answered from QuantDB's bar cache
 * through the history service (the same cache `/api/v1/historical/...` uses, both ways).
 */
import {
  AKTOOLS_COLUMNS,
  AKTOOLS_HISTORY_FUNCTIONS,
  aktoolsHistoryFrame,
  parseAktoolsHistoryCall,
  type AktoolsHistoryFunction,
} from "@quantdb/core/history";
import type { AktoolsHandler } from "./handler.ts";

function historyHandler(fn: AktoolsHistoryFunction): AktoolsHandler {
  return async (c, params) => {
    const { history, clock } = c.get("services");
    const call = parseAktoolsHistoryCall(fn, params, clock);
    // AKShare's empty DataFrame (AKTools answers 200 []): nothing to ask upstream.
    if (call.empty !== undefined) return { columns: AKTOOLS_COLUMNS[fn], rows: [] };
    // AKShare's weekly/monthly bars are whole periods (see docs/aktools-compat.md): kept as they are.
    return aktoolsHistoryFrame(fn, await history.getBars(call.query, { signal: c.req.raw.signal, wholePeriods: true }));
  };
}

/** The history functions and their handlers, in documentation order. */
export const historyHandlers: ReadonlyMap<string, AktoolsHandler> = new Map(
  AKTOOLS_HISTORY_FUNCTIONS.map((fn) => [fn, historyHandler(fn)]),
);
