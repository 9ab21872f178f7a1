"use client";

import type { Indicators } from "@quantdb/sdk";
import { memo, useMemo } from "react";
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { useT } from "../lib/i18n.tsx";
import { type IndicatorValues, type Pane, paneColumns } from "../lib/indicators.ts";
import type { ErrorInfo } from "./ErrorPanel.tsx";

/**
 * The indicator panes under the price and volume charts (MACD, KDJ, RSI) and the BOLL lines over the
 * price chart, drawn from the API's indicators answer (the columns as sent; nothing computed here).
 */

/** The indicators a page asked for: the API's answer, or why there is none. */
export interface IndicatorPanes {
  answer: Indicators | null;
  failure: ErrorInfo | null;
}

/** The same plot geometry as the price and volume charts, so a date sits at the same x in every chart. */
const MARGIN = { top: 4, right: 8, bottom: 0, left: 0 };
const Y_WIDTH = 64;
/** The price chart's `syncId`: one tooltip position across the price, volume and indicator charts. */
export const SYNC_ID = "price";

const COLORS: Record<string, string> = {
  macd_dif: "#0ea5e9",
  macd_dea: "#e0a100",
  kdj_k: "#e0a100",
  kdj_d: "#0ea5e9",
  kdj_j: "#8b5cf6",
  boll_mid: "#64748b",
  boll_upper: "#d97706",
  boll_lower: "#d97706",
};
const RSI_COLORS = ["#8b5cf6", "#e0a100", "#0ea5e9"];

const LABELS: Record<string, string> = {
  macd_dif: "DIF",
  macd_dea: "DEA",
  macd: "MACD",
  kdj_k: "K",
  kdj_d: "D",
  kdj_j: "J",
  boll_mid: "BOLL mid",
  boll_upper: "BOLL upper",
  boll_lower: "BOLL lower",
};

/** The legend and tooltip name of a column: `DIF`, `K`, `RSI6`. */
export function columnLabel(column: string): string {
  return LABELS[column] ?? column.toUpperCase();
}

function colorOf(column: string, index: number): string {
  return COLORS[column] ?? RSI_COLORS[index % RSI_COLORS.length]!;
}

/** A line of the BOLL overlay: a column drawn over the price chart. */
export interface OverlayLine {
  column: string;
  color: string;
  dashed: boolean;
}

/** The BOLL lines of an answer (none unless BOLL was asked for). */
export function bollOverlay(answer: Indicators | null): OverlayLine[] {
  if (!answer) return [];
  return paneColumns(answer, "boll").map((column, i) => ({
    column,
    color: colorOf(column, i),
    dashed: column !== "boll_mid",
  }));
}

interface PanePoint {
  date: string;
  values: IndicatorValues;
}

interface BarShapeProps {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  payload?: PanePoint;
}

/** One MACD histogram bar, coloured by its sign (red above zero, green below, as the price candles). */
function MacdBar(props: unknown) {
  const { x = 0, y = 0, width = 0, height = 0, payload } = props as BarShapeProps;
  const value = payload?.values.macd ?? 0;
  return (
    <rect
      data-macd-bar={payload?.date}
      data-sign={value >= 0 ? "+" : "-"}
      x={x + width * 0.1}
      y={Math.min(y, y + height)}
      width={Math.max(1, width * 0.8)}
      height={Math.abs(height)}
      style={{ fill: value >= 0 ? "var(--up)" : "var(--down)" }}
    />
  );
}

const fixed2 = (value: unknown) => (typeof value === "number" ? value.toFixed(2) : "—");

