"use client";

import type { CryptoQuoteBatch, QuoteBatch } from "@quantdb/sdk";
import Link from "next/link";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { browserClient } from "../lib/browser-client.ts";
import { cryptoHref, isCryptoSymbol, normalizeSymbol, parseCryptoSymbol, tickerDigits } from "../lib/crypto.ts";
import { useT } from "../lib/i18n.tsx";
import { liveIndicator, liveQuoteOf, type LiveState, type StreamMarket, withLive } from "../lib/live-quotes.ts";
import { useLiveQuotes } from "../lib/use-live-quotes.ts";
import { type ErrorInfo, ErrorPanel, errorInfo } from "./ErrorPanel.tsx";
import { LiveBadge } from "./LiveQuote.tsx";

const STORAGE_KEY = "quantdb.watchlist";
const DEFAULT_SYMBOLS = ["600519", "000001"];
const REFRESH_MS = 15_000;
const NO_SYMBOLS: readonly string[] = [];
/** The order of the markets' badges. */
const MARKETS: readonly StreamMarket[] = ["CN", "HK", "CRYPTO"];

/**
 * A row's quote: a stock's from `POST /api/v1/realtime/batch` (SDK getQuotes), or a crypto pair's
 * 24 h ticker from `POST /api/v1/realtime/crypto/batch` (SDK getCryptoQuotes); each with its own
 * error when it has none.
 */
type Entry = ({ kind: "stock" } & QuoteBatch["data"][number]) | ({ kind: "crypto" } & CryptoQuoteBatch["data"][number]);

/**
 * Quotes of every symbol through the SDK: stocks from the stock batch, crypto pairs
 * (`binance:BTC/USDT`) from the crypto batch, both at once. A failed call leaves its rows without a
 * quote and reports its error.
 */
async function fetchQuotes(
  symbols: readonly string[],
  signal: AbortSignal | undefined,
): Promise<{ entries: Map<string, Entry>; failures: ErrorInfo[] }> {
  const client = browserClient();
  const crypto = symbols.filter(isCryptoSymbol);
  const stocks = symbols.filter((s) => !isCryptoSymbol(s));
  const [stockAnswer, cryptoAnswer] = await Promise.allSettled([
    stocks.length ? client.getQuotes(stocks, { signal }) : null,
    crypto.length ? client.getCryptoQuotes(crypto, { signal }) : null,
  ]);
  const entries = new Map<string, Entry>();
  const failures: ErrorInfo[] = [];
  if (stockAnswer.status === "fulfilled")
    stockAnswer.value?.data.forEach((entry, i) => {
      entries.set(stocks[i]!, { kind: "stock", ...entry });
    });
  else failures.push(errorInfo(stockAnswer.reason));
  if (cryptoAnswer.status === "fulfilled")
    cryptoAnswer.value?.data.forEach((entry, i) => {
      entries.set(crypto[i]!, { kind: "crypto", ...entry });
    });
  else failures.push(errorInfo(cryptoAnswer.reason));
  return { entries, failures };
}

/**
 * A row's polled entry with the stream's latest quote over its figures (the stream names a stock by
 * its canonical code, as the polled quote does, and a pair `exchange:BASE/QUOTE`).
 */
function withLiveQuote(entry: Entry | undefined, live: LiveState): Entry | undefined {
  if (!entry?.quote) return entry;
  if (entry.kind === "stock") return { ...entry, quote: withLive(entry.quote, liveQuoteOf(live, entry.quote.symbol)) };
  const key = `${entry.quote.exchange}:${entry.quote.symbol}`;
  return { ...entry, quote: withLive(entry.quote, liveQuoteOf(live, key)) };
}

function load(): string[] {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (raw == null) return DEFAULT_SYMBOLS;
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((s): s is string => typeof s === "string") : DEFAULT_SYMBOLS;
  } catch {
    return DEFAULT_SYMBOLS;
  }
}

