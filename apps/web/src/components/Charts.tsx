"use client";

import { memo, useMemo, useState } from "react";
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { drawdownSeries, movingAverage, type PriceBar, periodsPerYear, simpleReturns } from "../lib/figures.ts";
import { type MessageKey, useT } from "../lib/i18n.tsx";
import { type IndicatorValues, valuesByDate } from "../lib/indicators.ts";
import { ErrorPanel } from "./ErrorPanel.tsx";
import {
  bollOverlay,
  columnLabel,
  IndicatorPaneCharts,
  type IndicatorPanes,
  panesOf,
  SYNC_ID,
} from "./IndicatorCharts.tsx";

/** A bar as the charts need it: `date` is its x label (a date, or date and time for intraday bars). */
export interface ChartBar extends PriceBar {
  volume: number;
  provisional: boolean;
}

interface Point {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  range: [number, number];
  up: boolean;
  provisional: boolean;
  ma5: number | null;
  ma20: number | null;
  ma60: number | null;
  /** The indicator values of the bar's date (the BOLL overlay reads its columns). */
  indicators: IndicatorValues;
}

const MA_COLORS = { ma5: "#e0a100", ma20: "#8b5cf6", ma60: "#0ea5e9" } as const;
type MaKey = keyof typeof MA_COLORS;

interface ShapeProps {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  payload?: Point;
}

/** One candle: wick from high to low, body from open to close; hollow and dashed when provisional. */
function Candle(props: unknown) {
  const { x = 0, y = 0, width = 0, height = 0, payload } = props as ShapeProps;
  if (!payload) return <g />;
  const top = Math.min(y, y + height);
  const span = Math.abs(height);
  const { high, low, open, close, up, provisional } = payload;
  const px = (v: number) => (high === low ? top : top + ((high - v) / (high - low)) * span);
  const bodyTop = px(Math.max(open, close));
  const bodyHeight = Math.max(1, px(Math.min(open, close)) - bodyTop);
  const cx = x + width / 2;
  const color = up ? "var(--up)" : "var(--down)";
  const bodyWidth = Math.max(1, width * 0.8);
  return (
    <g data-candle={payload.date} data-provisional={provisional ? "true" : undefined} style={{ stroke: color }}>
      <line
        x1={cx}
        x2={cx}
        y1={top}
        y2={top + span}
        strokeWidth={1}
        strokeDasharray={provisional ? "2 2" : undefined}
      />
      <rect
        x={cx - bodyWidth / 2}
        y={bodyTop}
        width={bodyWidth}
        height={bodyHeight}
        strokeWidth={provisional ? 1 : 0.5}
        strokeDasharray={provisional ? "2 2" : undefined}
        style={{ fill: provisional ? "none" : color }}
      />
    </g>
  );
}

