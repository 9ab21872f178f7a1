"use client";

import { QuantDbApiError, type AssetSearch, type AssetSearchHit, type ListMarket } from "@quantdb/sdk";
import { useRouter } from "next/navigation";
import {
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  useTransition,
  type KeyboardEvent,
} from "react";
import { browserClient } from "../lib/browser-client.ts";
import {
  cryptoHref,
  cryptoSymbol,
  looksLikePairOnly,
  matchPairs,
  type PairHit,
  parseCryptoSymbol,
  parsePairQuery,
} from "../lib/crypto.ts";
import {
  defaultExchange,
  loadExchange,
  loadServedExchanges,
  marketsSnapshot,
  serverMarketsSnapshot,
  subscribeMarkets,
} from "../lib/crypto-markets.ts";
import { useT } from "../lib/i18n.tsx";

const DEBOUNCE_MS = 150;
const LIMIT = 10;
const PAIR_LIMIT = 8;

/** What a search box leads to: a stock, an index or a crypto pair page. */
export type Target = "stock" | "index" | "crypto";

/** An option of the list: an instrument from the API's search, or a pair from an exchange's market list. */
type Option = { kind: "stock" | "index"; hit: AssetSearchHit } | { kind: "crypto"; hit: PairHit };

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
/** A pair's 24 h quote volume, as the option shows it: `326.8M USDT`. */
const volumeOf = (hit: PairHit) => ({ value: `${compact.format(hit.quoteVolume24h ?? 0)} ${hit.quote}` });

type State =
  | { status: "idle" }
  | { status: "loading"; q: string }
  | { status: "done"; q: string; result: AssetSearch }
  | { status: "error"; q: string; message: string };

/** Where a hit leads: the stock or index page, keeping the chart view (`?start&end…`) when given. */
function hitHref(hit: Pick<AssetSearchHit, "kind" | "symbol">, query?: string): string {
  return `/${hit.kind}/${encodeURIComponent(hit.symbol)}${query ? `?${query}` : ""}`;
}

/**
 * Search box with autocompletion of codes and names (A-shares and HK from the stored stock lists,
 * plus every instrument the server holds), from `GET /api/v1/assets/search` through the SDK, and of
 * crypto pairs (`btc`, `BTC/USDT`, `binance:BTC/USDT`) from the exchanges' market lists (loaded once
 * and kept in the browser, see lib/crypto-markets.ts).
 * An ARIA 1.2 combobox: ArrowDown/ArrowUp move through the options, Enter opens the highlighted one
 * (or the typed symbol when none is highlighted), Escape closes the list (a second Escape clears the text).
 */
