/**
 * The replay of Eastmoney's batch quote endpoint (`GET https://push2.eastmoney.com/api/qt/ulist.np/get`,
 * docs/upstream-spec.md §6.3 end), answered from the LAST recorded bar of each dataset, as if the market
 * had just closed on that bar's date.
 *
 * For each requested secid the replay knows (the unadjusted dataset, `fqt=0`, when it has one,
 * otherwise the qfq one, whose last bar equals the unadjusted one), one `data.diff` row with
 * `fltt=2` values in natural units, keyed by field id:
 * - f2 last price = the last bar's close; f17 open, f15 high, f16 low of that bar;
 * - f18 previous close = the close of the bar before it (`"-"` when there is none);
 * - f4 change = f2 − f18 (price decimals), f3 pct change = f4 / f18 in percent (2 dp);
 * - f5 volume as the bar has it: A-shares in lots (手, 100 shares), HK in shares; f6 amount and
 *   f8 turnover (percent) from the bar, `"-"` where the recording has none;
 * - f12 code, f13 Eastmoney market id (0, 1, 116), f14 name (from `fixtures/names.json`);
 * - f124 quote time = the bar's date at the close (15:00 Asia/Shanghai, 16:00 Asia/Hong_Kong) in
 *   epoch seconds (indices the replay holds are quoted the same way).
 * Only the ids listed in `fields` are sent (all of the above when `fields` is absent). Secids the
 * replay does not know are simply absent; when it knows none, `data` is `null`. `diff` is a JSON
 * array, or an object keyed `"0","1",…` when the request has an `np` parameter other than `1`
 * (upstream's clist behaves that way), so clients can be tested against both shapes. `cb` wraps
 * the body as JSONP.
 *
 * Requests are logged like kline requests (`path` = `/api/qt/ulist.np/get`, `query.secids`);
 * faults apply when they have no `secid` or their `secid` is in the request's list.
 *
 * MOVING QUOTES (off by default; `startReplay({ movingQuotes: true })`, `ReplayServer.setMovingQuotes`,
 * `POST /__replay/moving-quotes`; on in the API server's `QUANTDB_UPSTREAM=replay` mode): real recorded
 * prices replayed in a loop, NOT a live or intraday recording. Each secid has its own cursor over the
 * last {@link MOVING_QUOTE_BARS} bars served for its dataset (all of them when it has fewer), oldest
 * first: its n-th row (n = 0, 1, 2, …, counted per secid since moving quotes were switched on, over
 * every client) is built exactly as above from bar `n mod window` of that window, with f18 the close of
 * the bar just before it in the dataset (so the oldest bar of the window also has a real previous
 * close). f124 is THAT bar's date at the close, so the quote time steps through those dates too and
 * goes back about three months each time the loop wraps: every value of a row comes from one
 * recorded day. Each row sent advances its secid's cursor by one (a secid listed twice in one request
 * advances twice); faulted requests that send no rows (`reset`, `http500`, `captcha`, `data-null`)
 * advance nothing. Deterministic: a test predicts the n-th answer from the fixture files.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { datasetKey } from "./data.ts";
import type { Bar, Dataset, FixtureStore } from "./data.ts";
import type { FaultKind, ReplayRequest } from "./index.ts";

/** Path of Eastmoney's batch quote endpoint. */
export const ULIST_PATH = "/api/qt/ulist.np/get";
/** How many of a dataset's last recorded bars moving quotes loop through (Binance tickers too). */
export const MOVING_QUOTE_BARS = 60;

/**
 * Index of the bar a quote is taken from among `count` (> 0) served bars: the last one when `step` is
 * undefined (static quotes), else bar `step mod window` of the last {@link MOVING_QUOTE_BARS}.
 */
export function movingQuoteIndex(count: number, step: number | undefined): number {
  if (step === undefined) return count - 1;
  const window = Math.min(MOVING_QUOTE_BARS, count);
  return count - window + (step % window);
}

/** What the quote replay needs from the running replay server. */
export interface QuoteReplayContext {
  /** Every dataset the replay serves. */
  readonly store: FixtureStore;
  /** A dataset's bars as currently served (snapshot choice and suspensions applied). */
  bars(dataset: Dataset): readonly Bar[];
  /** Append to the server's request log. */
  log(entry: ReplayRequest): void;
  /** Take the first active fault that applies to a request for these secids (consuming one of its `times`). */
  takeFault(secids: readonly string[]): { readonly kind: FaultKind; readonly delayMs: number } | undefined;
  /** Wait the server's latency plus `extraMs`; false when the response closed or the server stops meanwhile. */
  wait(extraMs: number, res: ServerResponse): Promise<boolean>;
  /** The page served by the `captcha` fault. */
  readonly captchaHtml: string;
  /** clist field values set by a test, by code (see `ReplayServer.setListFields`); not recorded data. */
  readonly listFields?: ReadonlyMap<string, Readonly<Record<string, number | string>>>;
  /**
   * Moving quotes: the step of this secid's next quote (0, 1, 2, …), advancing its cursor; undefined
   * when quotes are static (the default).
   */
  quoteStep?(secid: string): number | undefined;
}

