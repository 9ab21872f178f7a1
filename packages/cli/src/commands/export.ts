/**
 * `quantdb export`: write exactly what the API serves for the same parameters (the same history
 * service call, so gaps are fetched and cached as for a request) to CSV, Parquet or Arrow IPC.
 */
import { writeFileSync } from "node:fs";
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

/** One exported row: the API's bar plus which series it belongs to (QuantDB's CSV layout). */
export type ExportRow = Record<(typeof QUANTDB_CSV_HEADER)[number], string | number | boolean | null>;

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

const STRING_COLUMNS = new Set(["symbol", "market", "adjust", "date"]);

/**
 * The rows as an Arrow table: strings as Utf8, prices and counts as Float64 (nullable), provisional and partial as
 * Bool.
 */
export function arrowTable(rows: readonly ExportRow[]): Table {
  const columns: Record<string, Vector> = {};
  for (const name of QUANTDB_CSV_HEADER) {
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

async function encode(format: ExportFormat, rows: readonly ExportRow[]): Promise<Uint8Array | string> {
  if (format === "csv") {
    return stringify(rows as ExportRow[], {
      header: true,
      columns: [...QUANTDB_CSV_HEADER],
      cast: { boolean: (v) => (v ? "true" : "false") },
    });
  }
  const ipc = tableToIPC(arrowTable(rows), format === "arrow" ? "file" : "stream");
  if (format === "arrow") return ipc;
  const parquet = await import("parquet-wasm");
  const table = parquet.Table.fromIPCStream(ipc);
  return parquet.writeParquet(table);
}

/** Register `export`. */
export function registerExport(program: Command, out: Output): void {
  program
    .command("export")
    .description("write bars exactly as the API serves them to CSV, Parquet or Arrow")
    .requiredOption("--symbols <list>", "comma-separated symbols, e.g. 600519,00700")
    .requiredOption("--from <date>", "first date, YYYY-MM-DD or YYYYMMDD")
    .requiredOption("--to <date>", "last date")
    .option("--adjust <adjust>", '"" (unadjusted, default), qfq or hfq', "")
    .option("--period <period>", "daily (default), weekly or monthly", "daily")
    .option("--index", "the symbols are indices (e.g. 000300), not stocks")
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
        format: string;
        out: string;
      }) => {
        if (!(EXPORT_FORMATS as readonly string[]).includes(options.format))
          throw new CliError(`--format must be csv, parquet or arrow, not '${options.format}'`);
        const symbols = options.symbols.split(/[,\s]+/).filter(Boolean);
        if (symbols.length === 0) throw new CliError("--symbols is empty");
        const system = await openSystem(loadEnv(), {
          owner: "quantdb export",
          whatToDo:
            "stop it first, or read through its API while it runs (GET /api/v1/historical/stock/{symbol}?format=csv)",
        });
        try {
          const queries = symbols.map((symbol) => {
            try {
              return parseHistoryQuery(
                {
                  symbol,
                  kind: options.index ? "index" : "stock",
                  start_date: options.from,
                  end_date: options.to,
                  adjust: options.adjust,
                  period: options.period,
                },
                system.clock,
              );
            } catch (error) {
              throw new CliError((error as Error).message);
            }
          });
          const rows: ExportRow[] = [];
          let calls = 0;
          for (const query of queries) {
            const result = await system.services.history.getBars(query);
            calls += result.cache.upstream_requests;
            rows.push(...rowsOf(result));
          }
          writeFileSync(options.out, await encode(options.format as ExportFormat, rows));
          out.info(
            `wrote ${rows.length} rows of ${queries.length} symbol(s) to ${options.out} (${options.format}; ` +
              `${calls} upstream call(s))`,
          );
        } finally {
          await system.close();
        }
      },
    );
}
