"use client";

import { useRouter } from "next/navigation";
import { useTransition, type FormEvent } from "react";
import { DATE_RE, PRESETS, presetStart, type Preset } from "../lib/dates.ts";
import { viewQuery, type Kind, type View } from "../lib/view.ts";

export function Controls({ kind, symbol, view, today }: { kind: Kind; symbol: string; view: View; today: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();

  const go = (next: Partial<View>) => {
    const merged = { ...view, ...next };
    startTransition(() => router.push(`/${kind}/${encodeURIComponent(symbol)}?${viewQuery(merged, kind)}`));
  };

  const onSearch = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget).get("symbol") ?? "").trim();
    if (value) startTransition(() => router.push(`/${kind}/${encodeURIComponent(value)}`));
  };

  const activePreset = PRESETS.find((p) => view.end === today && view.start === presetStart(p, today));

  return (
    <div className="controls" data-testid="controls">
      <form role="search" onSubmit={onSearch}>
        <input
          name="symbol"
          key={symbol}
          defaultValue={symbol}
          placeholder={kind === "stock" ? "600519, 00700, 000001.SZ" : "000300, HSI"}
          aria-label={kind === "stock" ? "Stock symbol" : "Index symbol"}
          autoComplete="off"
          size={14}
        />
        <button type="submit">Go</button>
      </form>
      <div className="row" role="group" aria-label="Range presets">
        {PRESETS.map((preset: Preset) => (
          <button
            key={preset}
            type="button"
            data-preset={preset}
            aria-pressed={activePreset === preset}
            onClick={() => go({ start: presetStart(preset, today), end: today })}
          >
            {preset}
          </button>
        ))}
      </div>
      <label className="row" style={{ gap: 4 }}>
        From
        <input
          type="date"
          name="start"
          key={`s${view.start}`}
          defaultValue={DATE_RE.test(view.start) ? view.start : ""}
          onChange={(e) => DATE_RE.test(e.target.value) && e.target.value !== view.start && go({ start: e.target.value })}
        />
      </label>
      <label className="row" style={{ gap: 4 }}>
        To
        <input
          type="date"
          name="end"
          key={`e${view.end}`}
          defaultValue={DATE_RE.test(view.end) ? view.end : ""}
          onChange={(e) => DATE_RE.test(e.target.value) && e.target.value !== view.end && go({ end: e.target.value })}
        />
      </label>
      {kind === "stock" ? (
        <label className="row" style={{ gap: 4 }}>
          Adjust
          <select name="adjust" value={view.adjust} onChange={(e) => go({ adjust: e.target.value })}>
            <option value="">None</option>
            <option value="qfq">Forward (qfq)</option>
            <option value="hfq">Backward (hfq)</option>
          </select>
        </label>
      ) : null}
      <label className="row" style={{ gap: 4 }}>
        Period
        <select name="period" value={view.period} onChange={(e) => go({ period: e.target.value })}>
          <option value="daily">Daily</option>
          <option value="weekly">Weekly</option>
          <option value="monthly">Monthly</option>
        </select>
      </label>
      {pending ? <span className="loading" data-testid="loading" role="status">Loading…</span> : null}
    </div>
  );
}