const ALL_FIELDS = [
  "f2",
  "f3",
  "f4",
  "f5",
  "f6",
  "f8",
  "f12",
  "f13",
  "f14",
  "f15",
  "f16",
  "f17",
  "f18",
  "f124",
] as const;
const JSONP_RE = /^[A-Za-z_$][\w$.]*$/;
/** Eastmoney market ids of Hong Kong instruments (stocks 116; indices 100, 124, 125, 305), which close at 16:00. */
const HK_MARKET_IDS: ReadonlySet<number> = new Set([116, 100, 124, 125, 305]);

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": bytes.length });
  res.end(bytes);
}

/** `"-"` stays `"-"`; anything else becomes a number. */
function cell(text: string | undefined): number | "-" {
  return text === undefined || text === "-" || text === "" ? "-" : Number(text);
}

/** The dataset a quote is taken from: unadjusted when recorded, else qfq. */
function datasetFor(store: FixtureStore, secid: string): Dataset | undefined {
  return store.get(datasetKey(secid, "0")) ?? store.get(datasetKey(secid, "1"));
}

/**
 * One `diff` row for a dataset's served bar at `index` (the last one for static quotes), or undefined if
 * there is no such bar.
 */
function quoteRow(dataset: Dataset, bars: readonly Bar[], index: number): Record<string, number | string> | undefined {
  const last = bars[index];
  if (!last) return undefined;
  const previous = index > 0 ? bars[index - 1] : undefined;
  // date, open, close, high, low, volume, amount, amplitude, pct, change, turnover (f51..f61)
  const f = last.kline.split(",");
  const close = last.close;
  const prev = previous?.close;
  const closeTime = HK_MARKET_IDS.has(dataset.market) ? "16:00" : "15:00";
  return {
    f2: close,
    f3: prev ? Number((((close - prev) / prev) * 100).toFixed(2)) : "-",
    f4: prev !== undefined ? Number((close - prev).toFixed(dataset.decimal)) : "-",
    f5: cell(f[5]),
    f6: cell(f[6]),
    f8: cell(f[10]),
    f12: dataset.code,
    f13: dataset.market,
    f14: dataset.name,
    f15: cell(f[3]),
    f16: cell(f[4]),
    f17: cell(f[1]),
    f18: prev ?? "-",
    f124: Date.parse(`${last.date}T${closeTime}:00+08:00`) / 1000,
  };
}

/** Answer one `GET /api/qt/ulist.np/get` request. Never rejects. */
export async function handleUlist(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: QuoteReplayContext,
): Promise<void> {
  try {
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
      return;
    }
    const query: Record<string, string> = Object.fromEntries(url.searchParams);
    const secids = (query.secids ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    ctx.log({ at: Date.now(), path: url.pathname, query });
    const fault = ctx.takeFault(secids);
    if (!(await ctx.wait(fault?.kind === "slow" ? fault.delayMs : 0, res))) return;

    if (fault?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "http500") {
      send(res, 500, "text/plain; charset=utf-8", "500 Internal Server Error\n");
      return;
    }
    if (fault?.kind === "captcha") {
      send(res, 200, "text/html; charset=utf-8", ctx.captchaHtml);
      return;
    }

    const wanted = query.fields ? new Set(query.fields.split(",")) : new Set<string>(ALL_FIELDS);
    const rows: Array<Record<string, number | string>> = [];
    // data-null sends no rows, so it does not advance moving quotes' cursors
    for (const secid of fault?.kind === "data-null" ? [] : secids) {
      const dataset = datasetFor(ctx.store, secid);
      const bars = dataset ? ctx.bars(dataset) : [];
      if (!dataset || bars.length === 0) continue;
      const row = quoteRow(dataset, bars, movingQuoteIndex(bars.length, ctx.quoteStep?.(dataset.secid)));
      if (row) rows.push(Object.fromEntries(Object.entries(row).filter(([key]) => wanted.has(key))));
    }
    if (fault?.kind === "bad-row" && rows.length > 0) rows[rows.length - 1] = { ...rows.at(-1), f2: "1,466.00" };
    const diff =
      query.np === undefined || query.np === "1" ? rows : Object.fromEntries(rows.map((row, i) => [String(i), row]));
    const data = fault?.kind === "data-null" || rows.length === 0 ? null : { total: rows.length, diff };
    let body = JSON.stringify({ rc: 0, rt: 11, svr: 181216340, lt: 1, full: 1, dlmkts: "", data });
    if (fault?.kind === "malformed") body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
    const callback = query.cb !== undefined && JSONP_RE.test(query.cb) ? query.cb : undefined;
    if (callback !== undefined) send(res, 200, "application/javascript; charset=utf-8", `${callback}(${body});`);
    else send(res, 200, "application/json; charset=utf-8", body);
  } catch (error) {
    send(res, 500, "text/plain; charset=utf-8", `replay error: ${String(error)}\n`);
  }
}
