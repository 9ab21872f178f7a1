"use client";

import { useMemo } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { rebasedRows, returnsCorrelation } from "../lib/compare.ts";

export interface CompareSeries {
  symbol: string;
  name: string | null;
  /** A crypto pair (closes of UTC days) rather than a stock (closes of exchange-local sessions). */
  crypto?: boolean;
  bars: { date: string; close: number }[];
}

const COLORS = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#e0a100",
  "#8b5cf6",
  "#0ea5e9",
  "#db2777",
  "#64748b",
  "#ea580c",
  "#0d9488",
];

function label(s: CompareSeries): string {
  return s.name ? `${s.symbol} ${s.name}` : s.symbol;
}

export function CompareDashboard({
  series,
  start,
  end,
  adjust,
}: {
  series: CompareSeries[];
  start: string;
  end: string;
  adjust: string;
}) {
  const points = useMemo(() => rebasedRows(series.map((s) => ({ key: s.symbol, bars: s.bars }))), [series]);
  const matrix = useMemo(() => series.map((a) => series.map((b) => returnsCorrelation(a, b))), [series]);
  const plotted = series.filter((s) => s.bars.length > 0);
  const mixed = series.some((s) => s.crypto) && series.some((s) => !s.crypto);
  const anyCrypto = series.some((s) => s.crypto);

  return (
    <>
      <p className="muted" style={{ margin: "0 0 8px" }}>
        Closes {adjust ? `(${adjust})` : "(unadjusted)"} {start} → {end}, each rebased to 100 on its first bar in the
        range.
        {anyCrypto ? " Crypto pairs: daily closes, prices in their quote currency, never adjusted." : ""}
      </p>
      {mixed ? (
        <p className="muted" data-testid="compare-time-note" style={{ margin: "0 0 8px" }}>
          Dates are not the same kind of day: a crypto pair's are UTC days (its close is the price at 24:00 UTC, 08:00
          the next morning in Shanghai and Hong Kong; it trades every day), a stock's are exchange-local sessions (close
          at 15:00 or 16:00 local time, weekdays). Points of one date are hours apart, and the crypto line has weekend
          points the stocks do not.
        </p>
      ) : null}
      <section className="panel" aria-label="Rebased closes">
        <h2>Rebased closes (first bar = 100)</h2>
        {plotted.length === 0 ? (
          <div className="empty" data-testid="empty">
            No bars between {start} and {end} for these symbols.
          </div>
        ) : (
          <div data-testid="compare-chart" data-series={plotted.length}>
            <ResponsiveContainer width="100%" height={360} initialDimension={{ width: 1000, height: 360 }}>
              <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="var(--grid)" vertical={false} />
                <XAxis dataKey="date" tick={{ fontSize: 11 }} minTickGap={40} />
                <YAxis
                  tick={{ fontSize: 11 }}
                  domain={["auto", "auto"]}
                  width={50}
                  tickFormatter={(v: number) => v.toFixed(0)}
                />
                <Tooltip formatter={(v) => (typeof v === "number" ? v.toFixed(2) : String(v))} />
                <Legend />
                {plotted.map((s, i) => (
                  <Line
                    key={s.symbol}
                    type="linear"
                    dataKey={s.symbol}
                    name={label(s)}
                    stroke={COLORS[i % COLORS.length]}
                    dot={false}
                    strokeWidth={1.5}
                    connectNulls
                    isAnimationActive={false}
                    className={`compare-line compare-line-${s.symbol.replace(/[^A-Za-z0-9_-]/g, "-")}`}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
      </section>
      <section className="panel" aria-label="Correlation">
        <h2>Correlation of returns</h2>
        <div className="scroll">
          <table data-testid="correlation-table">
            <thead>
              <tr>
                <th />
                {series.map((s) => (
                  <th key={s.symbol}>{label(s)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {series.map((a, i) => (
                <tr key={a.symbol}>
                  <th>{label(a)}</th>
                  {series.map((b, j) => {
                    const value = matrix[i]![j];
                    return (
                      <td key={b.symbol} data-pair={`${a.symbol}|${b.symbol}`} style={{ textAlign: "right" }}>
                        {value == null ? "—" : value.toFixed(2)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <p className="muted" style={{ margin: "6px 0 0" }}>
          Pearson correlation of simple returns between consecutive dates on which both symbols have a close
          {anyCrypto
            ? " (a crypto pair is taken on the stock's session dates, so a Monday return runs from Friday)"
            : ""}
          .
        </p>
      </section>
    </>
  );
}
