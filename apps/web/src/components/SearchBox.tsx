"use client";

import { QuantDbApiError, type AssetSearch, type AssetSearchHit, type ListMarket } from "@quantdb/sdk";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, useTransition, type KeyboardEvent } from "react";
import { browserClient } from "../lib/browser-client.ts";
import { useT } from "../lib/i18n.tsx";

const DEBOUNCE_MS = 150;
const LIMIT = 10;

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
 * plus every instrument the server holds), from `GET /api/v1/assets/search` through the SDK.
 * An ARIA 1.2 combobox: ArrowDown/ArrowUp move through the options, Enter opens the highlighted one
 * (or the typed symbol when none is highlighted), Escape closes the list (a second Escape clears the text).
 */
export function SearchBox({
  initial,
  kind,
  viewQuery,
}: {
  initial: string;
  kind: "stock" | "index";
  viewQuery?: (kind: "stock" | "index") => string;
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
  useEffect(() => {
    if (!open || q === "" || q.length > 50) {
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
  }, [q, open, reload]);

  const hits = state.status === "done" ? state.result.results : [];
  const missing =
    state.status === "done" ? state.result.lists.filter((l) => l.snapshot_date === null).map((l) => l.market) : [];

  const go = (hit: AssetSearchHit | null) => {
    setOpen(false);
    if (hit) {
      setText(hit.symbol);
      startTransition(() => router.push(hitHref(hit, viewQuery?.(hit.kind))));
    } else if (q) {
      startTransition(() => router.push(hitHref({ kind, symbol: q }, viewQuery?.(kind))));
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
          {hits.map((hit, i) => (
            // biome-ignore lint/a11y/useFocusableInteractive: an option of the combobox; the input keeps focus
            // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox's input handles the keys
            <li
              key={`${hit.kind}|${hit.market}|${hit.symbol}`}
              id={`${listId}-${i}`}
              // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: an option of the combobox
              role="option"
              aria-selected={i === active}
              data-symbol={hit.symbol}
              data-kind={hit.kind}
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => go(hit)}
            >
              <span className="code">{hit.symbol}</span>
              <span className="name">{hit.name ?? "—"}</span>
              <span className="muted tag">{hit.kind === "index" ? t("search.index") : hit.market}</span>
            </li>
          ))}
        </ul>
        <div className="search-status" aria-live="polite">
          {state.status === "loading" ? <span className="loading">{t("search.searching")}</span> : null}
          {state.status === "error" ? (
            <span className="error" data-testid="search-error">
              {state.message}
            </span>
          ) : null}
          {state.status === "done" && hits.length === 0 ? (
            <span className="muted" data-testid="search-empty">
              {t("search.none", { q: state.q })}
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
