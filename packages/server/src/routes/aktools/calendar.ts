/** `tool_trade_date_hist_sina`, answered from the CN exchange calendar (no upstream call). */
import { getCalendar } from "@quantdb/core/calendar";
import { aktoolsTradeDateFrame, checkAktoolsParams } from "@quantdb/core/history";
import type { AktoolsHandler } from "./handler.ts";

/** The calendar functions and their handlers. */
export const calendarHandlers: ReadonlyMap<string, AktoolsHandler> = new Map<string, AktoolsHandler>([
  [
    "tool_trade_date_hist_sina",
    (_c, params) => {
      checkAktoolsParams("tool_trade_date_hist_sina", params);
      return aktoolsTradeDateFrame(getCalendar("CN"));
    },
  ],
]);
