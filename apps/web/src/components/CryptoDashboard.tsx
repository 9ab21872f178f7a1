"use client";

import { useMemo } from "react";
import type { CryptoBar, CryptoHistory } from "@quantdb/sdk";
import { barLabel, type CryptoView, priceDigits } from "../lib/crypto.ts";
import { useT } from "../lib/i18n.tsx";
import { type Column, SeriesDashboard } from "./SeriesDashboard.tsx";

/** The fields of the API's own CSV (`format=csv`), in its order. */
const CSV_COLUMNS = ["date", "time", "open", "high", "low", "close", "volume", "amount", "provisional"] as const;

/** A bar with its label as `date` (what the charts and table key on) and its UTC day as `day`. */
type Row = CryptoBar & { day: string };

/** CSV of the bars as the API's `format=csv` writes them: numbers as sent, null as empty. */
function barsCsv(bars: readonly Row[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const bar of bars) {
    const cells = CSV_COLUMNS.map((c) => (c === "date" ? bar.day : bar[c]));
    lines.push(cells.map((v) => (v == null ? "" : String(v))).join(","));
  }
  return lines.join("\n") + "\n";
}

const baseAmount = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 8 });
const quoteAmount = (value: number) => value.toLocaleString("en-US", { maximumFractionDigits: 2 });

/**
 * A crypto pair's dashboard: prices in the quote currency, volume in the base currency, bars opening
 * at 00:00 UTC (1d) or on the hour (1h); a bar is provisional until its period is over.
 */
export function CryptoDashboard({ history, view }: { history: CryptoHistory; view: CryptoView }) {
  const t = useT();
  const { units, cache } = history.metadata;
  const timeframe = history.timeframe;
  // the charts and the table label each bar: its UTC day (1d), or day and open time (1h)
  const bars = useMemo<Row[]>(
    () => history.data.map((bar) => ({ ...bar, day: bar.date, date: barLabel(bar, timeframe) })),
    [history.data, timeframe],
  );
  const digits = useMemo(() => priceDigits(history.data.map((b) => b.close)), [history.data]);
  const provisional = history.data.some((b) => b.provisional);
  const columns = useMemo<Column<Row>[]>(
    () => [
      { header: timeframe === "1h" ? t("col.openTime") : t("col.date"), unit: "UTC", cell: (bar) => bar.date },
      { header: t("col.open"), unit: units.price, cell: (bar) => bar.open },
      { header: t("col.high"), cell: (bar) => bar.high },
      { header: t("col.low"), cell: (bar) => bar.low },
      { header: t("col.close"), cell: (bar) => bar.close },
      { header: t("col.volume"), unit: units.volume, cell: (bar) => baseAmount(bar.volume) },
      {
        header: t("col.amount"),
        unit: units.amount,
        cell: (bar) => (bar.amount == null ? "—" : quoteAmount(bar.amount)),
      },
    ],
    [t, timeframe, units.price, units.volume, units.amount],
  );
  const unconfirmed = cache.unconfirmed_empty.length;
  const calls = cache.upstream_requests;
  const unitsLine = [
    `Prices in ${units.price} (quote currency)`,
    `volume in ${units.volume} (base currency)`,
    `amount in ${units.amount}`,
    `times in ${units.time_zone} (${timeframe === "1h" ? "bars open on the hour" : "days from 00:00 UTC"})`,
    `${timeframe} bars ${history.start_date} → ${history.end_date}`,
    `${bars.length} bars`,
    cache.hit ? "cache hit" : `cache miss (${calls} upstream call${calls === 1 ? "" : "s"})`,
    ...(provisional ? ["last bar provisional (its period is not over: it may still change)"] : []),
  ].join(" · ");

  return (
    <SeriesDashboard
      bars={bars}
      period={timeframe}
      priceUnit={units.price}
      volumeUnit={units.volume}
      priceDigits={digits}
      columns={columns}
      csv={barsCsv}
      fileName={`${history.exchange}_${units.base}-${units.quote}_${view.start}_${view.end}_${timeframe}.csv`}
      units={unitsLine}
      empty={
        <>
          No {timeframe} bars between {history.start_date} and {history.end_date} (UTC days) for {history.exchange}:
          {history.symbol}.
          {unconfirmed
            ? ` The exchange answered no bars for ${unconfirmed === 1 ? "this span" : `${unconfirmed} spans`} ` +
              "(before the pair was listed, or an outage)."
            : ""}
        </>
      }
    />
  );
}
