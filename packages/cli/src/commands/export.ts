/**
 * `quantdb export`: write exactly what the API serves for the same parameters (the same history
 * service call, so gaps are fetched and cached as for a request) to CSV, Parquet or Arrow IPC.
 * Stocks and indices in QuantDB's CSV layout; crypto pairs (`binance:BTC/USDT`) in the crypto layout
 * (the pair, then the crypto history endpoint's bar fields).
 */
import { writeFileSync } from "node:fs";
import {
  isoTime,
  looksLikeCryptoSymbol,
  parseCryptoSymbol,
  pairPath,
  utcDate,
  type CryptoHistoryResult,
} from "@quantdb/core/crypto";
import { parseHistoryQuery, type HistoryResult } from "@quantdb/core/history";
import { QUANTDB_CSV_HEADER } from "@quantdb/core/ingest";
import { Bool, Float64, Table, Utf8, tableToIPC, vectorFromArray, type Vector } from "apache-arrow";
import type { Command } from "commander";
import { stringify } from "csv-stringify/sync";
import { CliError, type Output } from "../output.ts";
import { loadEnv } from "@quantdb/server/env";
import { openSystem } from "../system.ts";

/** Output formats. */
export const EXPORT_FORMATS = ["csv", "parquet", "arrow"] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Columns of a crypto export: the pair (`BTC/USDT`), its exchange and the timeframe, then the bar
 * fields of `GET /api/v1/historical/crypto/{exchange}/{pair}` (times UTC, prices and amount in the
 * quote currency, volume in the base currency).
 */
const CRYPTO_EXPORT_HEADER = [
  "symbol",
  "exchange",
  "timeframe",
  "date",
  "time",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "amount",
  "provisional",
] as const;

type Cell = string | number | boolean | null;

/** One exported row: the API's bar plus which series it belongs to (QuantDB's CSV layout). */
export type ExportRow = Record<(typeof QUANTDB_CSV_HEADER)[number], Cell>;
/** One exported crypto row. */
type CryptoExportRow = Record<(typeof CRYPTO_EXPORT_HEADER)[number], Cell>;

function rowsOf(result: HistoryResult): ExportRow[] {
  return result.bars.map((bar) => ({
    symbol: result.symbol.code,
    market: result.symbol.market,
    adjust: result.adjust,
    date: bar.date,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    amount: bar.amount,
    amplitude: bar.amplitude,
    pct_change: bar.pct_change,
    change: bar.change,
    turnover_rate: bar.turnover_rate,
    provisional: bar.provisional,
    partial: bar.partial,
  }));
}

function cryptoRowsOf(result: CryptoHistoryResult): CryptoExportRow[] {
  return result.bars.map((bar) => ({
    symbol: result.pair.symbol,
    exchange: result.pair.exchange,
    timeframe: result.timeframe,
    date: utcDate(bar.time),
    time: isoTime(bar.time),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    amount: bar.amount,
    provisional: bar.provisional,
  }));
}

const STRING_COLUMNS = new Set(["symbol", "market", "adjust", "date", "exchange", "timeframe", "time"]);

/**
 * The rows as an Arrow table: strings as Utf8, prices and counts as Float64 (nullable), provisional and partial as
 * Bool.
 * @param names - the columns, in order: QuantDB's CSV layout (default) or the crypto layout.
 */
export function arrowTable(
  rows: readonly Record<string, Cell>[],
  names: readonly string[] = QUANTDB_CSV_HEADER,
): Table {
  const columns: Record<string, Vector> = {};
  for (const name of names) {
    const values = rows.map((row) => row[name]);
    const type = STRING_COLUMNS.has(name)
      ? new Utf8()
      : name === "provisional" || name === "partial"
        ? new Bool()
        : new Float64();
    columns[name] = vectorFromArray(values as never[], type as never) as Vector;
  }
  return new Table(columns);
}

async function encode(
  format: ExportFormat,
  rows: readonly Record<string, Cell>[],
  columns: readonly string[],
): Promise<Uint8Array | string> {
  if (format === "csv") {
    return stringify(rows as Record<string, Cell>[], {
      header: true,
      columns: [...columns],
      cast: { boolean: (v) => (v ? "true" : "false") },
    });
  }
  const ipc = tableToIPC(arrowTable(rows, columns), format === "arrow" ? "file" : "stream");
  if (format === "arrow") return ipc;
  const parquet = await import("parquet-wasm");
  const table = parquet.Table.fromIPCStream(ipc);
  return parquet.writeParquet(table);
}

/** One layout's series: how a symbol becomes a query, whose bars are read and turned into rows. */
interface Series<Q, R extends { cache: { upstream_requests: number } }> {
  /** What one symbol is called in the summary line: `symbol` or `pair`. */
  noun: string;
  /** The layout's columns, in order. */
  columns: readonly string[];
  /** The query of a symbol; throws for a symbol or range the API would refuse. */
  parse(symbol: string): Q;
  /** The bars, through the same service call as the API's. */
  getBars(query: Q): Promise<R>;
  rowsOf(result: R): Record<string, Cell>[];
}

