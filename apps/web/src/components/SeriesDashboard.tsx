"use client";

import { type ReactNode, useMemo, useState } from "react";
import { keyFigures, type PriceBar } from "../lib/figures.ts";
import { useT } from "../lib/i18n.tsx";
import { DrawdownChart, PriceCharts, ReturnsHistogram } from "./Charts.tsx";
import type { IndicatorPanes } from "./IndicatorCharts.tsx";

/**
 * The body of an instrument page, shared by stocks, indices and crypto pairs: key figures, the
 * price and volume charts, the return histogram, the drawdown, and the bars as a paged table with a
 * CSV download. The wrappers (HistoryDashboard, CryptoDashboard) say what the bars are: their units,
 * table columns and CSV.
 */

/** A bar as the shared dashboard needs it. */
export interface SeriesBar extends PriceBar {
  /** The bar's label, unique in the series: its date, or date and time for intraday bars. */
  date: string;
  volume: number;
  provisional: boolean;
}

/** A column of the bars table. */
export interface Column<B> {
  /** Header text; the column's unit follows it in parentheses when given. */
  header: string;
  unit?: string;
  cell: (bar: B) => ReactNode;
  className?: (bar: B) => string;
}

const PAGE_SIZE = 20;

function fmt(value: number | null | undefined, digits = 2): string {
  return value == null || !Number.isFinite(value) ? "—" : value.toFixed(digits);
}

export function signClass(value: number | null | undefined): string {
  return value == null || value === 0 ? "" : value > 0 ? "up" : "down";
}

function Figure({
  label,
  testId,
  value,
  text,
  unit,
  tone,
}: {
  label: string;
  testId: string;
  value: number | null;
  text: string;
  unit?: string;
  tone?: string;
}) {
  return (
    <div className="figure">
      <div className="label">{label}</div>
      <div className={`value ${tone ?? ""}`}>
        <span data-testid={testId} data-value={value ?? ""}>
          {text}
        </span>
        {unit ? (
          <span className="muted" style={{ fontSize: 12, fontWeight: 400 }}>
            {" "}
            {unit}
          </span>
        ) : null}
      </div>
    </div>
  );
}

export interface SeriesDashboardProps<B extends SeriesBar> {
  bars: readonly B[];
  /** The bar length for annualising and the histogram: daily, weekly, monthly (sessions) or 1d, 1h (crypto). */
  period: string;
  /** The units line above the figures. */
  units: ReactNode;
  /** Shown instead of figures, charts and table when there are no bars. */
  empty: ReactNode;
  priceUnit: string;
  volumeUnit: string;
  /** Decimal places of prices in the figures. */
  priceDigits?: number;
  columns: readonly Column<B>[];
  /** The CSV of the bars, and its file name. */
  csv: (bars: readonly B[]) => string;
  fileName: string;
  /** The indicator panes the page asked for (stock and index pages), drawn with the price chart. */
  indicators?: IndicatorPanes | null;
}

export function SeriesDashboard<B extends SeriesBar>({
  bars,
  period,
  units,
  empty,
  priceUnit,
  volumeUnit,
  priceDigits = 2,
  columns,
  csv,
  fileName,
  indicators,
}: SeriesDashboardProps<B>) {
  const t = useT();
  const figures = useMemo(() => keyFigures(bars, period), [bars, period]);
  const csvHref = useMemo(() => `data:text/csv;charset=utf-8,${encodeURIComponent(csv(bars))}`, [bars, csv]);
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(bars.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const rows = useMemo(() => {
    const newestFirst = [...bars].reverse();
    return newestFirst.slice(current * PAGE_SIZE, current * PAGE_SIZE + PAGE_SIZE);
  }, [bars, current]);
  const last = bars[bars.length - 1];
  const price = (value: number | null) => fmt(value, priceDigits);

  return (
    <div data-testid="history" data-count={bars.length}>
      <p className="muted" data-testid="units" style={{ margin: "0 0 10px" }}>
        {units}
      </p>
      {!last ? (
        <section className="panel">
          <div className="empty" data-testid="empty">
            {empty}
          </div>
        </section>
      ) : (
        <>
          <section className="panel" aria-label="Key figures">
            <div className="figures" data-testid="figures">
              <Figure
                label={`${t("fig.lastClose")} (${last.date}${last.provisional ? `, ${t("provisional")}` : ""})`}
                testId="last-close"
                value={figures.lastClose}
                text={price(figures.lastClose)}
                unit={priceUnit}
              />
              <Figure
                label={t("col.change")}
                testId="change"
                value={figures.change?.abs ?? null}
                text={
                  figures.change
                    ? `${figures.change.abs >= 0 ? "+" : ""}${price(figures.change.abs)} ` +
                      `(${figures.change.pct >= 0 ? "+" : ""}${fmt(figures.change.pct)}%)`
                    : "—"
                }
                unit={priceUnit}
                tone={signClass(figures.change?.abs)}
              />
              <Figure
                label={t("fig.periodReturn")}
                testId="period-return"
                value={figures.periodReturn}
                text={`${fmt(figures.periodReturn)}%`}
                tone={signClass(figures.periodReturn)}
              />
              <Figure
                label={t("col.high")}
                testId="high"
                value={figures.high}
                text={price(figures.high)}
                unit={priceUnit}
              />
              <Figure
                label={t("col.low")}
                testId="low"
                value={figures.low}
                text={price(figures.low)}
                unit={priceUnit}
              />
              <Figure
                label={t("fig.volatility")}
                testId="volatility"
                value={figures.volatility}
                text={`${fmt(figures.volatility)}%`}
              />
              <Figure
                label={t("fig.maxDrawdown")}
                testId="max-drawdown"
                value={figures.maxDrawdown}
                text={`${fmt(figures.maxDrawdown)}%`}
                tone={signClass(figures.maxDrawdown)}
              />
            </div>
          </section>
          <PriceCharts bars={bars} priceUnit={priceUnit} volumeUnit={volumeUnit} indicators={indicators} />
          <div className="grid2">
            <ReturnsHistogram bars={bars} period={period} />
            <DrawdownChart bars={bars} />
          </div>
          <section className="panel" aria-label="Bars">
            <div className="row" style={{ justifyContent: "space-between", marginBottom: 8 }}>
              <h2 style={{ margin: 0 }}>{t("bars.title")}</h2>
              <div className="row">
                <button
                  type="button"
                  data-testid="bars-prev"
                  disabled={current === 0}
                  onClick={() => setPage(current - 1)}
                >
                  {t("bars.newer")}
                </button>
                <span data-testid="bars-page">{t("bars.page", { page: current + 1, pages })}</span>
                <button
                  type="button"
                  data-testid="bars-next"
                  disabled={current >= pages - 1}
                  onClick={() => setPage(current + 1)}
                >
                  {t("bars.older")}
                </button>
                <a data-testid="csv-download" href={csvHref} download={fileName}>
                  {t("bars.csv", { n: bars.length })}
                </a>
              </div>
            </div>
            <div className="scroll">
              <table className="data" data-testid="bars-table">
                <thead>
                  <tr>
                    {columns.map((column) => (
                      <th key={column.header}>
                        {column.header}
                        {column.unit ? ` (${column.unit})` : ""}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((bar) => (
                    <tr key={bar.date} data-date={bar.date} data-provisional={bar.provisional ? "true" : undefined}>
                      {columns.map((column, i) => (
                        <td key={column.header} className={column.className?.(bar)}>
                          {column.cell(bar)}
                          {i === 0 && bar.provisional ? ` (${t("provisional")})` : ""}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </div>
  );
}
