"use client";

import type { ScreenAnswer, ScreenRequest } from "@quantdb/sdk";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useMemo, useState, useTransition } from "react";
import { browserClient } from "../lib/browser-client.ts";
import { useT } from "../lib/i18n.tsx";
import {
  FIELD_SUGGESTIONS,
  type FilterRow,
  formatScore,
  formatValue,
  isCryptoUniverse,
  OPS,
  type RankRow,
  type ScreenForm,
  SYMBOLS_UNIVERSE,
  screenCsv,
  screenQuery,
  screenRequest,
  symbolHref,
  UNIVERSES,
  valueColumns,
} from "../lib/screen.ts";
import { type ErrorInfo, ErrorPanel, errorInfo } from "./ErrorPanel.tsx";

/** A screen over a whole index or market may fetch hundreds of symbols within the upstream politeness budget. */
const SCREEN_TIMEOUT_MS = 15 * 60_000;
const FIELDS_LIST_ID = "screen-fields";

/**
 * The screen page's body: the builder (universe, date, adjust, filter and ranking rows, limit), whose
 * Screen button puts the screen in the URL; then the API's answer to the URL's screen, asked from the
 * browser through the SDK (`POST /api/v1/screen` via the /qdb proxy) and shown as it comes: results,
 * metadata, the symbols not screened and why, a CSV of the results; or the API's error.
 */
export function ScreenDashboard({ initial, run }: { initial: ScreenForm; run: boolean }) {
  const router = useRouter();
  const [navigating, startTransition] = useTransition();
  const body = useMemo(() => JSON.stringify(screenRequest(initial)), [initial]);
  const current = useMemo(() => screenQuery(initial), [initial]);
  // Screen pressed on the screen already shown runs it again (a new key remounts the run)
  const [runs, setRuns] = useState(0);

  const submit = (form: ScreenForm) => {
    const query = screenQuery(form);
    if (run && query === current) setRuns((n) => n + 1);
    else startTransition(() => router.push(`/screen?${query}`));
  };

  return (
    <>
      <ScreenBuilder initial={initial} busy={navigating} onSubmit={submit} />
      {run ? <ScreenRun key={runs} body={body} /> : null}
    </>
  );
}

/** One run of a screen (its request as JSON): the answer, or the API's error, and a status while it runs. */
function ScreenRun({ body }: { body: string }) {
  const t = useT();
  const [answer, setAnswer] = useState<ScreenAnswer | null>(null);
  const [failure, setFailure] = useState<ErrorInfo | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    browserClient({ timeoutMs: SCREEN_TIMEOUT_MS })
      .screen(JSON.parse(body) as ScreenRequest, { signal: controller.signal })
      .then(
        (next) => {
          if (controller.signal.aborted) return;
          setAnswer(next);
          setFailure(null);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setAnswer(null);
          setFailure(errorInfo(error));
        },
      )
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [body]);

  return (
    <>
      {loading ? (
        <div className="loading" role="status" data-testid="screen-loading" style={{ marginBottom: 12 }}>
          {t("screen.running")}
        </div>
      ) : null}
      {failure ? (
        <section className="panel" aria-label="Screen error">
          <ErrorPanel info={failure} />
        </section>
      ) : null}
      {answer ? <ScreenResults answer={answer} /> : null}
    </>
  );
}

/** Remove the row at `index` of a list. */
function without<R>(rows: readonly R[], index: number): R[] {
  return rows.filter((_, i) => i !== index);
}

/** Replace the row at `index` of a list by itself with `change` applied. */
function changed<R>(rows: readonly R[], index: number, change: Partial<R>): R[] {
  return rows.map((row, i) => (i === index ? { ...row, ...change } : row));
}

