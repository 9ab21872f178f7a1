"use client";

import type { CacheCoverage, CacheStats } from "@quantdb/sdk";
import { QuantDbApiError } from "@quantdb/sdk";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { API_KEY_EVENT, CREATE_ADMIN_KEY_COMMAND, isAuthError } from "../lib/api-key.ts";
import { browserClient } from "../lib/browser-client.ts";
import { useT } from "../lib/i18n.tsx";
import { ActivityCharts } from "./ActivityCharts.tsx";
import { JobRuns } from "./JobRuns.tsx";

function message(error: unknown): string {
  return error instanceof QuantDbApiError
    ? `${error.message} (${error.code}${error.status ? ` ${error.status}` : ""})`
    : String(error);
}

const ADJUST_LABEL: Record<string, string> = {
  "": "unadjusted",
  qfq: "forward-adjusted (qfq)",
  hfq: "backward-adjusted (hfq)",
};

function Timeline({ spans }: { spans: CacheCoverage["spans"] }) {
  if (!spans.length) return null;
  const t = (d: string) => Date.parse(`${d}T00:00:00Z`);
  const min = Math.min(...spans.map((s) => t(s.start_date)));
  const max = Math.max(...spans.map((s) => t(s.end_date))) + 86_400_000;
  const pct = (v: number) => ((v - min) / (max - min)) * 100;
  return (
    <div className="timeline" aria-hidden>
      {spans.map((s) => (
        <span
          key={`${s.start_date}${s.end_date}`}
          className={s.bars === 0 ? "empty-span" : ""}
          style={{
            left: `${pct(t(s.start_date))}%`,
            width: `${Math.max(0.4, pct(t(s.end_date) + 86_400_000) - pct(t(s.start_date)))}%`,
          }}
        />
      ))}
    </div>
  );
}

/** Shown when the API refused an admin action (401: no or unknown key; 403: a read-scope key). */
function AdminKeyNeeded({ action, status, message: apiMessage }: { action: string; status: number; message: string }) {
  const t = useT();
  const [before, after] = t("admin.keyNeeded").split("{command}");
  return (
    <div
      className="error admin-key-needed"
      role="alert"
      data-testid="admin-key-needed"
      data-action={action}
      data-status={status}
    >
      <p style={{ margin: 0 }}>
        {before}
        <code>{CREATE_ADMIN_KEY_COMMAND}</code>
        {after}
      </p>
      <p style={{ margin: "4px 0 0", fontSize: 12 }}>{apiMessage}</p>
    </div>
  );
}

