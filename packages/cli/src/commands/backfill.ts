/**
 * `quantdb backfill`: warm the cache for many symbols through the same history service as the API.
 * The service fetches only the sessions not held (coverage spans), stores each fetched span
 * atomically and marks it held, so an interrupted backfill resumes where it stopped and never
 * refetches a held span. Symbols run one after another: the upstream policy's rate budget applies
 * to every call as it does for the API. While a QuantDB server holds the embedded data directory,
 * the same loop asks that server (its history and stock-list endpoints, as its local admin), which
 * then fetches and stores exactly as it would for any client.
 */
import { parseDateParam } from "@quantdb/core/params";
import { parseAdjust } from "@quantdb/core/history";
import { LIST_MARKETS, type ListMarket } from "@quantdb/core/lists";
import { calendarFor } from "@quantdb/core/calendar";
import { localTime } from "@quantdb/core/dates";
import { instrumentKey } from "@quantdb/core/markets";
import { parseStockSymbol, type StockSymbol } from "@quantdb/core/symbols";
import type { Command } from "commander";
import { CliError, type Output } from "../output.ts";
import { createProgress, type ProgressState } from "../progress.ts";
import { loadEnv } from "@quantdb/server/env";
import type { Clock } from "@quantdb/core/clock";
import type { Adjust } from "@quantdb/core/history";
import type { StockListEntry } from "@quantdb/core/lists";
import { clockFromEnv, openDatabaseOrServer, systemOn } from "../system.ts";
import { callServer, throughServerNote, type RunningServer } from "../remote.ts";

interface BackfillOptions {
  symbols?: string;
  list?: string;
  from: string;
  to?: string;
  adjust?: string;
}

