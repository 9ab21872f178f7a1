"use client";

import { useMemo } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { correlation, simpleReturns } from "../lib/figures.ts";

export interface CompareSeries {
  symbol: string;
  name: string | null;
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

/** Correlation of the daily returns of two series on the dates both have a return. */
function pairCorrelation(a: CompareSeries, b: CompareSeries): number | null {
  const ra = new Map(
    simpleReturns(a.bars.map((x) => ({ ...x, open: x.close, high: x.close, low: x.close }))).map((r) => [
      r.date,
      r.pct,
    ]),
  );
  const rb = simpleReturns(b.bars.map((x) => ({ ...x, open: x.close, high: x.close, low: x.close })));
  const xs: number[] = [];
  const ys: number[] = [];
  for (const r of rb) {
    const v = ra.get(r.date);
    if (v !== undefined) {
      xs.push(v);
      ys.push(r.pct);
    }
  }
  return correlation(xs, ys);
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
  const points = useMemo(() => {
    const byDate = new Map<string, Record<string, number | string>>();
    for (const s of series) {
      const first = s.bars[0]?.close;
      if (!first) continue;
      for (const bar of s.bars) {
        const row = byDate.get(bar.date) ?? { date: bar.date };
        row[s.symbol] = (bar.close / first) * 100;
        byDate.set(bar.date, row);
      }
    }
    return [...byDate.values()].sort((a, b) => String(a.date).localeCompare(String(b.date)));
  }, [series]);
  const matrix = useMemo(() => series.map((a) => series.map((b) => pairCorrelation(a, b))), [series]);
  const plotted = series.filter((s) => s.bars.length > 0);

  return (
    <>
      <p className="muted" style={{ margin: "0 0 8px" }}>
        Closes {adjust ? `(${adjust})` : "(unadjusted)"} {start} → {end}, each rebased to 100 on its first bar in the
        range.
      </p>
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
                    className={`compare-line compare-line-${s.symbol}`}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
      </section>
      <section className="panel" aria-label="Correlation">
        <h2>Correlation of daily returns</h2>
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
          Pearson correlation of simple daily returns on the sessions both symbols traded.
        </p>
      </section>
    </>
  );
}
