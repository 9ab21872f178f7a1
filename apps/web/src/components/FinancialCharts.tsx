"use client";

import type { FinancialSummary } from "@quantdb/sdk";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

type Report = FinancialSummary["reports"][number];

interface Metric {
  key: "revenue" | "net_profit_attributable" | "gross_margin" | "net_margin";
  title: string;
  unit: string;
  scale: number;
  color: string;
}

export function FinancialCharts({ reports, currency }: { reports: Report[]; currency: string }) {
  const metrics: Metric[] = [
    { key: "revenue", title: "Revenue", unit: `${currency} bn`, scale: 1e9, color: "#2563eb" },
    {
      key: "net_profit_attributable",
      title: "Net profit attributable",
      unit: `${currency} bn`,
      scale: 1e9,
      color: "#16a34a",
    },
    { key: "gross_margin", title: "Gross margin", unit: "%", scale: 1, color: "#e0a100" },
    { key: "net_margin", title: "Net margin", unit: "%", scale: 1, color: "#8b5cf6" },
  ];
  return (
    <div
      data-testid="financial-charts"
      style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(300px, 1fr))", gap: 12 }}
    >
      {metrics.map((m) => {
        const data = reports.map((r) => ({
          label: `${r.report_date} ${r.report_type}`,
          value: r[m.key] == null ? null : r[m.key]! / m.scale,
        }));
        return (
          <figure key={m.key} data-metric={m.key} style={{ margin: 0 }}>
            <figcaption style={{ fontSize: 13, marginBottom: 4 }}>
              {m.title} <span className="muted">({m.unit})</span>
            </figcaption>
            <ResponsiveContainer width="100%" height={180} initialDimension={{ width: 320, height: 180 }}>
              <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: 0 }}>
                <CartesianGrid stroke="var(--grid)" vertical={false} />
                <XAxis
                  dataKey="label"
                  tick={{ fontSize: 10 }}
                  tickFormatter={(v: string) => v.slice(0, 7)}
                  minTickGap={8}
                />
                <YAxis
                  tick={{ fontSize: 10 }}
                  width={44}
                  tickFormatter={(v: number) => (m.scale === 1 ? v.toFixed(0) : v.toFixed(1))}
                />
                <Tooltip formatter={(v) => (typeof v === "number" ? `${v.toFixed(2)} ${m.unit}` : "—")} />
                <Bar dataKey="value" name={m.title} fill={m.color} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </figure>
        );
      })}
    </div>
  );
}