/**
 * Export `symbols` of one layout: every query is parsed before any bar is read (a bad symbol is a
 * {@link CliError}), then the series are read one after the other and written to `target.path`.
 */
async function exportSeries<Q, R extends { cache: { upstream_requests: number } }>(
  series: Series<Q, R>,
  symbols: readonly string[],
  target: { format: ExportFormat; path: string },
  out: Output,
): Promise<void> {
  const queries = symbols.map((symbol) => {
    try {
      return series.parse(symbol);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  });
  const rows: Record<string, Cell>[] = [];
  let calls = 0;
  for (const query of queries) {
    const result = await series.getBars(query);
    calls += result.cache.upstream_requests;
    rows.push(...series.rowsOf(result));
  }
  writeFileSync(target.path, await encode(target.format, rows, series.columns));
  out.info(
    `wrote ${rows.length} rows of ${queries.length} ${series.noun}(s) to ${target.path} (${target.format}; ` +
      `${calls} upstream call(s))`,
  );
}

/** Register `export`. */
export function registerExport(program: Command, out: Output): void {
  program
    .command("export")
    .description("write bars exactly as the API serves them to CSV, Parquet or Arrow")
    .requiredOption(
      "--symbols <list>",
      "comma-separated symbols, e.g. 600519,00700, or crypto pairs, e.g. binance:BTC/USDT,binance:ETH/USDT",
    )
    .requiredOption("--from <date>", "first date, YYYY-MM-DD or YYYYMMDD (a UTC day for crypto pairs)")
    .requiredOption("--to <date>", "last date")
    .option("--adjust <adjust>", '"" (unadjusted, default), qfq or hfq (stocks)', "")
    .option("--period <period>", "daily (default), weekly or monthly (stocks and indices)", "daily")
    .option("--index", "the symbols are indices (e.g. 000300), not stocks")
    .option("--timeframe <timeframe>", "bars of crypto pairs: 1d (default) or 1h")
    .requiredOption("--format <format>", "csv, parquet or arrow")
    .requiredOption("--out <path>", "file to write")
    .action(
      async (options: {
        symbols: string;
        from: string;
        to: string;
        adjust: string;
        period: string;
        index?: boolean;
        timeframe?: string;
        format: string;
        out: string;
      }) => {
        if (!(EXPORT_FORMATS as readonly string[]).includes(options.format))
          throw new CliError(`--format must be csv, parquet or arrow, not '${options.format}'`);
        const symbols = options.symbols.split(/[,\s]+/).filter(Boolean);
        if (symbols.length === 0) throw new CliError("--symbols is empty");
        const pairs = symbols.filter((symbol) => looksLikeCryptoSymbol(symbol)).length;
        if (pairs > 0 && pairs < symbols.length)
          throw new CliError(
            "--symbols mixes crypto pairs and stocks: export them to separate files (one layout each)",
          );
        if (pairs > 0 && (options.index || options.adjust !== "" || options.period !== "daily"))
          throw new CliError(
            "--index, --adjust and --period apply to stocks and indices; crypto pairs take --timeframe",
          );
        if (pairs === 0 && options.timeframe !== undefined)
          throw new CliError("--timeframe applies to crypto pairs (exchange:BASE/QUOTE) only");
        const system = await openSystem(loadEnv(), {
          owner: "quantdb export",
          whatToDo:
            "stop it first, or read through its API while it runs (GET /api/v1/historical/stock/{symbol}?format=csv, " +
            "GET /api/v1/historical/crypto/{exchange}/{BASE-QUOTE}?format=csv)",
        });
        const target = { format: options.format as ExportFormat, path: options.out };
        try {
          if (pairs > 0) {
            await exportSeries(
              {
                noun: "pair",
                columns: CRYPTO_EXPORT_HEADER,
                parse: (symbol) => {
                  const pair = parseCryptoSymbol(symbol);
                  return system.services.crypto.parseQuery({
                    exchange: pair.exchange,
                    pair: pairPath(pair),
                    start_date: options.from,
                    end_date: options.to,
                    timeframe: options.timeframe,
                  });
                },
                getBars: (query) => system.services.crypto.getBars(query),
                rowsOf: cryptoRowsOf,
              },
              symbols,
              target,
              out,
            );
            return;
          }
          await exportSeries(
            {
              noun: "symbol",
              columns: QUANTDB_CSV_HEADER,
              parse: (symbol) =>
                parseHistoryQuery(
                  {
                    symbol,
                    kind: options.index ? "index" : "stock",
                    start_date: options.from,
                    end_date: options.to,
                    adjust: options.adjust,
                    period: options.period,
                  },
                  system.clock,
                ),
              getBars: (query) => system.services.history.getBars(query),
              rowsOf,
            },
            symbols,
            target,
            out,
          );
        } finally {
          await system.close();
        }
      },
    );
}
