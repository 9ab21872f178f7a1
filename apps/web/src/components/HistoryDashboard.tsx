"use client";

import type { DailyBar, StockHistory } from "@quantdb/sdk";
import { useMemo } from "react";
import { useT } from "../lib/i18n.tsx";
import type { Kind, View } from "../lib/view.ts";
import type { IndicatorPanes } from "./IndicatorCharts.tsx";
import { type Column, SeriesDashboard, signClass } from "./SeriesDashboard.tsx";

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

/** CSV of the bars, numbers exactly as the API sent them (JSON numbers), null as empty. */
function barsCsv(bars: readonly DailyBar[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const bar of bars) lines.push(CSV_COLUMNS.map((c) => (bar[c] == null ? "" : String(bar[c]))).join(","));
  return lines.join("\n") + "\n";
}

/**
 * The stock and index pages' dashboard: sessions of an exchange, prices in CNY, HKD or points; with the
 * indicator panes the URL chose (null when none).
 */
export function HistoryDashboard({
  kind,
  history,
  view,
  indicators,
}: {
  kind: Kind;
  history: StockHistory;
  view: View;
  indicators: IndicatorPanes | null;
}) {
  const t = useT();
  const bars = history.data;
  const units = history.metadata.units;
  const priceUnit = units.price; // CNY, HKD or points
  const volumeUnit = units.volume === "shares" ? t("unit.shares") : units.volume;
  const fileName =
    `${history.symbol}_${view.start}_${view.end}_${(kind === "stock" ? view.adjust : "") || "none"}_` +
    `${view.period}.csv`;
  const provisional = bars.some((b) => b.provisional);
  const cache = history.metadata.cache;
  const adjustLabel =
    history.adjust === ""
      ? "unadjusted"
      : history.adjust === "qfq"
        ? "forward-adjusted, qfq"
        : "backward-adjusted, hfq";
  const columns = useMemo<Column<DailyBar>[]>(
    () => [
      { header: t("col.date"), cell: (bar) => bar.date },
      { header: t("col.open"), unit: priceUnit, cell: (bar) => bar.open },
      { header: t("col.high"), cell: (bar) => bar.high },
      { header: t("col.low"), cell: (bar) => bar.low },
      { header: t("col.close"), cell: (bar) => bar.close },
      { header: t("col.volume"), unit: units.volume, cell: (bar) => bar.volume.toLocaleString("en-US") },
      {
        header: t("col.amount"),
        unit: units.amount,
        cell: (bar) => (bar.amount == null ? "—" : bar.amount.toLocaleString("en-US")),
      },
      {
        header: t("col.changePct"),
        cell: (bar) => bar.pct_change ?? "—",
        className: (bar) => signClass(bar.pct_change),
      },
      { header: t("col.turnover"), cell: (bar) => bar.turnover_rate ?? "—" },
    ],
    [t, priceUnit, units.volume, units.amount],
  );

  return (
    <SeriesDashboard
      bars={bars}
      period={history.period}
      priceUnit={priceUnit}
      volumeUnit={volumeUnit}
      columns={columns}
      csv={barsCsv}
      fileName={fileName}
      indicators={indicators}
      units={
        <>
          Prices in {priceUnit}
          {kind === "stock" ? ` (${adjustLabel})` : ""} · volume in {units.volume} · amount in {units.amount} ·{" "}
          {history.period} bars {history.start_date} → {history.end_date} · {bars.length} bars · cache{" "}
          {cache.hit
            ? "hit"
            : `miss (${cache.upstream_requests} upstream call${cache.upstream_requests === 1 ? "" : "s"})`}
          {provisional ? " · last bar provisional (session not final)" : ""}
        </>
      }
      empty={
        <>
          No trading sessions with bars between {history.start_date} and {history.end_date} for {history.symbol}.
        </>
      }
    />
  );
}
