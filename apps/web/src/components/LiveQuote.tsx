"use client";

import type { CryptoQuoteAnswer, CryptoSymbol, QuoteAnswer } from "@quantdb/sdk";
import { useCallback, useEffect, useMemo, useState } from "react";
import { browserClient } from "../lib/browser-client.ts";
import { tickerDigits } from "../lib/crypto.ts";
import { useT } from "../lib/i18n.tsx";
import {
  exchangeTime,
  type LiveIndicator,
  liveIndicator,
  liveQuoteOf,
  type LiveQuote as LiveQuoteData,
  marketOfSymbol,
  type StreamMarket,
} from "../lib/live-quotes.ts";
import { useLiveQuotes } from "../lib/use-live-quotes.ts";
import { signClass } from "./SeriesDashboard.tsx";

/** How often quotes are polled while the stream is unavailable, ms. */
const POLL_MS = 15_000;

/** A market's live state as a badge: Live, Closed · opens …, Degraded, Polling or Connecting. */
export function LiveBadge({ indicator, market }: { indicator: LiveIndicator; market?: StreamMarket }) {
  const t = useT();
  const text =
    indicator.kind === "live"
      ? t("live.live")
      : indicator.kind === "closed"
        ? indicator.nextOpen
          ? t(indicator.state === "break" ? "live.break" : "live.closed", { time: exchangeTime(indicator.nextOpen) })
          : t("live.closedNoOpen")
        : indicator.kind === "degraded"
          ? t("live.degraded")
          : indicator.kind === "polling"
            ? t("live.polling")
            : t("live.connecting");
  return (
    <span
      className={`live-badge live-${indicator.kind}`}
      data-testid="live-indicator"
      data-state={indicator.kind}
      data-market={market}
      title={indicator.kind === "degraded" && indicator.reason ? indicator.reason : undefined}
    >
      {market ? `${market} · ` : ""}
      {text}
    </span>
  );
}

/** A polled quote in the stream's shape (the same fields and units; `quote_time` is the stream's `time`). */
const asLive = (
  {
    price,
    change,
    pct_change,
    open,
    high,
    low,
    prev_close,
    volume,
    amount,
    quote_time,
    market,
  }: QuoteAnswer | CryptoQuoteAnswer,
  symbol: string,
  name: string | null,
): LiveQuoteData => ({
  symbol,
  market,
  name,
  price,
  change,
  pct_change,
  open,
  high,
  low,
  prev_close,
  volume,
  amount,
  time: quote_time,
});

const stockQuote = (q: QuoteAnswer): LiveQuoteData => asLive(q, q.symbol, q.name);

const cryptoQuote = (q: CryptoQuoteAnswer): LiveQuoteData => asLive(q, `${q.exchange}:${q.symbol}`, q.symbol);

const fixed = (v: number | null, digits: number) =>
  v == null ? "—" : v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/**
 * A stock's or a crypto pair's quote under its page's title, live from the API's stream; polled from the
 * realtime endpoint once at first and every {@link POLL_MS} while the stream is unavailable.
 * @param symbol the API's canonical name: `600519`, `00700` or `binance:BTC/USDT`
 * @param unit what prices are in: the trading currency, or the pair's quote currency
 */
export function LiveQuote({ kind, symbol, unit }: { kind: "stock" | "crypto"; symbol: string; unit: string }) {
  const symbols = useMemo(() => [symbol], [symbol]);
  const live = useLiveQuotes(symbols);
  const polling = live.mode === "polling";
  const [polled, setPolled] = useState<LiveQuoteData | null>(null);

  const load = useCallback(
    async (signal: AbortSignal) => {
      try {
        const client = browserClient();
        const quote =
          kind === "stock"
            ? stockQuote(await client.getQuote(symbol, { signal }))
            : cryptoQuote(await client.getCryptoQuote(symbol as CryptoSymbol, { signal }));
        if (!signal.aborted) setPolled(quote);
      } catch {
        // no quote to show (yet): the header shows what it has
      }
    },
    [kind, symbol],
  );
  // Once at first: the stream sends no quote of a market that is closed and was never polled.
  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);
  // Then only while the stream is unavailable.
  useEffect(() => {
    if (!polling) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await load(controller.signal);
      if (!controller.signal.aborted) timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [load, polling]);

  const quote = liveQuoteOf(live, symbol) ?? polled;
  const digits = kind === "crypto" ? tickerDigits(quote?.price ?? null) : 2;
  const market = marketOfSymbol(symbol);
  return (
    <div className="live-quote row" data-testid="live-quote" data-symbol={symbol}>
      <span className="live-price">
        <span data-testid="live-price">{fixed(quote?.price ?? null, digits)}</span> {unit}
      </span>
      <span className={signClass(quote?.change)} data-testid="live-change">
        {fixed(quote?.change ?? null, digits)} ({quote?.pct_change == null ? "—" : `${fixed(quote.pct_change, 2)}%`})
      </span>
      {quote?.time ? (
        <span className="muted" data-testid="live-time">
          {quote.time}
        </span>
      ) : null}
      <LiveBadge indicator={liveIndicator(live, market)} />
    </div>
  );
}