function ScreenBuilder({
  initial,
  busy,
  onSubmit,
}: {
  initial: ScreenForm;
  busy: boolean;
  onSubmit: (form: ScreenForm) => void;
}) {
  const t = useT();
  const [form, setForm] = useState<ScreenForm>(initial);
  const set = (change: Partial<ScreenForm>) => setForm((f) => ({ ...f, ...change }));
  const universes: string[] = [...UNIVERSES, SYMBOLS_UNIVERSE];
  if (!universes.includes(form.universe)) universes.unshift(form.universe); // another universe the URL named

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // rows left without a field are dropped rather than sent
    onSubmit({
      ...form,
      filters: form.filters.filter((f) => f.field.trim() !== ""),
      rankBy: form.rankBy.filter((r) => r.field.trim() !== ""),
    });
  };

  const universeLabel = (u: string) =>
    (UNIVERSES as readonly string[]).includes(u) || u === SYMBOLS_UNIVERSE
      ? t(`screen.u.${u as (typeof UNIVERSES)[number] | typeof SYMBOLS_UNIVERSE}`)
      : u;

  return (
    <form className="panel" aria-label="Screen builder" data-testid="screen-form" onSubmit={submit}>
      <div className="controls">
        <label className="row" style={{ gap: 4 }}>
          {t("screen.universe")}
          <select name="universe" value={form.universe} onChange={(e) => set({ universe: e.target.value })}>
            {universes.map((u) => (
              <option key={u} value={u}>
                {universeLabel(u)}
              </option>
            ))}
          </select>
        </label>
        {form.universe === SYMBOLS_UNIVERSE ? (
          <label className="row" style={{ gap: 4 }}>
            {t("screen.symbols")}
            <input
              name="symbols"
              value={form.symbols}
              onChange={(e) => set({ symbols: e.target.value })}
              placeholder={t("screen.symbolsPlaceholder")}
              size={40}
            />
          </label>
        ) : null}
        {isCryptoUniverse(form.universe) ? (
          <label className="row" style={{ gap: 4 }}>
            {t("screen.top")}
            <input
              name="top"
              inputMode="numeric"
              value={form.top}
              onChange={(e) => set({ top: e.target.value })}
              placeholder="50"
              size={5}
            />
          </label>
        ) : null}
        <label className="row" style={{ gap: 4 }} title={t("screen.asOfHint")}>
          {t("screen.asOf")}
          <input type="date" name="as_of" value={form.asOf} onChange={(e) => set({ asOf: e.target.value })} />
        </label>
        {isCryptoUniverse(form.universe) ? null : (
          // qfq, the default, is not sent: a list of crypto pairs alone is screened unadjusted
          <label className="row" style={{ gap: 4 }}>
            {t("ctl.adjust")}
            <select name="adjust" value={form.adjust} onChange={(e) => set({ adjust: e.target.value })}>
              <option value="qfq">{t("adjust.qfq")}</option>
              <option value="hfq">{t("adjust.hfq")}</option>
              <option value="">{t("adjust.none")}</option>
            </select>
          </label>
        )}
        <label className="row" style={{ gap: 4 }}>
          {t("screen.limit")}
          <input
            name="limit"
            inputMode="numeric"
            value={form.limit}
            onChange={(e) => set({ limit: e.target.value })}
            placeholder="50"
            size={5}
          />
        </label>
      </div>

      <h3>{t("screen.filters")}</h3>
      {form.filters.length === 0 ? <p className="muted">{t("screen.noFilters")}</p> : null}
      {form.filters.map((filter, i) => (
        <FilterEditor
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
          key={i}
          row={filter}
          onChange={(change) => set({ filters: changed(form.filters, i, change) })}
          onRemove={() => set({ filters: without(form.filters, i) })}
        />
      ))}
      <button
        type="button"
        data-testid="add-filter"
        onClick={() => set({ filters: [...form.filters, { field: "", op: ">", value: "", high: "" }] })}
      >
        {t("screen.addFilter")}
      </button>

      <h3 style={{ marginTop: 12 }}>{t("screen.rankBy")}</h3>
      {form.rankBy.length === 0 ? <p className="muted">{t("screen.noRanks")}</p> : null}
      {form.rankBy.map((rank, i) => (
        <RankEditor
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
          key={i}
          row={rank}
          onChange={(change) => set({ rankBy: changed(form.rankBy, i, change) })}
          onRemove={() => set({ rankBy: without(form.rankBy, i) })}
        />
      ))}
      <button
        type="button"
        data-testid="add-rank"
        onClick={() => set({ rankBy: [...form.rankBy, { field: "", order: "desc", weight: "" }] })}
      >
        {t("screen.addRank")}
      </button>

      <p className="muted" style={{ fontSize: 12 }}>
        {t("screen.fields")}
      </p>
      <datalist id={FIELDS_LIST_ID}>
        {FIELD_SUGGESTIONS.map((field) => (
          <option key={field} value={field} />
        ))}
      </datalist>
      <div className="row">
        <button type="submit" data-testid="screen-run">
          {t("screen.run")}
        </button>
        {busy ? (
          <span className="loading" role="status" data-testid="screen-navigating">
            {t("screen.running")}
          </span>
        ) : null}
      </div>
    </form>
  );
}

