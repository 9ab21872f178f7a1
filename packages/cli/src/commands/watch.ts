/**
 * `quantdb watch 600519 00700 binance:BTC/USDT`: live quotes and market status from
 * `GET /api/v1/stream/quotes` (issue 19) through the SDK's `streamQuotes`, until interrupted (SIGINT or
 * SIGTERM: exit 0). From `--url` (or QUANTDB_API_URL), a QuantDB server; else the server that holds the
 * embedded data directory, if one runs (as its local admin, see remote.ts); else the API app in this process
 * over the configured database, as the embedded mode does it (with QUANTDB_UPSTREAM=replay the recorded
 * quotes move, as for `quantdb serve`). On a terminal the table is redrawn in place; otherwise each event is
 * one tab-separated line, for pipes and logs.
 */
import {
  createClient,
  QuantDbApiError,
  type MarketStatus,
  type QuantDbClient,
  type QuoteStreamEvent,
  type StreamQuote,
} from "@quantdb/sdk";
import { loadEnv } from "@quantdb/server/env";
import { Option, type Command } from "commander";
import { CliError, displayWidth, type Output } from "../output.ts";
import { throughServerNote } from "../remote.ts";
import { openDatabaseOrServer, systemOn } from "../system.ts";

interface WatchOptions {
  url?: string;
  apiKey?: string;
}

/** Where the events come from, and how to let go of it. */
interface Source {
  client: QuantDbClient;
  /** What the first note names. */
  label: string;
  close(): Promise<void>;
}

/** A symbol's row: its latest quote, or that upstream does not know it. */
interface Row {
  symbol: string;
  quote?: StreamQuote;
  unknown?: boolean;
}

const HEADER = ["symbol", "name", "price", "change", "pct_change", "volume", "amount", "time"];
/** Columns aligned right on a terminal (numbers). */
const NUMERIC = new Set([2, 3, 4, 5, 6]);
/** Shortest pause between two redraws of the table, ms (a snapshot of many symbols arrives at once). */
const REDRAW_MS = 100;

const plain = (value: number | null): string => (value === null ? "-" : String(value));
const signed = (value: number | null): string => (value === null ? "-" : `${value > 0 ? "+" : ""}${value}`);
const percent = (value: number | null): string =>
  value === null ? "-" : `${value > 0 ? "+" : ""}${value.toFixed(2)}%`;

/** A quote's cells, in {@link HEADER}'s order. */
function quoteCells(q: StreamQuote): string[] {
  return [
    q.symbol,
    q.name ?? "-",
    plain(q.price),
    signed(q.change),
    percent(q.pct_change),
    plain(q.volume),
    plain(q.amount),
    q.time ?? "-",
  ];
}

/** A market's state in words: `CN open`, `HK closed (next open 2026-11-23T09:30:00+08:00)`. */
function statusText(s: MarketStatus): string {
  return (
    `${s.market} ${s.state}` + (s.next_open ? ` (next open ${s.next_open})` : "") + (s.reason ? `: ${s.reason}` : "")
  );
}

/** One event as one tab-separated line: `quote` and the table's columns, `status` or `error`. */
function eventLine(event: QuoteStreamEvent): string {
  if (event.event === "quote") return ["quote", ...quoteCells(event.data)].join("\t");
  if (event.event === "status") {
    const { market, state, next_open, reason } = event.data;
    return ["status", market, state, next_open ?? "-", ...(reason ? [reason] : [])].join("\t");
  }
  return ["error", event.data.symbol, event.data.code, event.data.message].join("\t");
}

/** `text` cut to `width` terminal columns (wide characters count two). */
function fit(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = "";
  for (const char of text) {
    if (displayWidth(out + char) > width - 1) break;
    out += char;
  }
  return `${out}…`;
}

/**
 * The terminal view: a header, one row per symbol (in the order of their first event), a blank line and the
 * markets' states (and `note`, e.g. a reconnect), each line cut to `width` columns.
 */
export function renderTable(
  rows: readonly Row[],
  statuses: readonly MarketStatus[],
  note: string | undefined,
  width: number,
): string[] {
  const table = [
    HEADER,
    ...rows.map((row) =>
      row.quote
        ? quoteCells(row.quote)
        : [row.symbol, row.unknown ? "unknown symbol" : "…", "-", "-", "-", "-", "-", "-"],
    ),
  ];
  const widths = HEADER.map((_, i) => Math.max(...table.map((cells) => displayWidth(cells[i]!))));
  const pad = (text: string, i: number) => {
    const space = " ".repeat(widths[i]! - displayWidth(text));
    return NUMERIC.has(i) ? space + text : text + space;
  };
  const status = [statuses.map(statusText).join(" · ") || "waiting for the stream…", ...(note ? [note] : [])];
  return [...table.map((cells) => cells.map(pad).join("  ").trimEnd()), "", status.join(" · ")].map((line) =>
    fit(line, width),
  );
}

