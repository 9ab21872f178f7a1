/**
 * Test support: a {@link HistoryStore} in memory, with the contract `@quantdb/db` implements for
 * PGlite and PostgreSQL (packages/db/src/queries/history.ts): each write is atomic (it runs to the
 * end without yielding), a saved span drops the spans and unconfirmed empty answers it contains,
 * names are kept when upstream sends none, check days only move forward, and bars are returned
 * as their stored JSON (`DAILY_BAR_FIELDS` order) parsed again: never the caller's objects.
 */
import type { IsoDate } from "../../dates.ts";
import type { Instrument } from "../../symbols/index.ts";
import type { Span } from "../planner.ts";
import type {
  FetchedSpan,
  HeldSpan,
  HistoryStore,
  PendingEmptySpan,
  SeriesSnapshot,
  StoredInstrument,
} from "../service.ts";
import { DAILY_BAR_FIELDS, type Adjust, type DailyBar } from "../types.ts";

/** One series (instrument and adjustment) as stored. */
interface StoredSeries {
  /** Each bar's JSON text by date. */
  bars: Map<IsoDate, string>;
  spans: HeldSpan[];
  pending: PendingEmptySpan[];
  checkedOn: IsoDate | null;
}

/** A bar's stored JSON: its fields in {@link DAILY_BAR_FIELDS} order (missing ones null), as the database writes it. */
function barJson(bar: DailyBar): string {
  return JSON.stringify(Object.fromEntries(DAILY_BAR_FIELDS.map((field) => [field, bar[field] ?? null])));
}

const byStart = (a: Span, b: Span) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
const overlaps = (span: Span, start: IsoDate, end: IsoDate) => span.start <= end && span.end >= start;
const copySpan = (span: HeldSpan): HeldSpan => ({
  start: span.start,
  end: span.end,
  fetchedAt: new Date(span.fetchedAt),
});

/**
 * The history store in memory, every method of the port included (`snapshot`, `barsJson` and
 * `dataVersion` too; see {@link withoutFastReads} for a store without the optional ones).
 * {@link calls} lists the port methods called, in order, for tests that count reads.
 */
export class MemoryHistoryStore implements HistoryStore {
  /** Names of the port methods called, in order (e.g. `"snapshot"`, `"saveFetched"`). */
  readonly calls: string[] = [];
  readonly #instruments = new Map<string, StoredInstrument & { version: number }>();
  readonly #series = new Map<string, StoredSeries>();
  #nextInstrumentId = 1;
  #nextPendingId = 1;
  #version = 0;

  async findInstrument(symbol: Instrument): Promise<StoredInstrument | null> {
    this.calls.push("findInstrument");
    return this.#instrument(symbol);
  }