function FieldInput({ value, onChange }: { value: string; onChange: (field: string) => void }) {
  const t = useT();
  return (
    <input
      name="field"
      aria-label={t("screen.field")}
      list={FIELDS_LIST_ID}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      placeholder="pct_change_20"
      size={18}
    />
  );
}

function FilterEditor({
  row,
  onChange,
  onRemove,
}: {
  row: FilterRow;
  onChange: (change: Partial<FilterRow>) => void;
  onRemove: () => void;
}) {
  const t = useT();
  const ops: string[] = [...OPS];
  if (!ops.includes(row.op)) ops.unshift(row.op); // an operator the URL wrote that the API will refuse
  return (
    <div className="row" data-testid="filter-row" style={{ marginBottom: 6 }}>
      <FieldInput value={row.field} onChange={(field) => onChange({ field })} />
      <select name="op" aria-label={t("screen.op")} value={row.op} onChange={(e) => onChange({ op: e.target.value })}>
        {ops.map((op) => (
          <option key={op} value={op}>
            {op}
          </option>
        ))}
      </select>
      <input
        name="value"
        aria-label={row.op === "between" ? t("screen.low") : t("screen.value")}
        placeholder={row.op === "between" ? t("screen.low") : t("screen.value")}
        inputMode="decimal"
        value={row.value}
        onChange={(e) => onChange({ value: e.target.value })}
        size={10}
      />
      {row.op === "between" ? (
        <input
          name="high"
          aria-label={t("screen.high")}
          placeholder={t("screen.high")}
          inputMode="decimal"
          value={row.high}
          onChange={(e) => onChange({ high: e.target.value })}
          size={10}
        />
      ) : null}
      <button type="button" onClick={onRemove} data-testid="remove-filter">
        {t("screen.remove")}
      </button>
    </div>
  );
}

function RankEditor({
  row,
  onChange,
  onRemove,
}: {
  row: RankRow;
  onChange: (change: Partial<RankRow>) => void;
  onRemove: () => void;
}) {
  const t = useT();
  return (
    <div className="row" data-testid="rank-row" style={{ marginBottom: 6 }}>
      <FieldInput value={row.field} onChange={(field) => onChange({ field })} />
      <select
        name="order"
        aria-label={t("screen.order")}
        value={row.order}
        onChange={(e) => onChange({ order: e.target.value })}
      >
        {row.order !== "desc" && row.order !== "asc" ? <option value={row.order}>{row.order}</option> : null}
        <option value="desc">{t("screen.desc")}</option>
        <option value="asc">{t("screen.asc")}</option>
      </select>
      <label className="row" style={{ gap: 4 }}>
        {t("screen.weight")}
        <input
          name="weight"
          inputMode="decimal"
          value={row.weight}
          onChange={(e) => onChange({ weight: e.target.value })}
          placeholder="1"
          size={5}
        />
      </label>
      <button type="button" onClick={onRemove} data-testid="remove-rank">
        {t("screen.remove")}
      </button>
    </div>
  );
}

