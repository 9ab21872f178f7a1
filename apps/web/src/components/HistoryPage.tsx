import Link from "next/link";
import type { Adjust, Period, QuantDbClient, StockHistory } from "@quantdb/sdk";
import { serverClient } from "../lib/client.ts";
import { todayLocal } from "../lib/dates.ts";
import { parseView, type View, viewQuery, type Kind } from "../lib/view.ts";
import { Controls } from "./Controls.tsx";
import { ErrorPanel, errorInfo } from "./ErrorPanel.tsx";
import { HistoryDashboard } from "./HistoryDashboard.tsx";
import { LiveQuote } from "./LiveQuote.tsx";
import type { IndicatorPanes } from "./IndicatorCharts.tsx";
import { T } from "../lib/i18n.tsx";

export interface HistoryPageProps {
  kind: Kind;
  params: Promise<{ symbol: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** The indicators the URL chose, for the same range, adjust and period as the bars; a failure is kept to show. */
async function loadIndicators(client: QuantDbClient, kind: Kind, symbol: string, view: View): Promise<IndicatorPanes> {
  try {
    const answer = await client.getIndicators(symbol, {
      indicators: view.indicators.join(","),
      kind,
      start: view.start,
      end: view.end,
      ...(kind === "stock" ? { adjust: view.adjust } : {}),
      period: view.period,
    });
    return { answer, failure: null };
  } catch (error) {
    return { answer: null, failure: errorInfo(error) };
  }
}

/**
 * The stock and index pages: fetches the view's bars (and the indicators its URL chooses) server-side
 * through the SDK and renders the dashboard.
 */
export async function HistoryPage({ kind, params, searchParams }: HistoryPageProps) {
  const symbol = decodeURIComponent((await params).symbol);
  const view = parseView(await searchParams);
  const client = serverClient();
  // asked alongside the bars; loadIndicators catches, so this promise never rejects
  const indicators = view.indicators.length > 0 ? loadIndicators(client, kind, symbol, view) : null;
  let history: StockHistory | null = null;
  let failure: ReturnType<typeof errorInfo> | null = null;
  try {
    history =
      kind === "stock"
        ? await client.getHistory(symbol, {
            start: view.start,
            end: view.end,
            adjust: view.adjust as Adjust,
            period: view.period as Period,
          })
        : await client.getIndexHistory(symbol, { start: view.start, end: view.end, period: view.period as Period });
  } catch (error) {
    failure = errorInfo(error);
  }
  const panes = await indicators;
  // toggling a pane keeps the dashboard (its chart and table state): the key leaves the panes out
  const dashboardKey = `${symbol}?${viewQuery({ ...view, indicators: [] }, kind)}`;
  return (
    <>
      <h1 style={{ margin: "0 0 10px", fontSize: 20 }}>
        <span data-testid="instrument-symbol">{history?.symbol ?? symbol}</span>{" "}
        {history?.name ? <span data-testid="instrument-name">{history.name}</span> : null}{" "}
        {history ? (
          <span className="muted" style={{ fontSize: 14 }}>
            {history.market} · <T k={kind === "index" ? "kind.index" : "kind.stock"} />
          </span>
        ) : null}{" "}
        {kind === "stock" ? (
          <Link href={`/asset/${encodeURIComponent(symbol)}`} style={{ fontSize: 13 }} data-testid="company-link">
            <T k="company" />
          </Link>
        ) : null}
      </h1>
      {kind === "stock" && history ? (
        <LiveQuote kind="stock" symbol={history.symbol} unit={history.metadata.units.price} />
      ) : null}
      <Controls kind={kind} symbol={symbol} view={view} today={todayLocal()} />
      {failure ? (
        <section className="panel">
          <ErrorPanel info={failure} />
        </section>
      ) : history ? (
        <HistoryDashboard key={dashboardKey} kind={kind} history={history} view={view} indicators={panes} />
      ) : null}
    </>
  );
}