function VolumeBar(props: unknown) {
  const { x = 0, y = 0, width = 0, height = 0, payload } = props as ShapeProps;
  return (
    <rect
      x={x}
      y={Math.min(y, y + height)}
      width={Math.max(1, width)}
      height={Math.abs(height)}
      style={{ fill: payload?.up ? "var(--up)" : "var(--down)", opacity: payload?.provisional ? 0.4 : 0.75 }}
    />
  );
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

function PriceTooltip({
  active,
  payload,
  unit,
  volumeUnit,
  overlay,
}: {
  active?: boolean;
  payload?: readonly { payload?: Point }[];
  unit: string;
  volumeUnit: string;
  /** The overlay's columns, shown under the bar's prices. */
  overlay: readonly string[];
}) {
  const p = active ? payload?.[0]?.payload : undefined;
  if (!p) return null;
  return (
    <div className="panel" style={{ padding: "6px 8px", margin: 0, fontSize: 12 }}>
      <strong>{p.date}</strong>
      {p.provisional ? " (provisional)" : ""}
      <div>
        O {p.open} H {p.high} L {p.low} C {p.close} {unit}
      </div>
      <div>
        Vol {p.volume.toLocaleString("en-US", { maximumFractionDigits: 8 })} {volumeUnit}
      </div>
      {overlay.length > 0 ? (
        <div>
          {overlay.map((column) => `${columnLabel(column)} ${p.indicators[column]?.toFixed(2) ?? "—"}`).join(" · ")}
        </div>
      ) : null}
    </div>
  );
}

export const PriceCharts = memo(function PriceCharts({
  bars,
  priceUnit,
  volumeUnit,
  indicators,
}: {
  bars: readonly ChartBar[];
  priceUnit: string;
  /** What volume is counted in: shares, or the base currency of a crypto pair. */
  volumeUnit: string;
  /** The indicators the page asked for: BOLL over the price, the other panes under the volume. */
  indicators?: IndicatorPanes | null;
}) {
  const answer = indicators?.answer ?? null;
  const dates = useMemo(() => bars.map((b) => b.date), [bars]);
  const values = useMemo(() => (answer ? valuesByDate(answer, dates) : []), [answer, dates]);
  const overlay = useMemo(() => bollOverlay(answer), [answer]);
  const panesBelow = answer !== null && panesOf(answer).length > 0;
  const points = useMemo<Point[]>(() => {
    const ma5 = movingAverage(bars, 5),
      ma20 = movingAverage(bars, 20),
      ma60 = movingAverage(bars, 60);
    return bars.map((b, i) => ({
      date: b.date,
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
      volume: b.volume,
      range: [b.low, b.high],
      up: b.close >= b.open,
      provisional: b.provisional,
      ma5: ma5[i] ?? null,
      ma20: ma20[i] ?? null,
      ma60: ma60[i] ?? null,
      indicators: values[i] ?? {},
    }));
  }, [bars, values]);
  const [ma, setMa] = useState<Record<MaKey, boolean>>({ ma5: true, ma20: true, ma60: false });
  const [lineMode, setLineMode] = useState(false);
  const unit = priceUnit;
  const t = useT();

  return (
    <section className="panel" aria-label="Price chart" data-testid="price-panel">
      <div className="row" style={{ justifyContent: "space-between", marginBottom: 6 }}>
        <h2 style={{ margin: 0 }}>{t("chart.price", { unit, volume: volumeUnit })}</h2>
        <div className="row">
          {(Object.keys(MA_COLORS) as MaKey[]).map((key) => (
            <label key={key} className="row" style={{ gap: 4 }}>
              <input
                type="checkbox"
                name={key}
                checked={ma[key]}
                onChange={(e) => setMa((m) => ({ ...m, [key]: e.target.checked }))}
              />
              <span style={{ color: MA_COLORS[key] }}>MA{key.slice(2)}</span>
            </label>
          ))}
          <label className="row" style={{ gap: 4 }}>
            <input
              type="checkbox"
              name="line-mode"
              data-testid="line-mode"
              checked={lineMode}
              onChange={(e) => setLineMode(e.target.checked)}
            />
            {t("chart.closeLine")}
          </label>
        </div>
      </div>
      <div data-testid="price-chart" data-mode={lineMode ? "line" : "candles"}>
        <ResponsiveContainer width="100%" height={340} initialDimension={{ width: 1000, height: 340 }}>
          <ComposedChart data={points} syncId={SYNC_ID} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--grid)" vertical={false} />
            <XAxis dataKey="date" hide />
            <YAxis domain={["auto", "auto"]} width={64} tick={{ fontSize: 11 }} orientation="right" />
            <Tooltip
              content={(props) => (
                <PriceTooltip
                  active={props.active}
                  payload={props.payload as never}
                  unit={unit}
                  volumeUnit={volumeUnit}
                  overlay={overlay.map((line) => line.column)}
                />
              )}
              isAnimationActive={false}
            />
            {lineMode ? (
              <Line
                dataKey="close"
                dot={false}
                stroke="var(--accent)"
                strokeWidth={1.5}
                isAnimationActive={false}
                name="Close"
              />
            ) : (
              <Bar dataKey="range" shape={Candle} isAnimationActive={false} name="OHLC" />
            )}
            {(Object.keys(MA_COLORS) as MaKey[]).map((key) =>
              ma[key] ? (
                <Line
                  key={key}
                  dataKey={key}
                  dot={false}
                  stroke={MA_COLORS[key]}
                  strokeWidth={1}
                  isAnimationActive={false}
                  connectNulls={false}
                  name={`MA${key.slice(2)}`}
                />
              ) : null,
            )}
            {overlay.map((line) => (
              <Line
                key={line.column}
                className={`boll-line line-${line.column}`}
                dataKey={(p: Point) => p.indicators[line.column] ?? null}
                dot={false}
                stroke={line.color}
                strokeWidth={1}
                strokeDasharray={line.dashed ? "4 3" : undefined}
                isAnimationActive={false}
                connectNulls={false}
                name={columnLabel(line.column)}
              />
            ))}
          </ComposedChart>
        </ResponsiveContainer>
        <ResponsiveContainer width="100%" height={110} initialDimension={{ width: 1000, height: 110 }}>
          <BarChart data={points} syncId={SYNC_ID} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <XAxis dataKey="date" hide={panesBelow} tick={{ fontSize: 11 }} minTickGap={40} />
            <YAxis
              width={64}
              tick={{ fontSize: 11 }}
              orientation="right"
              tickFormatter={(v: number) => compact.format(v)}
            />
            <Bar dataKey="volume" shape={VolumeBar} isAnimationActive={false} name={`Volume (${volumeUnit})`} />
          </BarChart>
        </ResponsiveContainer>
        {answer ? <IndicatorPaneCharts answer={answer} dates={dates} values={values} /> : null}
      </div>
      {indicators?.failure ? <ErrorPanel info={indicators.failure} prefix={t("ctl.indicators")} /> : null}
    </section>
  );
});

