/**
 * `quantdb backfill`: warm the cache for many symbols through the same history service as the API.
 * The service fetches only the sessions not held (coverage spans), stores each fetched span
 * atomically and marks it held, so an interrupted backfill resumes where it stopped and never
 * refetches a held span. Symbols run one after another: the upstream policy's rate budget applies
 * to every call as it does for the API. While a QuantDB server holds the embedded data directory,
 * the same loop asks that server (its history and stock-list endpoints, as its local admin), which
 * then fetches and stores exactly as it would for any client. Crypto pairs (`binance:BTC/USDT`) go
 * through the crypto service (or the server's crypto history endpoint) the same way, per `--timeframe`.
 */
import { parseDateParam } from "@quantdb/core/params";
import { parseAdjust } from "@quantdb/core/history";
import { LIST_MARKETS, type ListMarket } from "@quantdb/core/lists";
import { calendarFor } from "@quantdb/core/calendar";
import { localTime } from "@quantdb/core/dates";
import { instrumentKey } from "@quantdb/core/markets";
import { parseStockSymbol, type StockSymbol } from "@quantdb/core/symbols";
import {
  formatCryptoSymbol,
  looksLikeCryptoSymbol,
  pairPath,
  parseCryptoSymbol,
  parseTimeframe,
  type CryptoPair,
  type Timeframe,
} from "@quantdb/core/crypto";
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
  timeframe?: string;
}

/** One thing to backfill: a stock (daily bars per `--adjust`) or a crypto pair (bars per `--timeframe`). */
type Target = { kind: "stock"; symbol: StockSymbol } | { kind: "crypto"; pair: CryptoPair };

/** What one backfilled series reports. */
interface Filled {
  bars: number;
  upstreamRequests: number;
  hit: boolean;
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
  dailyBars(symbol: StockSymbol, adjust: Adjust, start: string, end: string, signal: AbortSignal): Promise<Filled>;
  /** Bars of a crypto pair over UTC days `start`..`end`. */
  cryptoBars(pair: CryptoPair, timeframe: Timeframe, start: string, end: string, signal: AbortSignal): Promise<Filled>;
  close(): Promise<void>;
}

/** What a history answer's metadata says about one backfilled series. */
interface HistoryAnswer {
  metadata: { count: number; cache: { hit: boolean; upstream_requests: number } };
}

const filledOf = (answer: HistoryAnswer): Filled => ({
  bars: answer.metadata.count,
  upstreamRequests: answer.metadata.cache.upstream_requests,
  hit: answer.metadata.cache.hit,
});

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
      const path = `/api/v1/historical/stock/${symbol.code}.${symbol.market}?${query}`;
      return filledOf(await callServer<HistoryAnswer>(server, "GET", path, { signal }));
    },
    async cryptoBars(pair, timeframe, start, end, signal) {
      const query = new URLSearchParams({ start_date: start, end_date: end, timeframe });
      const path = `/api/v1/historical/crypto/${pair.exchange}/${encodeURIComponent(pairPath(pair))}?${query}`;
      return filledOf(await callServer<HistoryAnswer>(server, "GET", path, { signal }));
    },
    close: async () => {},
  };
}

