"use client";

import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { DATE_RE, PRESETS, presetStart, type Preset } from "../lib/dates.ts";
import { viewQuery, type Kind, type View } from "../lib/view.ts";
import { useT } from "../lib/i18n.tsx";
import { SearchBox } from "./SearchBox.tsx";

export function Controls({ kind, symbol, view, today }: { kind: Kind; symbol: string; view: View; today: string }) {
  const t = useT();
  const router = useRouter();
  const [pending, startTransition] = useTransition();

  const go = (next: Partial<View>) => {
    const merged = { ...view, ...next };
    startTransition(() => router.push(`/${kind}/${encodeURIComponent(symbol)}?${viewQuery(merged, kind)}`));
  };

  const activePreset = PRESETS.find((p) => view.end === today && view.start === presetStart(p, today));

  return (
    <div className="controls" data-testid="controls">
      {/* biome-ignore lint/a11y/useSemanticElements: a div with role=search styles like the rest of the row */}
      <div role="search">
        <SearchBox key={symbol} initial={symbol} kind={kind} viewQuery={(target) => viewQuery(view, target)} />
      </div>
      {/* biome-ignore lint/a11y/useSemanticElements: a fieldset would bring its own border and layout */}
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
        {t("ctl.from")}
        <input
          type="date"
          name="start"
          key={`s${view.start}`}
          defaultValue={DATE_RE.test(view.start) ? view.start : ""}
          onChange={(e) =>
            DATE_RE.test(e.target.value) && e.target.value !== view.start && go({ start: e.target.value })
          }
        />
      </label>
      <label className="row" style={{ gap: 4 }}>
        {t("ctl.to")}
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
          {t("ctl.adjust")}
          <select name="adjust" value={view.adjust} onChange={(e) => go({ adjust: e.target.value })}>
            <option value="">{t("adjust.none")}</option>
            <option value="qfq">{t("adjust.qfq")}</option>
            <option value="hfq">{t("adjust.hfq")}</option>
          </select>
        </label>
      ) : null}
      <label className="row" style={{ gap: 4 }}>
        {t("ctl.period")}
        <select name="period" value={view.period} onChange={(e) => go({ period: e.target.value })}>
          <option value="daily">{t("period.daily")}</option>
          <option value="weekly">{t("period.weekly")}</option>
          <option value="monthly">{t("period.monthly")}</option>
        </select>
      </label>
      {pending ? (
        <span className="loading" data-testid="loading" role="status">
          {t("loading")}
        </span>
      ) : null}
    </div>
  );
}