const num = (v: number | null | undefined, digits = 2) =>
  v == null ? "—" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function Watchlist() {
  const t = useT();
  const [symbols, setSymbols] = useState<string[] | null>(null);
  const [entries, setEntries] = useState<Map<string, Entry> | null>(null);
  const [failures, setFailures] = useState<ErrorInfo[]>([]);
  const [loading, setLoading] = useState(false);
  const [draft, setDraft] = useState("");

  useEffect(() => setSymbols(load()), []);

  const save = (next: string[]) => {
    setSymbols(next);
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  };

  /** Fetch the quotes; the entries, or null when aborted. */
  const refresh = useCallback(async (list: string[], signal?: AbortSignal) => {
    if (list.length === 0) {
      setEntries(new Map());
      return new Map<string, Entry>();
    }
    setLoading(true);
    try {
      const answer = await fetchQuotes(list, signal);
      if (signal?.aborted) return null;
      setEntries(answer.entries);
      setFailures(answer.failures);
      return answer.entries;
    } finally {
      setLoading(false);
    }
  }, []);

  const hasCrypto = symbols?.some(isCryptoSymbol) ?? false;
  const live = useLiveQuotes(symbols ?? NO_SYMBOLS);
  const polling = live.mode === "polling";
  // Quotes once when the list changes (names, currencies, and a quote for markets the stream has none of).
  useEffect(() => {
    if (!symbols) return;
    const controller = new AbortController();
    void refresh(symbols, controller.signal);
    return () => controller.abort();
  }, [symbols, refresh]);
  // Polled again only while the stream is unavailable, as long as a market of the list trades.
  useEffect(() => {
    if (!symbols || !polling) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const data = await refresh(symbols, controller.signal);
      if (controller.signal.aborted || !data) return;
      // refresh while a stock market is open, and always with crypto pairs (they trade around the clock)
      const trading = [...data.values()].some((e) => e.kind === "crypto" || e.quote?.market_open === true);
      if (trading) timer = setTimeout(() => void tick(), REFRESH_MS);
    };
    void tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [symbols, refresh, polling]);

  const add = (event: FormEvent) => {
    event.preventDefault();
    const symbol = normalizeSymbol(draft); // binance:btc-usdt → binance:BTC/USDT
    if (!symbol || !symbols || symbols.includes(symbol)) return;
    save([...symbols, symbol]);
    setDraft("");
  };

  const open = entries ? [...entries.values()].some((e) => e.kind === "stock" && e.quote?.market_open === true) : false;
  const markets = MARKETS.filter((market) => live.markets[market]);

  return (
    <section className="panel" aria-label="Watchlist">
      <form className="controls row" onSubmit={add} style={{ marginBottom: 8 }}>
        <input
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder={t("watchlist.placeholder")}
          size={34}
          data-testid="watchlist-input"
        />
        <button type="submit" data-testid="watchlist-add">
          {t("watchlist.add")}
        </button>
        <span className="live-badges" data-testid="watchlist-live">
          {polling ? (
            <>
              <LiveBadge indicator={{ kind: "polling" }} />{" "}
              <span className="muted" data-testid="watchlist-refresh">
                {hasCrypto ? t("watchlist.crypto") : open ? t("watchlist.open") : t("watchlist.closed")}
              </span>
            </>
          ) : markets.length === 0 ? (
            <LiveBadge indicator={{ kind: "connecting" }} />
          ) : (
            markets.map((market) => <LiveBadge key={market} market={market} indicator={liveIndicator(live, market)} />)
          )}
        </span>
      </form>
      {failures.map((failure) => (
        <ErrorPanel key={`${failure.code}|${failure.message}`} info={failure} />
      ))}
      {symbols === null || (entries === null && loading) ? (
        <div className="loading">{t("watchlist.loading")}</div>
      ) : symbols.length === 0 ? (
        <div className="empty" data-testid="empty">
          {t("watchlist.empty")}
        </div>
      ) : (
        <div className="scroll">
          <table data-testid="watchlist">
            <thead>
              <tr>
                <th>{t("col.symbol")}</th>
                <th>{t("col.name")}</th>
                <th>{t("col.price")}</th>
                <th>{t("col.change")}</th>
                <th>{t("col.changePct")}</th>
                <th>{t("col.volume")}</th>
                <th>{t("col.quoteTime")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {symbols.map((symbol) => {
                const entry = withLiveQuote(entries?.get(symbol), live);
                const pair = parseCryptoSymbol(symbol);
                const href = pair ? cryptoHref(pair) : `/stock/${encodeURIComponent(symbol)}`;
                const error = entry?.error ? `${entry.error.code}: ${entry.error.message}` : null;
                return (
                  <tr key={symbol} data-symbol={symbol} data-kind={pair ? "crypto" : "stock"}>
                    <td>
                      <Link href={href}>{symbol}</Link>
                    </td>
                    {entry?.kind === "crypto" && entry.quote && pair ? (
                      <>
                        <td>
                          {pair.base}/{pair.quote} · {entry.quote.exchange}
                        </td>
                        <td style={{ textAlign: "right" }} data-testid="watchlist-price">
                          {num(entry.quote.price, tickerDigits(entry.quote.price))} {pair.quote}
                        </td>
                        <td style={{ textAlign: "right" }}>
                          {num(entry.quote.change, tickerDigits(entry.quote.price))}
                        </td>
                        <td style={{ textAlign: "right" }}>
                          {entry.quote.pct_change == null ? "—" : `${num(entry.quote.pct_change)}%`}
                        </td>
                        <td style={{ textAlign: "right" }}>
                          {num(entry.quote.volume, 2)} {pair.base}
                        </td>
                        <td>{entry.quote.quote_time}</td>
                      </>
                    ) : entry?.kind === "stock" && entry.quote ? (
                      <>
                        <td>{entry.quote.name ?? "—"}</td>
                        <td style={{ textAlign: "right" }} data-testid="watchlist-price">
                          {num(entry.quote.price)} {entry.quote.currency}
                        </td>
                        <td style={{ textAlign: "right" }}>{num(entry.quote.change)}</td>
                        <td style={{ textAlign: "right" }}>
                          {entry.quote.pct_change == null ? "—" : `${num(entry.quote.pct_change)}%`}
                        </td>
                        <td style={{ textAlign: "right" }}>
                          {num(entry.quote.volume, 0)} {t("unit.shares")}
                        </td>
                        <td>{entry.quote.quote_time ?? entry.quote.fetched_at}</td>
                      </>
                    ) : (
                      <>
                        <td>{pair ? `${pair.base}/${pair.quote} · ${pair.exchange}` : "—"}</td>
                        <td colSpan={5} className="muted" data-testid="watchlist-row-error">
                          {error ?? (loading ? t("loading") : "—")}
                        </td>
                      </>
                    )}
                    <td>
                      <button
                        type="button"
                        onClick={() => save(symbols.filter((s) => s !== symbol))}
                        aria-label={`Remove ${symbol}`}
                      >
                        {t("watchlist.remove")}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