function Figure({ label, value, testId }: { label: string; value: string | number; testId: string }) {
  return (
    <div className="figure">
      <div className="label">{label}</div>
      <div className="value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

/** The answer: figures of the metadata, the results table with its CSV, and the symbols not screened. */
function ScreenResults({ answer }: { answer: ScreenAnswer }) {
  const t = useT();
  const { metadata } = answer;
  const columns = useMemo(() => valueColumns(answer.results), [answer]);
  const csvHref = useMemo(
    () => `data:text/csv;charset=utf-8,${encodeURIComponent(screenCsv(answer.results))}`,
    [answer],
  );
  const universe = typeof answer.universe === "string" ? answer.universe : SYMBOLS_UNIVERSE;
  const fileName = `screen_${universe.replace(/[^A-Za-z0-9_-]+/g, "-")}_${answer.as_of}.csv`;

  return (
    <div data-testid="screen-answer">
      <section className="panel" aria-label="Screen summary">
        <div className="figures">
          <Figure label={t("screen.asOfShown")} value={answer.as_of} testId="screen-as-of" />
          <Figure label={t("screen.universeSize")} value={metadata.universe_size} testId="screen-universe-size" />
          <Figure label={t("screen.evaluated")} value={metadata.evaluated} testId="screen-evaluated" />
          <Figure label={t("screen.matched")} value={metadata.matched} testId="screen-matched" />
          <Figure label={t("screen.count")} value={answer.count} testId="screen-count" />
          <Figure label={t("screen.upstream")} value={metadata.upstream_requests} testId="screen-upstream" />
        </div>
        <p className="muted" style={{ margin: "8px 0 0" }} data-testid="screen-cache">
          {t("screen.cache", { cached: metadata.cache.symbols_from_cache, fetched: metadata.cache.symbols_fetched })}
          {" · "}
          {t("ctl.adjust")}: {answer.adjust || t("adjust.none")}
        </p>
        {metadata.membership ? (
          <p className="muted" style={{ margin: "4px 0 0" }} data-testid="screen-membership">
            {t("screen.membership")}: {metadata.membership}
          </p>
        ) : null}
        {metadata.snapshots.length > 0 ? (
          <p className="muted" style={{ margin: "4px 0 0" }} data-testid="screen-snapshots">
            {t("screen.snapshots")}: {metadata.snapshots.map((s) => `${s.market} ${s.date}`).join(", ")}
          </p>
        ) : null}
      </section>

      <section className="panel" aria-label="Screen results">
        <div className="row" style={{ justifyContent: "space-between", marginBottom: 6 }}>
          <h2 style={{ margin: 0 }}>{t("screen.results")}</h2>
          {answer.results.length > 0 ? (
            <a data-testid="screen-csv" href={csvHref} download={fileName}>
              {t("bars.csv", { n: answer.results.length })}
            </a>
          ) : null}
        </div>
        {answer.results.length === 0 ? (
          <div className="empty" data-testid="screen-no-results">
            {t("screen.none")}
          </div>
        ) : (
          <div className="scroll">
            <table className="data" data-testid="screen-results">
              <thead>
                <tr>
                  <th>{t("screen.rank")}</th>
                  <th style={{ textAlign: "left" }}>{t("col.symbol")}</th>
                  <th style={{ textAlign: "left" }}>{t("col.name")}</th>
                  <th>{t("screen.score")}</th>
                  <th>{t("col.date")}</th>
                  {columns.map((field) => (
                    <th key={field} data-field={field}>
                      {field}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {answer.results.map((result, i) => (
                  <tr key={result.symbol} data-symbol={result.symbol}>
                    <td>{i + 1}</td>
                    <td style={{ textAlign: "left" }}>
                      <Link href={symbolHref(result.symbol)} data-testid="screen-symbol">
                        {result.symbol}
                      </Link>
                    </td>
                    <td style={{ textAlign: "left" }}>{result.name ?? "—"}</td>
                    <td data-testid="screen-score" data-score={result.score ?? ""}>
                      {formatScore(result.score)}
                    </td>
                    <td>
                      {result.date}
                      {result.provisional ? ` (${t("provisional")})` : ""}
                    </td>
                    {columns.map((field) => (
                      <td key={field} data-field={field} data-value={result.values[field] ?? ""}>
                        {formatValue(result.values[field])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel" aria-label="Not screened">
        {metadata.missing.length === 0 ? (
          <p className="muted" style={{ margin: 0 }} data-testid="screen-no-missing">
            {t("screen.noMissing")}
          </p>
        ) : (
          <details data-testid="screen-missing" data-count={metadata.missing.length}>
            <summary>{t("screen.missing", { n: metadata.missing.length })}</summary>
            <div className="scroll">
              <table className="data" style={{ marginTop: 6 }}>
                <thead>
                  <tr>
                    <th>{t("col.symbol")}</th>
                    <th style={{ textAlign: "left" }}>{t("screen.reason")}</th>
                  </tr>
                </thead>
                <tbody>
                  {metadata.missing.map((m) => (
                    <tr key={m.symbol} data-symbol={m.symbol}>
                      <td>{m.symbol}</td>
                      <td style={{ textAlign: "left", whiteSpace: "normal" }} data-testid="screen-missing-reason">
                        {m.reason}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        )}
      </section>
    </div>
  );
}