/** Redraws the view in place on a terminal: cursor up over the last drawing, clear to the end, write. */
function terminalView(stream: NodeJS.WriteStream) {
  let drawn = 0;
  stream.write("\x1b[?25l"); // hide the cursor while the table updates
  return {
    draw(lines: string[]) {
      stream.write(`${drawn > 0 ? `\x1b[${drawn}A` : ""}\r\x1b[J${lines.join("\n")}\n`);
      drawn = lines.length;
    },
    close() {
      stream.write("\x1b[?25h");
    },
  };
}

/**
 * The stream's source: a server at `--url`, the server holding the data directory, or the API app in process.
 * @throws {CliError} for a bad URL or API key, or when another process that is not a server holds the data directory.
 */
async function openSource(options: WatchOptions, out: Output): Promise<Source> {
  const client = (baseUrl: string, apiKey?: string, fetch?: (request: Request) => Promise<Response> | Response) => {
    try {
      return createClient({ baseUrl, apiKey, fetch, ...(fetch ? { retries: 0 } : {}) });
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  };
  if (options.url !== undefined)
    return { client: client(options.url, options.apiKey), label: options.url, close: async () => {} };
  const env = loadEnv();
  const opened = await openDatabaseOrServer(env, "quantdb watch");
  if (opened.server) {
    out.info(throughServerNote(opened.server));
    const { url, adminToken } = opened.server;
    return { client: client(url, adminToken), label: url, close: async () => {} };
  }
  const system = await systemOn(env, opened.database, { movingQuotes: true });
  // As @quantdb/embedded does it: each request goes straight to the API app, no socket.
  return {
    client: client("http://quantdb.cli", undefined, (request) => system.app.fetch(request)),
    label: `in process, ${opened.database.driver} ${opened.database.location}`,
    async close() {
      // Closing the system closes the quote hub, which lets a poll in flight finish (bounded) before the
      // upstream and the database close.
      await system.close();
    },
  };
}

/** Register `watch`. */
export function registerWatch(program: Command, out: Output): void {
  program
    .command("watch")
    .description(
      "live quotes and market status (GET /api/v1/stream/quotes) until Ctrl-C: a table redrawn in place on a " +
        "terminal, one tab-separated line per event otherwise (quote, symbol, name, price, change, pct_change, " +
        "volume, amount, time; status, market, state, next_open)",
    )
    .argument("<symbols...>", "stock codes in any form (600519, 00700, 0700.HK) and crypto pairs (binance:BTC/USDT)")
    .addOption(
      new Option("--url <url>", "a QuantDB server (default: the one holding the data directory, else in process)").env(
        "QUANTDB_API_URL",
      ),
    )
    .addOption(new Option("--api-key <key>", "API key for --url").env("QUANTDB_API_KEY"))
    .action(async (args: string[], options: WatchOptions) => {
      const symbols = args.flatMap((arg) => arg.split(",")).filter((s) => s.trim() !== "");
      if (symbols.length === 0) throw new CliError("name at least one symbol, e.g. quantdb watch 600519");
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      let source: Source | undefined;
      const view = out.interactive ? terminalView(process.stdout) : undefined;
      try {
        source = await openSource(options, out);
        out.info(`watching ${symbols.length} symbol(s) (${source.label}); Ctrl-C to stop`);
        const rows = new Map<string, Row>();
        const statuses = new Map<string, MarketStatus>();
        let note: string | undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const draw = () => {
          timer = undefined;
          view?.draw(renderTable([...rows.values()], [...statuses.values()], note, process.stdout.columns || 120));
        };
        const events = source.client.streamQuotes(symbols, {
          signal: controller.signal,
          onReconnect({ attempt, delayMs, error }) {
            note = `${error.message}; reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt})`;
            if (view) draw();
            else out.info(note);
          },
        });
        for await (const event of events) {
          if (!view) {
            out.line(eventLine(event));
            continue;
          }
          note = undefined;
          if (event.event === "status") statuses.set(event.data.market, event.data);
          else if (event.event === "quote")
            rows.set(event.data.symbol, { symbol: event.data.symbol, quote: event.data });
          else rows.set(event.data.symbol, { symbol: event.data.symbol, unknown: true });
          timer ??= setTimeout(draw, REDRAW_MS);
        }
        clearTimeout(timer);
        if (view && (rows.size > 0 || statuses.size > 0)) draw();
      } catch (error) {
        if (error instanceof QuantDbApiError) throw new CliError(`${error.code}: ${error.message}`);
        throw error;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        view?.close();
        await source?.close();
      }
    });
}