/** The targets `--symbols` names (stocks and crypto pairs, duplicates once), in order. */
function parseTargets(text: string): Target[] {
  const seen = new Map<string, Target>();
  for (const item of splitList(text)) {
    try {
      if (looksLikeCryptoSymbol(item)) {
        const pair = parseCryptoSymbol(item);
        seen.set(`crypto:${formatCryptoSymbol(pair)}`, { kind: "crypto", pair });
      } else {
        const symbol = parseStockSymbol(item);
        seen.set(instrumentKey(symbol), { kind: "stock", symbol });
      }
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
  return [...seen.values()];
}

async function resolveSymbols(backend: BackfillBackend, options: BackfillOptions, out: Output): Promise<Target[]> {
  if (options.symbols && options.list) throw new CliError("give either --symbols or --list, not both");
  if (options.symbols) return parseTargets(options.symbols);
  if (!options.list) throw new CliError("give --symbols 600519,00700,binance:BTC/USDT or --list SH,SZ,HK");
  const symbols: Target[] = [];
  for (const market of splitList(options.list).map((m) => m.toUpperCase())) {
    if (!(LIST_MARKETS as readonly string[]).includes(market))
      throw new CliError(`unknown market '${market}' in --list: expected ${LIST_MARKETS.join(", ")}`);
    const list = await backend.stockList(market as ListMarket);
    out.info(`${market}: ${list.total} stocks (snapshot ${list.snapshotDate}${list.stale ? ", stale" : ""})`);
    for (const entry of list.stocks) {
      try {
        symbols.push({ kind: "stock", symbol: parseStockSymbol(`${entry.symbol}.${market}`) });
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
    .option(
      "--symbols <list>",
      "comma-separated symbols: stocks and crypto pairs (exchange:BASE/QUOTE), e.g. 600519,00700,binance:BTC/USDT",
    )
    .option("--list <markets>", "every stock of these markets' stock lists, e.g. SH,SZ,HK")
    .requiredOption("--from <date>", "first date, YYYY-MM-DD or YYYYMMDD (a UTC day for crypto pairs)")
    .option("--to <date>", "last date (default: today on each exchange; UTC for crypto pairs)")
    .option("--adjust <adjust>", '"" (unadjusted, default), qfq or hfq (stocks)', "")
    .option("--timeframe <timeframe>", "bars of crypto pairs: 1d (default) or 1h")
    .action(async (options: BackfillOptions) => {
      let from: string;
      let to: string | undefined;
      let adjust: ReturnType<typeof parseAdjust>;
      let timeframe: Timeframe;
      try {
        from = parseDateParam("from", options.from);
        to = options.to ? parseDateParam("to", options.to) : undefined;
        adjust = parseAdjust(options.adjust);
        timeframe = parseTimeframe(options.timeframe);
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
          async cryptoBars(pair, timeframe, start, end, signal) {
            const { crypto } = system.services;
            const query = crypto.parseQuery({
              exchange: pair.exchange,
              pair: pairPath(pair),
              start_date: start,
              end_date: end,
              timeframe,
            });
            const result = await crypto.getBars(query, { signal });
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
        const pairs = symbols.filter((t) => t.kind === "crypto").length;
        if (options.timeframe !== undefined && pairs === 0)
          throw new CliError("--timeframe applies to crypto pairs (exchange:BASE/QUOTE) only");
        const settings = [...(adjust ? [adjust] : []), ...(pairs > 0 ? [`crypto ${timeframe}`] : [])];
        out.info(
          `backfill ${symbols.length} symbol(s) ${from} → ${to ?? "today"}` +
            `${settings.length > 0 ? ` (${settings.join(", ")})` : ""}; ${backend.label}`,
        );
        const state: ProgressState = { done: 0, total: symbols.length, bars: 0, calls: 0, failed: 0 };
        const progress = createProgress(symbols.length, out.interactive, (line) => out.line(line));
        const failures: string[] = [];
        for (const target of symbols) {
          if (interrupted) break;
          const timeZone = target.kind === "crypto" ? "UTC" : calendarFor(target.symbol.market).timeZone;
          const end = to ?? localTime(backend.clock.now(), timeZone).date;
          const label =
            target.kind === "crypto"
              ? formatCryptoSymbol(target.pair)
              : `${target.symbol.code}.${target.symbol.market}`;
          let detail: string;
          try {
            if (from > end) throw new CliError(`--from ${from} is after today (${end})`);
            const result =
              target.kind === "crypto"
                ? await backend.cryptoBars(target.pair, timeframe, from, end, abort.signal)
                : await backend.dailyBars(target.symbol, adjust, from, end, abort.signal);
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