function splitList(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** What a backfill asks for: from the services over the database, or from the server that holds it. */
interface BackfillBackend {
  /** "database pglite /…" or "server http://…". */
  label: string;
  clock: Clock;
  stockList(
    market: ListMarket,
  ): Promise<{ total: number; snapshotDate: string; stale: boolean; stocks: Pick<StockListEntry, "symbol">[] }>;
  dailyBars(
    symbol: StockSymbol,
    adjust: Adjust,
    start: string,
    end: string,
    signal: AbortSignal,
  ): Promise<{ bars: number; upstreamRequests: number; hit: boolean }>;
  close(): Promise<void>;
}

/** The backfill asks the running server: its history endpoint stores what it fetches, as for any client. */
function serverBackend(server: RunningServer, clock: Clock): BackfillBackend {
  return {
    label: `server ${server.url} (pid ${server.holder.pid})`,
    clock,
    async stockList(market) {
      const list = await callServer<{
        total: number;
        snapshot_date: string;
        stale: boolean;
        stocks: { symbol: string }[];
      }>(server, "GET", `/api/v1/stocks/list?market=${market}`);
      return { total: list.total, snapshotDate: list.snapshot_date, stale: list.stale, stocks: list.stocks };
    },
    async dailyBars(symbol, adjust, start, end, signal) {
      const query = new URLSearchParams({ start_date: start, end_date: end, adjust });
      const answer = await callServer<{
        metadata: { count: number; cache: { hit: boolean; upstream_requests: number } };
      }>(server, "GET", `/api/v1/historical/stock/${symbol.code}.${symbol.market}?${query}`, { signal });
      return {
        bars: answer.metadata.count,
        upstreamRequests: answer.metadata.cache.upstream_requests,
        hit: answer.metadata.cache.hit,
      };
    },
    close: async () => {},
  };
}

async function resolveSymbols(backend: BackfillBackend, options: BackfillOptions, out: Output): Promise<StockSymbol[]> {
  if (options.symbols && options.list) throw new CliError("give either --symbols or --list, not both");
  if (options.symbols) {
    const seen = new Map<string, StockSymbol>();
    for (const text of splitList(options.symbols)) {
      try {
        const symbol = parseStockSymbol(text);
        seen.set(instrumentKey(symbol), symbol);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
    }
    return [...seen.values()];
  }
  if (!options.list) throw new CliError("give --symbols 600519,00700 or --list SH,SZ,HK");
  const symbols: StockSymbol[] = [];
  for (const market of splitList(options.list).map((m) => m.toUpperCase())) {
    if (!(LIST_MARKETS as readonly string[]).includes(market))
      throw new CliError(`unknown market '${market}' in --list: expected ${LIST_MARKETS.join(", ")}`);
    const list = await backend.stockList(market as ListMarket);
    out.info(`${market}: ${list.total} stocks (snapshot ${list.snapshotDate}${list.stale ? ", stale" : ""})`);
    for (const entry of list.stocks) {
      try {
        symbols.push(parseStockSymbol(`${entry.symbol}.${market}`));
      } catch {
        // funds or other non-stock codes in a list: skipped
      }
    }
  }
  return symbols;
}

/** Register `backfill`. */
export function registerBackfill(program: Command, out: Output): void {
  program
    .command("backfill")
    .description("fill coverage gaps for many symbols (resumable: held spans are never refetched)")
    .option("--symbols <list>", "comma-separated symbols, e.g. 600519,000001,00700")
    .option("--list <markets>", "every stock of these markets' stock lists, e.g. SH,SZ,HK")
    .requiredOption("--from <date>", "first date, YYYY-MM-DD or YYYYMMDD")
    .option("--to <date>", "last date (default: today on each exchange)")
    .option("--adjust <adjust>", '"" (unadjusted, default), qfq or hfq', "")
    .action(async (options: BackfillOptions) => {
      let from: string;
      let to: string | undefined;
      let adjust: ReturnType<typeof parseAdjust>;
      try {
        from = parseDateParam("from", options.from);
        to = options.to ? parseDateParam("to", options.to) : undefined;
        adjust = parseAdjust(options.adjust);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      if (to && from > to) throw new CliError(`--from ${from} is after --to ${to}`);

      const env = loadEnv();
      const opened = await openDatabaseOrServer(env, "quantdb backfill");
      let backend: BackfillBackend;
      if (opened.server) {
        out.info(throughServerNote(opened.server));
        backend = serverBackend(opened.server, clockFromEnv(env));
      } else {
        const system = await systemOn(env, opened.database);
        backend = {
          label: `database ${system.database.driver} ${system.database.location}`,
          clock: system.clock,
          stockList: (market) =>
            system.services.lists.stockList.getStockList({ market, q: undefined, limit: undefined, offset: 0 }),
          async dailyBars(symbol, adjust, start, end, signal) {
            const result = await system.services.history.getDailyBars({ symbol, adjust, start, end }, { signal });
            return {
              bars: result.bars.length,
              upstreamRequests: result.cache.upstream_requests,
              hit: result.cache.hit,
            };
          },
          close: () => system.close(),
        };
      }
      const abort = new AbortController();
      let interrupted = false;
      const onSignal = (signal: NodeJS.Signals) => {
        interrupted = true;
        out.info(`\n${signal}: stopping; spans already fetched stay held, run the same command again to resume`);
        abort.abort();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const symbols = await resolveSymbols(backend, options, out);
        out.info(
          `backfill ${symbols.length} symbol(s) ${from} → ${to ?? "today"}${adjust ? ` (${adjust})` : ""}; ` +
            `${backend.label}`,
        );
        const state: ProgressState = { done: 0, total: symbols.length, bars: 0, calls: 0, failed: 0 };
        const progress = createProgress(symbols.length, out.interactive, (line) => out.line(line));
        const failures: string[] = [];
        for (const symbol of symbols) {
          if (interrupted) break;
          const end = to ?? localTime(backend.clock.now(), calendarFor(symbol.market).timeZone).date;
          const label = `${symbol.code}.${symbol.market}`;
          let detail: string;
          try {
            if (from > end) throw new CliError(`--from ${from} is after today (${end})`);
            const result = await backend.dailyBars(symbol, adjust, from, end, abort.signal);
            state.bars += result.bars;
            state.calls += result.upstreamRequests;
            detail = `${result.bars} bars, ${result.upstreamRequests} upstream call(s)${result.hit ? " (held)" : ""}`;
          } catch (error) {
            if (interrupted) break;
            state.failed++;
            const e = error as { code?: string; message: string };
            detail = `FAILED ${e.code ?? "ERROR"}: ${e.message}`;
            failures.push(`${label}: ${detail}`);
          }
          state.done++;
          progress.step(state, label, detail);
        }
        progress.stop();
        out.info(
          `${interrupted ? "interrupted" : "done"}: ${state.done}/${state.total} symbols, ${state.bars} bars, ` +
            `${state.calls} upstream calls, ${state.failed} failed`,
        );
        for (const failure of failures) out.info(`  ${failure}`);
        if (interrupted) throw new CliError("interrupted", 130);
        if (state.failed > 0)
          throw new CliError(`${state.failed} symbol(s) failed; run the same command again to retry them`);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await backend.close();
      }
    });
}
