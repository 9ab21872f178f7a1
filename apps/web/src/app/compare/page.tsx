import type { Adjust, CryptoHistory, StockHistory } from "@quantdb/sdk";
import { serverClient } from "../../lib/client.ts";
import { isCryptoSymbol, normalizeSymbol } from "../../lib/crypto.ts";
import { parseView } from "../../lib/view.ts";
import { type ErrorInfo, ErrorPanel, errorInfo } from "../../components/ErrorPanel.tsx";
import { CompareDashboard, type CompareSeries } from "../../components/CompareDashboard.tsx";

type Params = Record<string, string | string[] | undefined>;

function one(params: Params, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Compare: several stocks and crypto pairs (`binance:BTC/USDT`, daily bars of UTC days) over one
 * range, rebased to 100, with the correlation of their returns.
 */
export default async function ComparePage({ searchParams }: { searchParams: Promise<Params> }) {
  const params = await searchParams;
  const view = parseView(params);
  const symbolsText = one(params, "symbols") ?? "600519,000001";
  const symbols = [
    ...new Set(
      symbolsText
        .split(/[\s,]+/)
        .map(normalizeSymbol)
        .filter(Boolean),
    ),
  ].slice(0, 10);

  const stocks = symbols.filter((s) => !isCryptoSymbol(s));
  const pairs = symbols.filter(isCryptoSymbol);
  let results: Record<string, StockHistory> = {};
  const errors: Record<string, unknown> = {};
  const cryptoResults: Record<string, CryptoHistory> = {};
  // set inside the calls below (a plain `= null` would make TypeScript think it stays null)
  let failure = null as ErrorInfo | null;
  const client = serverClient();
  await Promise.all([
    (async () => {
      if (!stocks.length) return;
      try {
        const many = await client.getMany(stocks, {
          start: view.start,
          end: view.end,
          adjust: view.adjust as Adjust,
        });
        results = many.results;
        Object.assign(errors, many.errors);
      } catch (error) {
        failure = errorInfo(error);
      }
    })(),
    ...pairs.map(async (symbol) => {
      try {
        cryptoResults[symbol] = await client.getCryptoHistory(symbol, {
          start: view.start,
          end: view.end,
          timeframe: "1d",
        });
      } catch (error) {
        errors[symbol] = error;
      }
    }),
  ]);
  const series: CompareSeries[] = symbols.flatMap((s): CompareSeries[] => {
    const crypto = cryptoResults[s];
    if (crypto) {
      const bars = crypto.data.map((b) => ({ date: b.date, close: b.close }));
      return [{ symbol: s, name: null, crypto: true, bars }];
    }
    const stock = results[s];
    if (!stock) return [];
    const bars = stock.data.map((b) => ({ date: b.date, close: b.close }));
    return [{ symbol: stock.symbol, name: stock.name ?? null, bars }];
  });

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
          Symbols{" "}
          <input
            name="symbols"
            defaultValue={symbols.join(",")}
            placeholder="600519,000001,binance:BTC/USDT"
            data-testid="compare-symbols"
            size={40}
          />
        </label>
        <label className="row" style={{ gap: 4 }}>
          Start <input type="date" name="start" defaultValue={view.start} />
        </label>
        <label className="row" style={{ gap: 4 }}>
          End <input type="date" name="end" defaultValue={view.end} />
        </label>
        <label className="row" style={{ gap: 4 }}>
          Adjust (stocks){" "}
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
          <ErrorPanel info={failure} />
        </section>
      ) : null}
      {Object.entries(errors).map(([symbol, error]) => (
        <section className="panel" key={symbol}>
          <ErrorPanel info={errorInfo(error)} prefix={symbol} />
        </section>
      ))}
      {!failure && symbols.length === 0 ? (
        <section className="panel">
          <div className="empty" data-testid="empty">
            Enter one or more stock symbols or crypto pairs (binance:BTC/USDT), separated by commas.
          </div>
        </section>
      ) : null}
      {series.length ? (
        <CompareDashboard series={series} start={view.start} end={view.end} adjust={view.adjust} />
      ) : null}
    </>
  );
}
