"use client";

import { QuantDbApiError, type QuoteBatch } from "@quantdb/sdk";
import Link from "next/link";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { browserClient } from "../lib/browser-client.ts";
import { useT } from "../lib/i18n.tsx";

function errorInfo(error: unknown): { message: string; code: string; status: number } {
  if (error instanceof QuantDbApiError) return { message: error.message, code: error.code, status: error.status };
  return { message: error instanceof Error ? error.message : String(error), code: "ERROR", status: 0 };
}

const STORAGE_KEY = "quantdb.watchlist";
const DEFAULT_SYMBOLS = ["600519", "000001"];
const REFRESH_MS = 15_000;

type Entry = QuoteBatch["data"][number];

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
  const [entries, setEntries] = useState<{ symbols: string[]; data: Entry[] } | null>(null);
  const [failure, setFailure] = useState<ReturnType<typeof errorInfo> | null>(null);
  const [loading, setLoading] = useState(false);
  const [draft, setDraft] = useState("");

  useEffect(() => setSymbols(load()), []);

  const save = (next: string[]) => {
    setSymbols(next);
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  };

  const refresh = useCallback(async (list: string[], signal?: AbortSignal) => {
    if (list.length === 0) {
      setEntries({ symbols: list, data: [] });
      return [] as Entry[];
    }
    setLoading(true);
    try {
      const batch = await browserClient().getQuotes(list, { signal });
      setEntries({ symbols: list, data: batch.data });
      setFailure(null);
      return batch.data;
    } catch (error) {
      if (signal?.aborted) return null;
      setFailure(errorInfo(error));
      return null;
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    if (!symbols) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const data = await refresh(symbols, controller.signal);
      if (controller.signal.aborted) return;
      if (data?.some((e) => e.quote?.market_open === true)) timer = setTimeout(() => void tick(), REFRESH_MS);
    };
    void tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [symbols, refresh]);

  const add = (event: FormEvent) => {
    event.preventDefault();
    const symbol = draft.trim();
    if (!symbol || !symbols || symbols.includes(symbol)) return;
    save([...symbols, symbol]);
    setDraft("");
  };

  const open = entries?.data.some((e) => e.quote?.market_open === true) ?? false;

  return (
    <section className="panel" aria-label="Watchlist">
      <form className="controls row" onSubmit={add} style={{ marginBottom: 8 }}>
        <input
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="Symbol, e.g. 600519 or 00700"
          data-testid="watchlist-input"
        />
        <button type="submit" data-testid="watchlist-add">
          {t("watchlist.add")}
        </button>
        <span className="muted">{open ? t("watchlist.open") : t("watchlist.closed")}</span>
      </form>
      {failure ? (
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
      ) : null}
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
                <th>{t("col.volume")} (shares)</th>
                <th>{t("col.quoteTime")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {symbols.map((symbol) => {
                const at = entries ? entries.symbols.indexOf(symbol) : -1;
                const entry = at >= 0 ? entries!.data[at] : undefined;
                const q = entry?.quote;
                return (
                  <tr key={symbol} data-symbol={symbol}>
                    <td>
                      <Link href={`/stock/${encodeURIComponent(symbol)}`}>{symbol}</Link>
                    </td>
                    <td>{q?.name ?? "—"}</td>
                    {q ? (
                      <>
                        <td style={{ textAlign: "right" }}>
                          {num(q.price)} {q.currency}
                        </td>
                        <td style={{ textAlign: "right" }}>{num(q.change)}</td>
                        <td style={{ textAlign: "right" }}>{q.pct_change == null ? "—" : `${num(q.pct_change)}%`}</td>
                        <td style={{ textAlign: "right" }}>{num(q.volume, 0)}</td>
                        <td>{q.quote_time ?? q.fetched_at}</td>
                      </>
                    ) : (
                      <td colSpan={5} className="muted">
                        {entry?.error ? `${entry.error.code}: ${entry.error.message}` : loading ? t("loading") : "—"}
                      </td>
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
