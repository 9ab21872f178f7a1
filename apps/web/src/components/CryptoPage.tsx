import Link from "next/link";
import { type CryptoHistory, type CryptoTimeframe, QuantDbApiError } from "@quantdb/sdk";
import { serverClient } from "../lib/client.ts";
import { cryptoHref, cryptoSymbol, cryptoViewQuery, pairFromPath, parseCryptoView, todayUtc } from "../lib/crypto.ts";
import { T } from "../lib/i18n.tsx";
import { CryptoControls } from "./Controls.tsx";
import { CryptoDashboard } from "./CryptoDashboard.tsx";
import { LiveQuote } from "./LiveQuote.tsx";
import { SearchBox } from "./SearchBox.tsx";
import { type ErrorInfo, ErrorPanel, errorInfo } from "./ErrorPanel.tsx";

/** The pairs an INVALID_SYMBOL answer names as the closest to the one asked for (`details.closest`). */
function closestOf(error: unknown): string[] {
  if (!(error instanceof QuantDbApiError)) return [];
  const closest = (error.details as { closest?: unknown } | undefined)?.closest;
  return Array.isArray(closest) ? closest.filter((s): s is string => typeof s === "string") : [];
}

/**
 * A crypto pair's page, `/crypto/{exchange}/{BASE-QUOTE}?start&end&timeframe`: fetches the view's
 * bars server-side and renders the dashboard, or the API's error (for a pair the exchange does not
 * list, with links to the closest pairs it names).
 */
export async function CryptoPage({
  params,
  searchParams,
}: {
  params: Promise<{ exchange: string; pair: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw = await params;
  const exchange = decodeURIComponent(raw.exchange);
  const pairText = decodeURIComponent(raw.pair);
  const view = parseCryptoView(await searchParams);
  const pair = pairFromPath(exchange, pairText);
  let history: CryptoHistory | null = null;
  let failure: ErrorInfo | null = null;
  let closest: string[] = [];
  try {
    // as written in the URL (the SDK only trims and cases it): the API says what is wrong with an
    // exchange, a pair or a timeframe (sent as given, so the cast)
    history = await serverClient().getCryptoHistory(
      { exchange, pair: pairText },
      { start: view.start, end: view.end, timeframe: view.timeframe as CryptoTimeframe },
    );
  } catch (error) {
    failure = errorInfo(error);
    closest = closestOf(error);
  }
  const title = pair ? `${pair.base}/${pair.quote}` : pairText;
  return (
    <>
      <h1 style={{ margin: "0 0 10px", fontSize: 20 }}>
        <span data-testid="instrument-symbol">{history?.symbol ?? title}</span>{" "}
        <span data-testid="instrument-exchange">{history?.exchange ?? exchange}</span>{" "}
        <span className="muted" style={{ fontSize: 14 }}>
          CRYPTO · <T k="kind.crypto" />
        </span>
      </h1>
      {history ? (
        <LiveQuote kind="crypto" symbol={`${history.exchange}:${history.symbol}`} unit={history.metadata.units.price} />
      ) : null}
      {pair ? (
        <CryptoControls pair={pair} view={view} today={todayUtc()} />
      ) : (
        <div className="controls" data-testid="controls">
          {/* biome-ignore lint/a11y/useSemanticElements: a div with role=search styles like the rest of the row */}
          <div role="search">
            <SearchBox initial={`${exchange}:${pairText}`} kind="crypto" />
          </div>
        </div>
      )}
      {failure ? (
        <section className="panel">
          <ErrorPanel info={failure}>
            {pair && closest.length > 0 ? (
              <div data-testid="closest-pairs" style={{ marginTop: 6 }}>
                <T k="crypto.closest" />{" "}
                {closest.map((symbol, i) => {
                  const [base = "", quote = ""] = symbol.split("/");
                  const href = cryptoHref({ exchange: pair.exchange, base, quote }, cryptoViewQuery(view));
                  return (
                    <span key={symbol}>
                      {i > 0 ? " · " : ""}
                      <Link href={href} data-symbol={cryptoSymbol({ exchange: pair.exchange, base, quote })}>
                        {symbol}
                      </Link>
                    </span>
                  );
                })}
              </div>
            ) : null}
          </ErrorPanel>
        </section>
      ) : history ? (
        <CryptoDashboard key={`${exchange}/${pairText}?${cryptoViewQuery(view)}`} history={history} view={view} />
      ) : null}
    </>
  );
}
