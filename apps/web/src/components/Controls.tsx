"use client";

import { useRouter } from "next/navigation";
import { type ReactNode, useTransition } from "react";
import {
  cryptoHref,
  type CryptoPreset,
  type CryptoView,
  cryptoPresetStart,
  cryptoSymbol,
  cryptoViewQuery,
  type PairRef,
  presetsOf,
  TIMEFRAMES,
  withTimeframe,
} from "../lib/crypto.ts";
import { DATE_RE, PRESETS, presetStart, type Preset } from "../lib/dates.ts";
import { useT } from "../lib/i18n.tsx";
import { PANES, paneOf, togglePane } from "../lib/indicators.ts";
import { viewQuery, type Kind, type View } from "../lib/view.ts";
import { SearchBox, type Target } from "./SearchBox.tsx";

/** Navigate within the app in a transition: whether one is pending, and the function. */
function useNavigate(): [boolean, (href: string) => void] {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return [pending, (href) => startTransition(() => router.push(href))];
}

/**
 * The row of controls above a chart, shared by the stock, index and crypto pages: the search box,
 * the range presets, the from/to dates, then what the page adds (adjust and period, or timeframe).
 */
function ControlsRow<P extends string>({
  search,
  presets,
  presetStartOf,
  range,
  today,
  go,
  pending,
  children,
}: {
  search: ReactNode;
  presets: readonly P[];
  presetStartOf: (preset: P, today: string) => string;
  range: { start: string; end: string };
  today: string;
  go: (range: { start?: string; end?: string }) => void;
  pending: boolean;
  children?: ReactNode;
}) {
  const t = useT();
  const activePreset = presets.find((p) => range.end === today && range.start === presetStartOf(p, today));
  return (
    <div className="controls" data-testid="controls">
      {/* biome-ignore lint/a11y/useSemanticElements: a div with role=search styles like the rest of the row */}
      <div role="search">{search}</div>
      {/* biome-ignore lint/a11y/useSemanticElements: a fieldset would bring its own border and layout */}
      <div className="row" role="group" aria-label="Range presets">
        {presets.map((preset) => (
          <button
            key={preset}
            type="button"
            data-preset={preset}
            aria-pressed={activePreset === preset}
            onClick={() => go({ start: presetStartOf(preset, today), end: today })}
          >
            {preset}
          </button>
        ))}
      </div>
      <label className="row" style={{ gap: 4 }}>
        {t("ctl.from")}
        <input
          type="date"
          name="start"
          key={`s${range.start}`}
          defaultValue={DATE_RE.test(range.start) ? range.start : ""}
          onChange={(e) =>
            DATE_RE.test(e.target.value) && e.target.value !== range.start && go({ start: e.target.value })
          }
        />
      </label>
      <label className="row" style={{ gap: 4 }}>
        {t("ctl.to")}
        <input
          type="date"
          name="end"
          key={`e${range.end}`}
          defaultValue={DATE_RE.test(range.end) ? range.end : ""}
          onChange={(e) => DATE_RE.test(e.target.value) && e.target.value !== range.end && go({ end: e.target.value })}
        />
      </label>
      {children}
      {pending ? (
        <span className="loading" data-testid="loading" role="status">
          {t("loading")}
        </span>
      ) : null}
    </div>
  );
}