/** One pane: the lines of `columns` (and the MACD histogram), sharing the price chart's x axis. */
function PaneChart({
  pane,
  columns,
  points,
  axis,
}: {
  pane: Exclude<Pane, "boll">;
  columns: readonly string[];
  points: readonly PanePoint[];
  /** Whether this pane, the lowest, carries the date ticks. */
  axis: boolean;
}) {
  const t = useT();
  const lines = columns.filter((column) => column !== "macd");
  const height = (pane === "rsi" ? 130 : 150) + (axis ? 20 : 0);
  return (
    <figure data-testid={`pane-${pane}`} data-pane={pane} style={{ margin: 0 }}>
      <figcaption className="row" style={{ gap: 10, fontSize: 12, margin: "6px 0 0" }} title={t(`ind.${pane}`)}>
        <strong>{pane.toUpperCase()}</strong>
        {columns.map((column, i) => (
          <span key={column} style={{ color: column === "macd" ? "var(--muted)" : colorOf(column, i) }}>
            {columnLabel(column)}
          </span>
        ))}
      </figcaption>
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 1000, height }}>
        <ComposedChart data={points as PanePoint[]} syncId={SYNC_ID} margin={MARGIN}>
          <CartesianGrid stroke="var(--grid)" vertical={false} />
          <XAxis dataKey="date" hide={!axis} tick={{ fontSize: 11 }} minTickGap={40} />
          {pane === "rsi" ? (
            <YAxis
              domain={[0, 100]}
              ticks={[0, 30, 70, 100]}
              width={Y_WIDTH}
              tick={{ fontSize: 11 }}
              orientation="right"
            />
          ) : (
            <YAxis
              domain={["auto", "auto"]}
              width={Y_WIDTH}
              tick={{ fontSize: 11 }}
              orientation="right"
              tickFormatter={fixed2}
            />
          )}
          {pane === "rsi" ? (
            <>
              <ReferenceLine y={70} stroke="var(--up)" strokeDasharray="3 3" />
              <ReferenceLine y={30} stroke="var(--down)" strokeDasharray="3 3" />
            </>
          ) : pane === "macd" ? (
            <ReferenceLine y={0} stroke="var(--muted)" />
          ) : null}
          <Tooltip
            isAnimationActive={false}
            formatter={(value, name) => [fixed2(value), name]}
            contentStyle={{
              fontSize: 12,
              padding: "4px 8px",
              background: "var(--panel)",
              borderColor: "var(--border)",
            }}
          />
          {columns.includes("macd") ? (
            <Bar
              dataKey={(p: PanePoint) => p.values.macd ?? null}
              shape={MacdBar}
              isAnimationActive={false}
              name="MACD"
            />
          ) : null}
          {lines.map((column, i) => (
            <Line
              key={column}
              className={`indicator-line line-${column}`}
              dataKey={(p: PanePoint) => p.values[column] ?? null}
              dot={false}
              stroke={colorOf(column, i)}
              strokeWidth={1.2}
              isAnimationActive={false}
              connectNulls={false}
              name={columnLabel(column)}
            />
          ))}
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** The MACD, KDJ and RSI panes an answer holds, in the order they are stacked, with their columns. */
export function panesOf(answer: Indicators): { pane: Exclude<Pane, "boll">; columns: string[] }[] {
  return (["macd", "kdj", "rsi"] as const)
    .map((pane) => ({ pane, columns: paneColumns(answer, pane) }))
    .filter(({ columns }) => columns.length > 0);
}

/** The MACD, KDJ and RSI panes the answer holds, stacked in that order; the lowest carries the date axis. */
export const IndicatorPaneCharts = memo(function IndicatorPaneCharts({
  answer,
  dates,
  values,
}: {
  answer: Indicators;
  /** The price chart's dates, and the answer's values in their order (lib/indicators.ts valuesByDate). */
  dates: readonly string[];
  values: readonly IndicatorValues[];
}) {
  const t = useT();
  const points = useMemo(() => dates.map((date, i) => ({ date, values: values[i] ?? {} })), [dates, values]);
  const panes = useMemo(() => panesOf(answer), [answer]);
  return (
    <div data-testid="indicator-panes" data-warmup={answer.metadata.warmup_sessions}>
      {panes.map(({ pane, columns }, i) => (
        <PaneChart key={pane} pane={pane} columns={columns} points={points} axis={i === panes.length - 1} />
      ))}
      <p className="muted" style={{ margin: "6px 0 0", fontSize: 12 }}>
        {t("ind.note", { n: answer.metadata.warmup_sessions })}
      </p>
    </div>
  );
});
