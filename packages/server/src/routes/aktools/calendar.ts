/** `tool_trade_date_hist_sina`, answered from the system's CN exchange calendar (no upstream call). */
import { aktoolsTradeDateFrame, checkAktoolsParams } from "@quantdb/core/history";
import type { AktoolsHandler } from "./handler.ts";

/** The calendar functions and their handlers. */
export const calendarHandlers: ReadonlyMap<string, AktoolsHandler> = new Map<string, AktoolsHandler>([
  [
    "tool_trade_date_hist_sina",
    (c, params) => {
      checkAktoolsParams("tool_trade_date_hist_sina", params);
      return aktoolsTradeDateFrame(c.get("services").calendars.get("CN"));
    },
  ],
]);