export function CacheDashboard() {
  const t = useT();
  const [stats, setStats] = useState<CacheStats | null>(null);
  const [statsError, setStatsError] = useState<string | null>(null);
  const [symbol, setSymbol] = useState("");
  const [kind, setKind] = useState<"stock" | "index">("stock");
  const [coverage, setCoverage] = useState<CacheCoverage | null>(null);
  const [coverageError, setCoverageError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Outcome of the last admin action (`action`: which button). */
  const [notice, setNotice] = useState<{ action: string; text: string } | null>(null);
  /** The API refused an admin action for want of an admin key (401 or 403): which action, its status and message. */
  const [keyNeeded, setKeyNeeded] = useState<{ action: string; status: number; message: string } | null>(null);

  const loadStats = useCallback(async () => {
    try {
      setStats(await browserClient().getCacheStats());
      setStatsError(null);
    } catch (error) {
      setStatsError(message(error));
    }
  }, []);

  useEffect(() => {
    void loadStats();
  }, [loadStats]);

  // a key saved or forgotten in the header: the last refusal no longer applies, and the statistics
  // may now load (an API with QUANTDB_AUTH=all)
  useEffect(() => {
    const onKey = () => {
      setKeyNeeded(null);
      void loadStats();
    };
    window.addEventListener(API_KEY_EVENT, onKey);
    return () => window.removeEventListener(API_KEY_EVENT, onKey);
  }, [loadStats]);

  const loadCoverage = async (sym: string, k: "stock" | "index") => {
    setBusy(true);
    setCoverage(null);
    setCoverageError(null);
    try {
      setCoverage(await browserClient().getCacheCoverage(sym, { kind: k }));
    } catch (error) {
      setCoverageError(message(error));
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (symbol.trim()) void loadCoverage(symbol.trim(), kind);
  };

  const admin = async (action: string, what: string, run: () => Promise<unknown>) => {
    if (!window.confirm(what)) return;
    setBusy(true);
    setNotice(null);
    setKeyNeeded(null);
    try {
      const result = await run();
      setNotice({ action, text: `Done: ${JSON.stringify(result)}` });
    } catch (error) {
      if (isAuthError(error)) setKeyNeeded({ action, status: error.status, message: message(error) });
      else setNotice({ action, text: `Failed: ${message(error)}` });
    } finally {
      setBusy(false);
    }
    await loadStats();
    if (coverage) await loadCoverage(coverage.symbol, kind);
  };

  const byAdjust = new Map<string, CacheCoverage["spans"]>();
  for (const span of coverage?.spans ?? []) byAdjust.set(span.adjust, [...(byAdjust.get(span.adjust) ?? []), span]);

  return (
    <>
      <h1 style={{ fontSize: 20, margin: "0 0 12px" }}>{t("cache.title")}</h1>
      <section className="panel" aria-label="Cache statistics">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2>Statistics</h2>
          <button type="button" onClick={() => void loadStats()} data-testid="stats-reload">
            Reload
          </button>
        </div>
        {statsError ? (
          <div className="error" data-testid="panel-error">
            {statsError}
          </div>
        ) : !stats ? (
          <div className="loading">Loading…</div>
        ) : (
          <div className="figures" data-testid="cache-stats">
            <div className="figure">
              <div className="label">Instruments (stocks / indices)</div>
              <div className="value">
                <span data-testid="stat-instruments">{stats.instruments.stocks + stats.instruments.indices}</span>{" "}
                <span className="muted" style={{ fontSize: 12 }}>
                  {stats.instruments.stocks} / {stats.instruments.indices}
                </span>
              </div>
            </div>
            <div className="figure">
              <div className="label">Daily bars stored</div>
              <div className="value" data-testid="stat-bars">
                {stats.bars}
              </div>
            </div>
            <div className="figure">
              <div className="label">Spans held (empty)</div>
              <div className="value">
                <span data-testid="stat-spans">{stats.spans.total}</span>{" "}
                <span className="muted" style={{ fontSize: 12 }}>
                  ({stats.spans.empty} empty)
                </span>
              </div>
            </div>
            <div className="figure">
              <div className="label">
                Hit ratio ({stats.requests.hits} / {stats.requests.total} requests)
              </div>
              <div className="value" data-testid="stat-hit-ratio">
                {(stats.requests.hit_ratio * 100).toFixed(1)}%
              </div>
            </div>
            <div className="figure">
              <div className="label">Upstream calls</div>
              <div className="value" data-testid="stat-upstream-calls">
                {stats.requests.upstream_calls}
              </div>
            </div>
            <div className="figure">
              <div className="label">Bars held</div>
              <div className="value" style={{ fontSize: 14 }}>
                {stats.first_bar ?? "—"} → {stats.last_bar ?? "—"}
              </div>
            </div>
          </div>
        )}
        {stats ? <p className="muted">Counters since {stats.requests.since}</p> : null}
      </section>
      <section className="panel" aria-label="Cache activity">
        <h2>{t("cache.activity")}</h2>
        {statsError ? (
          <div className="error" data-testid="panel-error">
            {statsError}
          </div>
        ) : !stats ? (
          <div className="loading">{t("loading")}</div>
        ) : (
          <ActivityCharts activity={stats.activity} />
        )}
      </section>
      <JobRuns />
      <section className="panel" aria-label="Coverage">
        <h2>Coverage of a symbol</h2>
        <form className="row" onSubmit={onSubmit} style={{ marginBottom: 10 }}>
          <input
            name="symbol"
            value={symbol}
            onChange={(e) => setSymbol(e.target.value)}
            placeholder="600519"
            aria-label="Symbol"
          />
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as "stock" | "index")}>
            <option value="stock">stock</option>
            <option value="index">index</option>
          </select>
          <button type="submit" disabled={busy}>
            Show coverage
          </button>
          {coverage ? (
            <>
              <button
                type="button"
                data-testid="refresh-symbol"
                disabled={busy || kind === "index"}
                onClick={() =>
                  void admin(
                    "refresh-symbol",
                    `Re-fetch ${coverage.symbol}'s held history from upstream and replace it?`,
                    () => browserClient().refreshCache(coverage.symbol),
                  )
                }
              >
                Refresh {coverage.symbol}
              </button>
              <button
                type="button"
                data-testid="clear-symbol"
                disabled={busy}
                onClick={() =>
                  void admin("clear-symbol", `Delete everything cached for ${coverage.symbol}?`, () =>
                    browserClient().clearSymbolCache(coverage.symbol, { kind }),
                  )
                }
              >
                Clear {coverage.symbol}
              </button>
            </>
          ) : null}
          <button
            type="button"
            data-testid="clear-all"
            disabled={busy}
            onClick={() =>
              void admin("clear-all", "Delete EVERYTHING cached (all instruments)?", () => browserClient().clearCache())
            }
          >
            Clear all
          </button>
        </form>
        {notice ? (
          <p data-testid="admin-result" data-action={notice.action} className="muted">
            {notice.text}
          </p>
        ) : null}
        {keyNeeded ? <AdminKeyNeeded {...keyNeeded} /> : null}
        {busy ? <div className="loading">Loading…</div> : null}
        {coverageError ? (
          <div className="error" data-testid="panel-error">
            {coverageError}
          </div>
        ) : null}
        {coverage ? (
          <div data-testid="coverage">
            <p className="muted">
              {coverage.symbol} · {coverage.market} · {coverage.kind} · {coverage.spans.length} spans
            </p>
            {[...byAdjust.entries()].map(([adjust, spans]) => (
              <div key={adjust} data-adjust={adjust} style={{ marginBottom: 12 }}>
                <h3>{ADJUST_LABEL[adjust] ?? adjust}</h3>
                <Timeline spans={spans} />
                <table className="data" style={{ marginTop: 6 }}>
                  <thead>
                    <tr>
                      <th>From</th>
                      <th>To</th>
                      <th>Bars</th>
                      <th>Fetched (UTC)</th>
                    </tr>
                  </thead>
                  <tbody>
                    {spans.map((s) => (
                      <tr
                        key={`${s.start_date}${s.end_date}`}
                        data-span={`${s.start_date}/${s.end_date}`}
                        data-empty={s.bars === 0 ? "true" : undefined}
                      >
                        <td>{s.start_date}</td>
                        <td>{s.end_date}</td>
                        <td>{s.bars === 0 ? "0 (empty span)" : s.bars}</td>
                        <td>{s.fetched_at}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ))}
          </div>
        ) : null}
      </section>
    </>
  );
}