export function SearchBox({
  initial,
  kind,
  viewQuery,
}: {
  initial: string;
  kind: Target;
  viewQuery?: (kind: Target) => string;
}) {
  const t = useT();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [text, setText] = useState(initial);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [state, setState] = useState<State>({ status: "idle" });
  const [reload, setReload] = useState(0);
  const [loadingList, setLoadingList] = useState<ListMarket | null>(null);
  const listId = useId();
  const inputRef = useRef<HTMLInputElement>(null);

  const q = text.trim();
  const pairQuery = useMemo(() => parsePairQuery(q), [q]);
  // `BTC/USDT`, `binance:btc`: no stock is written so, the API's instrument search is not asked
  const pairOnly = looksLikePairOnly(q);
  const markets = useSyncExternalStore(subscribeMarkets, marketsSnapshot, serverMarketsSnapshot);
  const pairExchange = pairQuery?.exchange ?? null;
  const exchangeNotServed =
    pairExchange !== null && markets.served !== null && !markets.served.includes(pairExchange) ? pairExchange : null;
  // whether the market lists were asked for (the list says "no pair matches" only after that)
  const [pairsAsked, setPairsAsked] = useState(false);
  useEffect(() => {
    if (!open || !pairQuery) return;
    setPairsAsked(true);
    if (pairExchange === null) void loadServedExchanges();
    else if (!exchangeNotServed) void loadExchange(pairExchange);
  }, [open, pairQuery, pairExchange, exchangeNotServed]);
  const pairHits = useMemo(
    () => (pairQuery ? matchPairs(markets.lists, pairQuery, PAIR_LIMIT) : []),
    [markets.lists, pairQuery],
  );
  const pairsLoading = pairQuery !== null && !exchangeNotServed && markets.loading.length > 0;
  // Failures worth showing: of the exchange typed; else, when no list loaded, of the exchanges served
  // (an exchange the API does not serve is how the search learns which ones it does: not shown)
  const pairErrors =
    pairQuery === null
      ? []
      : pairExchange !== null
        ? markets.errors[pairExchange] && !exchangeNotServed
          ? [`${pairExchange}: ${markets.errors[pairExchange]}`]
          : []
        : markets.lists.length === 0 && !pairsLoading
          ? Object.entries(markets.errors)
              .filter(([e]) => !markets.served?.length || markets.served.includes(e))
              .map(([e, message]) => `${e}: ${message}`)
          : [];

  useEffect(() => {
    if (!open || q === "" || q.length > 50 || pairOnly) {
      setState({ status: "idle" });
      return;
    }
    const controller = new AbortController();
    setState({ status: "loading", q });
    const timer = setTimeout(() => {
      browserClient()
        .searchAssets(q, { limit: LIMIT, signal: controller.signal })
        .then((result) => {
          setState({ status: "done", q, result });
          setActive(-1);
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          setState({
            status: "error",
            q,
            message: error instanceof QuantDbApiError ? `${error.message} (${error.code})` : String(error),
          });
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [q, open, reload, pairOnly]);

  const stockHits = state.status === "done" ? state.result.results : [];
  const hits: Option[] = [
    ...stockHits.map((hit): Option => ({ kind: hit.kind === "index" ? "index" : "stock", hit })),
    ...pairHits.map((hit): Option => ({ kind: "crypto", hit })),
  ];
  const missing =
    state.status === "done" ? state.result.lists.filter((l) => l.snapshot_date === null).map((l) => l.market) : [];

  const go = (option: Option | null) => {
    setOpen(false);
    if (option?.kind === "crypto") {
      setText(cryptoSymbol(option.hit));
      startTransition(() => router.push(cryptoHref(option.hit, viewQuery?.("crypto"))));
    } else if (option) {
      setText(option.hit.symbol);
      startTransition(() => router.push(hitHref(option.hit, viewQuery?.(option.hit.kind))));
    } else if (q) {
      // typed: `binance:BTC/USDT` is that pair; `BTC/USDT` the pair on the first exchange served
      const typed =
        parseCryptoSymbol(q) ??
        (pairQuery?.quote
          ? { exchange: pairQuery.exchange ?? defaultExchange(), base: pairQuery.base, quote: pairQuery.quote }
          : null);
      if (typed) {
        startTransition(() => router.push(cryptoHref(typed, viewQuery?.("crypto"))));
      } else {
        const target = kind === "crypto" ? "stock" : kind;
        startTransition(() => router.push(hitHref({ kind: target, symbol: q }, viewQuery?.(target))));
      }
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!open) setOpen(true);
        else if (hits.length) setActive((i) => (i + 1) % hits.length);
        break;
      case "ArrowUp":
        event.preventDefault();
        if (hits.length) setActive((i) => (i <= 0 ? hits.length - 1 : i - 1));
        break;
      case "Enter":
        event.preventDefault();
        go(open && active >= 0 ? (hits[active] ?? null) : null);
        break;
      case "Escape":
        event.preventDefault();
        if (open) setOpen(false);
        else setText("");
        setActive(-1);
        break;
      default:
        break;
    }
  };

  const loadList = async (market: ListMarket) => {
    setLoadingList(market);
    try {
      await browserClient().getStockList(market, { limit: 1 });
    } catch {
      // the next search still reports the list missing; its error shows there
    } finally {
      setLoadingList(null);
      setReload((n) => n + 1);
      inputRef.current?.focus();
    }
  };

  const expanded = open && q !== "";
  return (
    <div className="search" data-testid="search">
      <input
        ref={inputRef}
        type="text"
        name="symbol"
        role="combobox"
        aria-label={t("search.label")}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
        placeholder={t("search.placeholder")}
        autoComplete="off"
        spellCheck={false}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={onKeyDown}
        data-testid="search-input"
      />
      <button type="button" onClick={() => go(null)} disabled={!q}>
        {t("search.go")}
      </button>
      {pending ? (
        <span className="loading" role="status">
          {t("loading")}
        </span>
      ) : null}
      <div className="search-popup" hidden={!expanded}>
        {/* The ARIA combobox pattern: the input keeps focus and the keyboard (aria-activedescendant). */}
        {/* biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: listbox of the combobox pattern */}
        <ul id={listId} role="listbox" aria-label={t("search.results")} data-testid="search-results">
          {hits.map((option, i) => (
            // biome-ignore lint/a11y/useFocusableInteractive: an option of the combobox; the input keeps focus
            // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox's input handles the keys
            <li
              key={
                option.kind === "crypto"
                  ? `crypto|${cryptoSymbol(option.hit)}`
                  : `${option.hit.kind}|${option.hit.market}|${option.hit.symbol}`
              }
              id={`${listId}-${i}`}
              // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: an option of the combobox
              role="option"
              aria-selected={i === active}
              data-symbol={option.kind === "crypto" ? cryptoSymbol(option.hit) : option.hit.symbol}
              data-kind={option.kind === "crypto" ? "crypto" : option.hit.kind}
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => go(option)}
            >
              {option.kind === "crypto" ? (
                <>
                  <span className="code">{option.hit.symbol}</span>
                  <span className="name">
                    {option.hit.exchange}
                    {option.hit.quoteVolume24h == null ? "" : ` · ${t("search.volume24h", volumeOf(option.hit))}`}
                    {option.hit.active ? "" : ` · ${t("search.inactive")}`}
                  </span>
                  <span className="muted tag">{t("search.crypto")}</span>
                </>
              ) : (
                <>
                  <span className="code">{option.hit.symbol}</span>
                  <span className="name">{option.hit.name ?? "—"}</span>
                  <span className="muted tag">
                    {option.hit.kind === "index" ? t("search.index") : option.hit.market}
                  </span>
                </>
              )}
            </li>
          ))}
        </ul>
        <div className="search-status" aria-live="polite">
          {state.status === "loading" ? <span className="loading">{t("search.searching")}</span> : null}
          {pairsLoading ? (
            <span className="loading" data-testid="search-pairs-loading">
              {t("search.loadingPairs", { exchanges: markets.loading.join(", ") })}
            </span>
          ) : null}
          {state.status === "error" ? (
            <span className="error" data-testid="search-error">
              {state.message}
            </span>
          ) : null}
          {exchangeNotServed ? (
            <span className="error" data-testid="search-error">
              {t("search.exchangeNotServed", {
                exchange: exchangeNotServed,
                served: markets.served?.join(", ") || "—",
              })}
            </span>
          ) : null}
          {pairErrors.map((message) => (
            <span key={message} className="error" data-testid="search-error">
              {message}
            </span>
          ))}
          {(state.status === "done" || (pairOnly && pairsAsked)) && hits.length === 0 && !pairsLoading ? (
            <span className="muted" data-testid="search-empty">
              {t(pairQuery ? "search.noneAny" : "search.none", { q })}
            </span>
          ) : null}
          {missing.length > 0 ? (
            <span className="muted" data-testid="search-missing-lists">
              {t("search.missing")}{" "}
              {missing.map((market) => (
                <button
                  key={market}
                  type="button"
                  className="link"
                  disabled={loadingList !== null}
                  onMouseDown={(e) => e.preventDefault()}
                  onClick={() => void loadList(market)}
                  data-market={market}
                >
                  {loadingList === market ? t("search.loadingList", { market }) : t("search.loadList", { market })}
                </button>
              ))}
            </span>
          ) : null}
        </div>
      </div>
    </div>
  );
}
