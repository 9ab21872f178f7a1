"use client";

import type { DailyBar, StockHistory } from "@quantdb/sdk";
import { useMemo, useState } from "react";
import { keyFigures } from "../lib/figures.ts";
import { useT } from "../lib/i18n.tsx";
import type { Kind, View } from "../lib/view.ts";
import { PriceCharts, ReturnsHistogram, DrawdownChart } from "./Charts.tsx";

const CSV_COLUMNS = [
  "date",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "amount",
  "pct_change",
  "turnover_rate",
] as const;
const PAGE_SIZE = 20;

/** CSV of the bars, numbers exactly as the API sent them (JSON numbers), null as empty. */
function barsCsv(bars: readonly DailyBar[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const bar of bars) lines.push(CSV_COLUMNS.map((c) => (bar[c] == null ? "" : String(bar[c]))).join(","));
  return lines.join("\n") + "\n";
}

function fmt(value: number | null | undefined, digits = 2): string {
  return value == null || !Number.isFinite(value) ? "—" : value.toFixed(digits);
}

function signClass(value: number | null | undefined): string {
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

export function HistoryDashboard({ kind, history, view }: { kind: Kind; history: StockHistory; view: View }) {
  const t = useT();
  const bars = history.data;
  const units = history.metadata.units;
  const priceUnit = units.price; // CNY, HKD or points
  const figures = useMemo(() => keyFigures(bars, history.period), [bars, history.period]);
  const csvHref = useMemo(() => `data:text/csv;charset=utf-8,${encodeURIComponent(barsCsv(bars))}`, [bars]);
  const fileName =
    `${history.symbol}_${view.start}_${view.end}_${(kind === "stock" ? view.adjust : "") || "none"}_` +
    `${view.period}.csv`;
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(bars.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const rows = useMemo(() => {
    const newestFirst = [...bars].reverse();
    return newestFirst.slice(current * PAGE_SIZE, current * PAGE_SIZE + PAGE_SIZE);
  }, [bars, current]);
  const provisional = bars.some((b) => b.provisional);
  const cache = history.metadata.cache;
  const adjustLabel =
    history.adjust === ""
      ? "unadjusted"
      : history.adjust === "qfq"
        ? "forward-adjusted, qfq"
        : "backward-adjusted, hfq";

  return (
    <div data-testid="history" data-count={bars.length}>
      <p className="muted" data-testid="units" style={{ margin: "0 0 10px" }}>
        Prices in {priceUnit}
        {kind === "stock" ? ` (${adjustLabel})` : ""} · volume in {units.volume} · amount in {units.amount} ·{" "}
        {history.period} bars {history.start_date} → {history.end_date} · {bars.length} bars · cache{" "}
        {cache.hit
          ? "hit"
          : `miss (${cache.upstream_requests} upstream call${cache.upstream_requests === 1 ? "" : "s"})`}
        {provisional ? " · last bar provisional (session not final)" : ""}
      </p>
      {bars.length === 0 ? (
        <section className="panel">
          <div className="empty" data-testid="empty">
            No trading sessions with bars between {history.start_date} and {history.end_date} for {history.symbol}.
          </div>
        </section>
      ) : (
        <>
          <section className="panel" aria-label="Key figures">
            <div className="figures" data-testid="figures">
              <Figure
                label={`${t("fig.lastClose")} (${bars[bars.length - 1]!.date})`}
                testId="last-close"
                value={figures.lastClose}
                text={fmt(figures.lastClose)}
                unit={priceUnit}
              />
              <Figure
                label={t("col.change")}
                testId="change"
                value={figures.change?.abs ?? null}
                text={
                  figures.change
                    ? `${figures.change.abs >= 0 ? "+" : ""}${fmt(figures.change.abs)} ` +
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
                text={fmt(figures.high)}
                unit={priceUnit}
              />
              <Figure label={t("col.low")} testId="low" value={figures.low} text={fmt(figures.low)} unit={priceUnit} />
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
          <PriceCharts bars={bars} priceUnit={priceUnit} />
          <div className="grid2">
            <ReturnsHistogram bars={bars} period={history.period} />
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
                    <th>{t("col.date")}</th>
                    <th>
                      {t("col.open")} ({priceUnit})
                    </th>
                    <th>{t("col.high")}</th>
                    <th>{t("col.low")}</th>
                    <th>{t("col.close")}</th>
                    <th>
                      {t("col.volume")} ({units.volume})
                    </th>
                    <th>
                      {t("col.amount")} ({units.amount})
                    </th>
                    <th>{t("col.changePct")}</th>
                    <th>{t("col.turnover")}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((bar) => (
                    <tr key={bar.date} data-date={bar.date} data-provisional={bar.provisional ? "true" : undefined}>
                      <td>
                        {bar.date}
                        {bar.provisional ? " (provisional)" : ""}
                      </td>
                      <td>{bar.open}</td>
                      <td>{bar.high}</td>
                      <td>{bar.low}</td>
                      <td>{bar.close}</td>
                      <td>{bar.volume.toLocaleString("en-US")}</td>
                      <td>{bar.amount == null ? "—" : bar.amount.toLocaleString("en-US")}</td>
                      <td className={signClass(bar.pct_change)}>{bar.pct_change ?? "—"}</td>
                      <td>{bar.turnover_rate ?? "—"}</td>
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