/** The stock and index pages' controls: range, adjust (stocks), period and the indicator panes. */
export function Controls({ kind, symbol, view, today }: { kind: Kind; symbol: string; view: View; today: string }) {
  const t = useT();
  const [pending, navigate] = useNavigate();
  const go = (next: Partial<View>) =>
    navigate(`/${kind}/${encodeURIComponent(symbol)}?${viewQuery({ ...view, ...next }, kind)}`);
  // a pick in the search keeps the range; a crypto pair gets daily bars
  const searchQuery = (target: Target) =>
    target === "crypto"
      ? cryptoViewQuery({ start: view.start, end: view.end, timeframe: "1d" })
      : viewQuery(view, target);

  return (
    <ControlsRow
      search={<SearchBox key={symbol} initial={symbol} kind={kind} viewQuery={searchQuery} />}
      presets={PRESETS}
      presetStartOf={(p: Preset, today) => presetStart(p, today)}
      range={view}
      today={today}
      go={go}
      pending={pending}
    >
      {kind === "stock" ? (
        <label className="row" style={{ gap: 4 }}>
          {t("ctl.adjust")}
          <select name="adjust" value={view.adjust} onChange={(e) => go({ adjust: e.target.value })}>
            <option value="">{t("adjust.none")}</option>
            <option value="qfq">{t("adjust.qfq")}</option>
            <option value="hfq">{t("adjust.hfq")}</option>
          </select>
        </label>
      ) : null}
      <label className="row" style={{ gap: 4 }}>
        {t("ctl.period")}
        <select name="period" value={view.period} onChange={(e) => go({ period: e.target.value })}>
          <option value="daily">{t("period.daily")}</option>
          <option value="weekly">{t("period.weekly")}</option>
          <option value="monthly">{t("period.monthly")}</option>
        </select>
      </label>
      {/* biome-ignore lint/a11y/useSemanticElements: a fieldset would bring its own border and layout */}
      <div className="row" role="group" aria-label={t("ctl.indicators")} data-testid="indicator-toggles">
        <span>{t("ctl.indicators")}</span>
        {PANES.map((pane) => {
          const on = view.indicators.some((entry) => paneOf(entry) === pane);
          return (
            <button
              key={pane}
              type="button"
              data-indicator={pane}
              aria-pressed={on}
              title={t(`ind.${pane}`)}
              onClick={() => go({ indicators: togglePane(view.indicators, pane, !on) })}
            >
              {pane.toUpperCase()}
            </button>
          );
        })}
      </div>
    </ControlsRow>
  );
}

/**
 * A crypto pair page's controls: range (UTC days) with presets fitting the timeframe, and the
 * timeframe toggle (1d, 1h) in place of adjust and period.
 */
export function CryptoControls({ pair, view, today }: { pair: PairRef; view: CryptoView; today: string }) {
  const t = useT();
  const [pending, navigate] = useNavigate();
  const go = (next: Partial<CryptoView>) => navigate(cryptoHref(pair, cryptoViewQuery({ ...view, ...next })));
  const symbol = cryptoSymbol(pair);
  // a pick in the search keeps the range: another pair its timeframe too, a stock or index unadjusted daily bars
  const searchQuery = (target: Target) =>
    target === "crypto"
      ? cryptoViewQuery(view)
      : viewQuery({ start: view.start, end: view.end, adjust: "", period: "daily", indicators: [] }, target);

  return (
    <ControlsRow
      search={<SearchBox key={symbol} initial={symbol} kind="crypto" viewQuery={searchQuery} />}
      presets={presetsOf(view.timeframe)}
      presetStartOf={(p: CryptoPreset, today) => cryptoPresetStart(p, today)}
      range={view}
      today={today}
      go={go}
      pending={pending}
    >
      {/* biome-ignore lint/a11y/useSemanticElements: a fieldset would bring its own border and layout */}
      <div className="row" role="group" aria-label={t("ctl.timeframe")} data-testid="timeframe">
        <span>{t("ctl.timeframe")}</span>
        {TIMEFRAMES.map((timeframe) => (
          <button
            key={timeframe}
            type="button"
            data-timeframe={timeframe}
            aria-pressed={view.timeframe === timeframe}
            title={t(timeframe === "1h" ? "timeframe.1h" : "timeframe.1d")}
            onClick={() => view.timeframe !== timeframe && go(withTimeframe(view, timeframe))}
          >
            {timeframe}
          </button>
        ))}
      </div>
    </ControlsRow>
  );
}