/** The label of a bar length: sessions (daily, weekly, monthly) or a crypto timeframe (1d, 1h). */
const PERIOD_LABELS: Record<string, MessageKey> = {
  daily: "period.daily",
  weekly: "period.weekly",
  monthly: "period.monthly",
  "1d": "period.daily",
  "1h": "period.hourly",
};

export const ReturnsHistogram = memo(function ReturnsHistogram({
  bars,
  period,
}: {
  bars: readonly PriceBar[];
  period: string;
}) {
  const bins = useMemo(() => {
    const returns = simpleReturns(bars).map((r) => r.pct);
    if (!returns.length) return [];
    // bins of 0.1 % for hourly, 0.5 % for daily, 2 % for weekly and monthly returns
    const perYear = periodsPerYear(period);
    const width = perYear > 1000 ? 0.1 : perYear > 100 ? 0.5 : 2;
    const lo = Math.floor(Math.min(...returns) / width),
      hi = Math.floor(Math.max(...returns) / width);
    const out: { bin: string; from: number; count: number }[] = [];
    for (let i = lo; i <= hi; i++) out.push({ bin: (i * width).toFixed(1), from: i * width, count: 0 });
    for (const r of returns) out[Math.floor(r / width) - lo]!.count++;
    return out;
  }, [bars, period]);
  const t = useT();
  const label = t(PERIOD_LABELS[period] ?? "period.daily");
  return (
    <section className="panel" aria-label="Return histogram" data-testid="returns-panel">
      <h3>{t("chart.returns", { period: label })}</h3>
      {bins.length === 0 ? (
        <div className="empty">{t("chart.needTwo")}</div>
      ) : (
        <ResponsiveContainer width="100%" height={200} initialDimension={{ width: 600, height: 200 }}>
          <BarChart data={bins} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--grid)" vertical={false} />
            <XAxis dataKey="bin" tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} width={36} tick={{ fontSize: 11 }} />
            <Tooltip isAnimationActive={false} formatter={(v) => [v, "bars"]} labelFormatter={(l) => `from ${l}%`} />
            <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </section>
  );
});

export const DrawdownChart = memo(function DrawdownChart({ bars }: { bars: readonly PriceBar[] }) {
  const series = useMemo(() => drawdownSeries(bars), [bars]);
  const t = useT();
  return (
    <section className="panel" aria-label="Drawdown" data-testid="drawdown-panel">
      <h3>{t("chart.drawdown")}</h3>
      <ResponsiveContainer width="100%" height={200} initialDimension={{ width: 600, height: 200 }}>
        <AreaChart data={series} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="var(--grid)" vertical={false} />
          <XAxis dataKey="date" tick={{ fontSize: 11 }} minTickGap={40} />
          <YAxis width={44} tick={{ fontSize: 11 }} tickFormatter={(v: number) => v.toFixed(0)} />
          <ReferenceLine y={0} stroke="var(--muted)" />
          <Tooltip isAnimationActive={false} formatter={(v) => [`${Number(v).toFixed(2)}%`, "drawdown"]} />
          <Area
            dataKey="drawdown"
            stroke="var(--down)"
            fill="var(--down)"
            fillOpacity={0.25}
            isAnimationActive={false}
            dot={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </section>
  );
});
