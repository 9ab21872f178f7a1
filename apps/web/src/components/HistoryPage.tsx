import Link from "next/link";
import type { Adjust, Period, StockHistory } from "@quantdb/sdk";
import { serverClient } from "../lib/client.ts";
import { todayLocal } from "../lib/dates.ts";
import { parseView, viewQuery, type Kind } from "../lib/view.ts";
import { Controls } from "./Controls.tsx";
import { ErrorPanel, errorInfo } from "./ErrorPanel.tsx";
import { HistoryDashboard } from "./HistoryDashboard.tsx";
import { T } from "../lib/i18n.tsx";

export interface HistoryPageProps {
  kind: Kind;
  params: Promise<{ symbol: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

/** The stock and index pages: fetches the view's bars server-side through the SDK and renders the dashboard. */
export async function HistoryPage({ kind, params, searchParams }: HistoryPageProps) {
  const symbol = decodeURIComponent((await params).symbol);
  const view = parseView(await searchParams);
  const client = serverClient();
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
      <Controls kind={kind} symbol={symbol} view={view} today={todayLocal()} />
      {failure ? (
        <section className="panel">
          <ErrorPanel info={failure} />
        </section>
      ) : history ? (
        <HistoryDashboard key={`${symbol}?${viewQuery(view, kind)}`} kind={kind} history={history} view={view} />
      ) : null}
    </>
  );
}
