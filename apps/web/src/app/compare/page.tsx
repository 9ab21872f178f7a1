import type { Adjust, QuantDbApiError, StockHistory } from "@quantdb/sdk";
import { serverClient } from "../../lib/client.ts";
import { parseView } from "../../lib/view.ts";
import { errorInfo } from "../../components/HistoryPage.tsx";
import { CompareDashboard, type CompareSeries } from "../../components/CompareDashboard.tsx";

type Params = Record<string, string | string[] | undefined>;

function one(params: Params, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

/** Compare: several stocks over one range, rebased to 100, with the correlation of their daily returns. */
export default async function ComparePage({ searchParams }: { searchParams: Promise<Params> }) {
  const params = await searchParams;
  const view = parseView(params);
  const symbolsText = one(params, "symbols") ?? "600519,000001";
  const symbols = [
    ...new Set(
      symbolsText
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ].slice(0, 10);

  let results: Record<string, StockHistory> = {};
  let errors: Record<string, QuantDbApiError> = {};
  let failure: ReturnType<typeof errorInfo> | null = null;
  if (symbols.length) {
    try {
      ({ results, errors } = await serverClient().getMany(symbols, {
        start: view.start,
        end: view.end,
        adjust: view.adjust as Adjust,
      }));
    } catch (error) {
      failure = errorInfo(error);
    }
  }
  const series: CompareSeries[] = symbols
    .filter((s) => results[s])
    .map((s) => ({
      symbol: results[s]!.symbol,
      name: results[s]!.name ?? null,
      bars: results[s]!.data.map((b) => ({ date: b.date, close: b.close })),
    }));

  return (
    <>
      <h1 style={{ fontSize: 20, margin: "0 0 12px" }}>Compare</h1>
      <form
        className="controls row"
        method="get"
        action="/compare"
        aria-label="Compare controls"
        style={{ marginBottom: 12 }}
      >
        <label className="row" style={{ gap: 4 }}>
          Symbols <input name="symbols" defaultValue={symbols.join(",")} data-testid="compare-symbols" size={30} />
        </label>
        <label className="row" style={{ gap: 4 }}>
          Start <input type="date" name="start" defaultValue={view.start} />
        </label>
        <label className="row" style={{ gap: 4 }}>
          End <input type="date" name="end" defaultValue={view.end} />
        </label>
        <label className="row" style={{ gap: 4 }}>
          Adjust{" "}
          <select name="adjust" defaultValue={view.adjust}>
            <option value="">None</option>
            <option value="qfq">qfq (forward)</option>
            <option value="hfq">hfq (backward)</option>
          </select>
        </label>
        <button type="submit">Compare</button>
      </form>
      {failure ? (
        <section className="panel">
          <div
            className="error"
            role="alert"
            data-testid="panel-error"
            data-code={failure.code}
            data-status={failure.status}
          >
            <strong>
              {failure.status ? `Error ${failure.status}` : "Error"} ({failure.code}):
            </strong>{" "}
            {failure.message}
          </div>
        </section>
      ) : null}
      {Object.entries(errors).map(([symbol, error]) => {
        const info = errorInfo(error);
        return (
          <section className="panel" key={symbol}>
            <div
              className="error"
              role="alert"
              data-testid="panel-error"
              data-code={info.code}
              data-status={info.status}
            >
              <strong>
                {symbol}: {info.status ? `Error ${info.status}` : "Error"} ({info.code}):
              </strong>{" "}
              {info.message}
            </div>
          </section>
        );
      })}
      {!failure && symbols.length === 0 ? (
        <section className="panel">
          <div className="empty" data-testid="empty">
            Enter one or more stock symbols, separated by commas.
          </div>
        </section>
      ) : null}
      {series.length ? (
        <CompareDashboard series={series} start={view.start} end={view.end} adjust={view.adjust} />
      ) : null}
    </>
  );
}