  async coverage(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<HeldSpan[]> {
    this.calls.push("coverage");
    return this.#spans(instrumentId, adjust).filter((span) => overlaps(span, start, end));
  }

  async allCoverage(instrumentId: number, adjust: Adjust): Promise<HeldSpan[]> {
    this.calls.push("allCoverage");
    return this.#spans(instrumentId, adjust);
  }

  async bars(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<DailyBar[]> {
    this.calls.push("bars");
    return JSON.parse(this.#barsJson(instrumentId, adjust, start, end).json) as DailyBar[];
  }

  async barsJson(
    instrumentId: number,
    adjust: Adjust,
    start: IsoDate,
    end: IsoDate,
  ): Promise<{ json: string; count: number }> {
    this.calls.push("barsJson");
    return this.#barsJson(instrumentId, adjust, start, end);
  }

  async snapshot(
    symbol: Instrument,
    adjust: Adjust,
    range: { start: IsoDate; end: IsoDate; coverageEnd: IsoDate },
  ): Promise<SeriesSnapshot> {
    this.calls.push("snapshot");
    const instrument = this.#instrument(symbol);
    if (!instrument) return { instrument: null, held: [], bars: { json: "[]", count: 0 }, checkedOn: null };
    return {
      instrument,
      held: this.#spans(instrument.id, adjust).filter((span) => overlaps(span, range.start, range.coverageEnd)),
      bars: this.#barsJson(instrument.id, adjust, range.start, range.end),
      checkedOn: this.#seriesOf(instrument.id, adjust)?.checkedOn ?? null,
    };
  }

  async saveFetched(fetched: FetchedSpan): Promise<void> {
    this.calls.push("saveFetched");
    this.#write(fetched, false);
  }

  async replaceSeries(fetched: FetchedSpan & { span: Span }): Promise<void> {
    this.calls.push("replaceSeries");
    this.#write(fetched, true);
  }

  async pendingEmpty(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): Promise<PendingEmptySpan[]> {
    this.calls.push("pendingEmpty");
    const pending = this.#seriesOf(instrumentId, adjust)?.pending ?? [];
    return pending.filter((span) => overlaps(span, start, end)).map((span) => ({ ...span }));
  }

  async checkedOn(instrumentId: number, adjust: Adjust): Promise<IsoDate | null> {
    this.calls.push("checkedOn");
    return this.#seriesOf(instrumentId, adjust)?.checkedOn ?? null;
  }

  async markChecked(instrumentId: number, adjust: Adjust, day: IsoDate): Promise<void> {
    this.calls.push("markChecked");
    this.#markChecked(this.#seriesFor(instrumentId, adjust), day);
  }

  async lastBar(instrumentId: number, adjust: Adjust, onOrBefore: IsoDate): Promise<DailyBar | null> {
    this.calls.push("lastBar");
    const bars = this.#seriesOf(instrumentId, adjust)?.bars ?? new Map<IsoDate, string>();
    const date = [...bars.keys()]
      .filter((d) => d <= onOrBefore)
      .sort()
      .at(-1);
    return date === undefined ? null : (JSON.parse(bars.get(date)!) as DailyBar);
  }

  async dataVersion(symbol: Instrument): Promise<string> {
    this.calls.push("dataVersion");
    const stored = this.#instruments.get(instrumentKey(symbol));
    return stored ? String(stored.version) : "none";
  }

  /** How many instruments, bars (every series) and held spans it holds, as `@quantdb/db`'s `countRows` counts them. */
  async rows(): Promise<{ instruments: number; bars: number; spans: number }> {
    const series = [...this.#series.values()];
    return {
      instruments: this.#instruments.size,
      bars: series.reduce((sum, s) => sum + s.bars.size, 0),
      spans: series.reduce((sum, s) => sum + s.spans.length, 0),
    };
  }

  #instrument(symbol: Instrument): StoredInstrument | null {
    const stored = this.#instruments.get(instrumentKey(symbol));
    return stored ? { id: stored.id, name: stored.name } : null;
  }

  #seriesOf(instrumentId: number, adjust: Adjust): StoredSeries | undefined {
    return this.#series.get(`${instrumentId}|${adjust}`);
  }

  #seriesFor(instrumentId: number, adjust: Adjust): StoredSeries {
    const key = `${instrumentId}|${adjust}`;
    let series = this.#series.get(key);
    if (!series) {
      series = { bars: new Map(), spans: [], pending: [], checkedOn: null };
      this.#series.set(key, series);
    }
    return series;
  }

  #spans(instrumentId: number, adjust: Adjust): HeldSpan[] {
    return [...(this.#seriesOf(instrumentId, adjust)?.spans ?? [])].sort(byStart).map(copySpan);
  }

  #barsJson(instrumentId: number, adjust: Adjust, start: IsoDate, end: IsoDate): { json: string; count: number } {
    const bars = this.#seriesOf(instrumentId, adjust)?.bars ?? new Map<IsoDate, string>();
    const dates = [...bars.keys()].filter((date) => date >= start && date <= end).sort();
    return { json: `[${dates.map((date) => bars.get(date)!).join(",")}]`, count: dates.length };
  }

  #markChecked(series: StoredSeries, day: IsoDate): void {
    if (series.checkedOn === null || day > series.checkedOn) series.checkedOn = day;
  }

  /**
   * One atomic write: the instrument (created or renamed), then bars, span, pending and check (a replace clears first).
   */
  #write(fetched: FetchedSpan, replace: boolean): void {
    const key = instrumentKey(fetched.symbol);
    let instrument = this.#instruments.get(key);
    if (!instrument) {
      instrument = { id: this.#nextInstrumentId++, name: fetched.name, version: 0 };
      this.#instruments.set(key, instrument);
    } else if (fetched.name !== null) instrument.name = fetched.name;
    instrument.version = ++this.#version;
    const series = this.#seriesFor(instrument.id, fetched.adjust);
    if (replace) {
      series.bars.clear();
      series.spans = [];
      series.pending = [];
    }
    for (const bar of fetched.bars) series.bars.set(bar.date, barJson(bar));
    const held = fetched.span;
    if (held) {
      // Spans and unconfirmed empty answers inside the new span say nothing it does not.
      const inside = (span: Span) => span.start >= held.start && span.end <= held.end;
      series.spans = [
        ...series.spans.filter((span) => !inside(span)),
        { start: held.start, end: held.end, fetchedAt: new Date(fetched.fetchedAt) },
      ];
      series.pending = series.pending.filter((span) => !inside(span));
    }
    for (const span of fetched.pendingEmpty ?? [])
      series.pending.push({ id: this.#nextPendingId++, start: span.start, end: span.end });
    if (fetched.checkedOn) this.#markChecked(series, fetched.checkedOn);
  }
}

function instrumentKey(symbol: Instrument): string {
  return `${symbol.kind}|${symbol.market}|${symbol.code}`;
}

/**
 * `store` with only the port's required methods (no `snapshot`, `barsJson` or `dataVersion`), as a
 * store that implements none of the optional reads: the service then takes its other read path.
 */
export function withoutFastReads(store: HistoryStore): HistoryStore {
  return {
    findInstrument: (symbol) => store.findInstrument(symbol),
    coverage: (id, adjust, start, end) => store.coverage(id, adjust, start, end),
    allCoverage: (id, adjust) => store.allCoverage(id, adjust),
    bars: (id, adjust, start, end) => store.bars(id, adjust, start, end),
    saveFetched: (fetched) => store.saveFetched(fetched),
    replaceSeries: (fetched) => store.replaceSeries(fetched),
    pendingEmpty: (id, adjust, start, end) => store.pendingEmpty(id, adjust, start, end),
    checkedOn: (id, adjust) => store.checkedOn(id, adjust),
    markChecked: (id, adjust, day) => store.markChecked(id, adjust, day),
    lastBar: (id, adjust, onOrBefore) => store.lastBar(id, adjust, onOrBefore),
  };
}
