"use client";

import type { CacheStats } from "@quantdb/sdk";
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { useT } from "../lib/i18n.tsx";

type Minute = CacheStats["activity"]["minutes"][number];

/** "12:34" in the browser's time zone. */
function clock(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

const ms = (v: number | null) => (v == null ? "—" : v < 10 ? v.toFixed(1) : Math.round(v).toString());

/**
 * The cache's last hour per minute (from `GET /api/v1/cache/stats` → `activity`): history requests
 * and upstream calls as bars with the hit ratio as a line, then request latency p50/p95, then the
 * busy minutes as a table (the same numbers, for reading and for assistive tools).
 */
export function ActivityCharts({ activity }: { activity: CacheStats["activity"] }) {
  const t = useT();
  const data = activity.minutes.map((m: Minute) => ({
    time: clock(m.start),
    requests: m.requests,
    upstream: m.upstream_calls,
    hitPct: m.hit_ratio == null ? null : Math.round(m.hit_ratio * 1000) / 10,
    p50: m.latency_ms.p50,
    p95: m.latency_ms.p95,
  }));
  const busy = activity.minutes.filter((m) => m.requests > 0 || m.upstream_calls > 0);
  if (busy.length === 0) {
    return (
      <div className="empty" data-testid="activity-empty">
        {t("cache.activityEmpty")}
      </div>
    );
  }
  return (
    <div data-testid="activity">
      <div data-testid="activity-chart" style={{ width: "100%", height: 220 }}>
        <ResponsiveContainer>
          <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--grid)" vertical={false} />
            <XAxis dataKey="time" tick={{ fill: "var(--muted)", fontSize: 11 }} minTickGap={24} />
            <YAxis yAxisId="n" allowDecimals={false} tick={{ fill: "var(--muted)", fontSize: 11 }} width={36} />
            <YAxis
              yAxisId="pct"
              orientation="right"
              domain={[0, 100]}
              unit="%"
              tick={{ fill: "var(--muted)", fontSize: 11 }}
              width={44}
            />
            <Tooltip contentStyle={{ background: "var(--bg)", border: "1px solid var(--border)" }} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar
              yAxisId="n"
              dataKey="requests"
              name={t("cache.requests")}
              fill="var(--accent)"
              isAnimationActive={false}
            />
            <Bar
              yAxisId="n"
              dataKey="upstream"
              name={t("cache.upstreamCalls")}
              fill="var(--up)"
              isAnimationActive={false}
            />
            <Line
              yAxisId="pct"
              dataKey="hitPct"
              name={`${t("cache.hitRatio")} (%)`}
              stroke="var(--down)"
              dot={{ r: 2 }}
              connectNulls={false}
              isAnimationActive={false}
            />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <h3 style={{ marginTop: 10 }}>{t("cache.latency")}</h3>
      <div data-testid="latency-chart" style={{ width: "100%", height: 180 }}>
        <ResponsiveContainer>
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--grid)" vertical={false} />
            <XAxis dataKey="time" tick={{ fill: "var(--muted)", fontSize: 11 }} minTickGap={24} />
            <YAxis tick={{ fill: "var(--muted)", fontSize: 11 }} width={44} />
            <Tooltip contentStyle={{ background: "var(--bg)", border: "1px solid var(--border)" }} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Line dataKey="p50" name="p50" stroke="var(--accent)" dot={{ r: 2 }} isAnimationActive={false} />
            <Line dataKey="p95" name="p95" stroke="var(--warn-fg)" dot={{ r: 2 }} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <details style={{ marginTop: 8 }}>
        <summary className="muted">{t("cache.busyMinutes", { n: busy.length })}</summary>
        <div className="scroll">
          <table className="data" data-testid="activity-table">
            <thead>
              <tr>
                <th>{"UTC"}</th>
                <th>{t("cache.requests")}</th>
                <th>{t("cache.hitRatio")}</th>
                <th>{t("cache.upstreamCalls")}</th>
                <th>p50 (ms)</th>
                <th>p95 (ms)</th>
                <th>max (ms)</th>
              </tr>
            </thead>
            <tbody>
              {busy.map((m) => (
                <tr
                  key={m.start}
                  data-minute={m.start}
                  data-requests={m.requests}
                  data-upstream-calls={m.upstream_calls}
                >
                  <td>{m.start.slice(11, 16)}</td>
                  <td>{m.requests}</td>
                  <td>{m.hit_ratio == null ? "—" : `${(m.hit_ratio * 100).toFixed(1)}%`}</td>
                  <td>{m.upstream_calls}</td>
                  <td>{ms(m.latency_ms.p50)}</td>
                  <td>{ms(m.latency_ms.p95)}</td>
                  <td>{ms(m.latency_ms.max)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
