import { addMonths, todayLocal } from "./dates.ts";
import { indicatorsParam, parseIndicators } from "./indicators.ts";

export type Kind = "stock" | "index";

/** The chart view, as it appears in the URL (?start&end&adjust&period&indicators). */
export interface View {
  start: string;
  end: string;
  adjust: string;
  period: string;
  /** The indicator panes' entries (`?indicators=macd,kdj,rsi,boll`, lib/indicators.ts); none by default. */
  indicators: readonly string[];
}

type Params = Record<string, string | string[] | undefined>;

function one(params: Params, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The view of a URL: defaults last 1 year (end = today, exchange-local), adjust "" and daily.
 * Values that are present are passed through unchanged, so the API reports a bad one with its own message.
 */
export function parseView(params: Params, now: Date = new Date()): View {
  const end = one(params, "end") || todayLocal(now);
  const start = one(params, "start") || addMonths(/^\d{4}-\d{2}-\d{2}$/.test(end) ? end : todayLocal(now), -12);
  return {
    start,
    end,
    adjust: one(params, "adjust") ?? "",
    period: one(params, "period") || "daily",
    indicators: parseIndicators(one(params, "indicators")),
  };
}

export function viewQuery(view: View, kind: Kind): string {
  const query = new URLSearchParams({ start: view.start, end: view.end });
  if (kind === "stock") query.set("adjust", view.adjust);
  query.set("period", view.period);
  return view.indicators.length > 0 ? `${query}&indicators=${indicatorsParam(view.indicators)}` : query.toString();
}
