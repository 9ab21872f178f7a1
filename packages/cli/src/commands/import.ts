/**
 * `quantdb import <file.csv|dir>`: load daily bars from CSV files in AKShare's or QuantDB's column
 * layout. Each series passes the same quality gate as upstream data and is stored the way a fetch
 * is (bars and the covered span in one transaction), so an API read of the imported range makes no
 * upstream call.
 */
import { readdirSync, readFileSync, statSync, type Stats } from "node:fs";
import { basename, join } from "node:path";
import { parseAdjust, seriesCheckDay, type Adjust, type DailyBar } from "@quantdb/core/history";
import {
  csvAdjust,
  csvRowsToBars,
  detectCsvLayout,
  prepareImport,
  symbolFromFileName,
  type CsvLayout,
} from "@quantdb/core/ingest";
import { instrumentKey } from "@quantdb/core/markets";
import { parseIndexSymbol, parseStockSymbol, type Instrument } from "@quantdb/core/symbols";
import { createHistoryStore } from "@quantdb/db";
import type { Command } from "commander";
import { parse } from "csv-parse/sync";
import { CliError, type Output } from "../output.ts";
import { loadEnv } from "@quantdb/server/env";
import { openSystem } from "../system.ts";

interface ImportOptions {
  format?: string;
  symbol?: string;
  adjust?: string;
  index?: boolean;
}

function csvFiles(path: string): string[] {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    throw new CliError(`no such file or directory: ${path}`);
  }
  if (!stat.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => name.toLowerCase().endsWith(".csv"))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw new CliError(`no .csv files in ${path}`);
  return files;
}

/** The series (instrument × adjust) in one file. */
interface FileSeries {
  symbol: Instrument;
  adjust: Adjust;
  bars: DailyBar[];
}

function readSeries(
  file: string,
  options: ImportOptions,
  defaultAdjust: Adjust,
): { layout: CsvLayout; series: FileSeries[] } {
  const records = parse(readFileSync(file), {
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
  }) as string[][];
  const [header, ...rows] = records;
  if (!header) throw new CliError(`${file}: empty file`);
  const layout = options.format ? (options.format as CsvLayout) : detectCsvLayout(header);
  const parseSymbol = (text: string) => (options.index ? parseIndexSymbol(text) : parseStockSymbol(text));
  const fileSymbolText = options.symbol ?? symbolFromFileName(basename(file));
  const fileSymbol = fileSymbolText ? parseSymbol(fileSymbolText) : undefined;
  if (layout === "akshare" && !fileSymbol)
    throw new CliError(
      `${file}: AKShare files carry no symbol column: give --symbol or name the file after it (e.g. 600519.csv)`,
    );
  const cells = csvRowsToBars(layout, header, rows, fileSymbol?.market);
  const groups = new Map<string, FileSeries>();
  for (const cell of cells) {
    const symbol = cell.symbol && !options.symbol ? parseSymbol(cell.symbol) : fileSymbol;
    if (!symbol)
      throw new CliError(
        `${file}: no symbol (give --symbol, name the file after it, e.g. 600519.csv, or add a symbol column)`,
      );
    const adjust = csvAdjust(cell.adjust, defaultAdjust);
    const key = `${instrumentKey(symbol)}|${adjust}`;
    let group = groups.get(key);
    if (!group) {
      group = { symbol, adjust, bars: [] };
      groups.set(key, group);
    }
    group.bars.push(cell.bar);
  }
  return { layout, series: [...groups.values()] };
}

/** Register `import`. */
export function registerImport(program: Command, out: Output): void {
  program
    .command("import")
    .description(
      "load daily bars from CSV (AKShare's 日期,开盘,收盘,… or QuantDB's own layout), through the quality gate",
    )
    .argument("<path>", "a .csv file or a directory of them")
    .option("--format <layout>", "akshare or quantdb (default: detected from the header)")
    .option("--symbol <symbol>", "the instrument (default: from the file name, e.g. 600519.csv, or a symbol column)")
    .option(
      "--adjust <adjust>",
      'adjustment of the prices: "" (unadjusted, default), qfq or hfq (QuantDB files may carry an adjust column)',
      "",
    )
    .option("--index", "the file holds an index (e.g. 000300), not a stock")
    .action(async (path: string, options: ImportOptions) => {
      if (options.format && options.format !== "akshare" && options.format !== "quantdb")
        throw new CliError(`--format must be akshare or quantdb, not '${options.format}'`);
      let adjust: Adjust;
      try {
        adjust = parseAdjust(options.adjust);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const files = csvFiles(path);
      const system = await openSystem(loadEnv(), {
        owner: "quantdb import",
        whatToDo: "stop it first: an import does not go through a running server",
      });
      const store = createHistoryStore(system.database.db);
      let imported = 0;
      let rejected = 0;
      try {
        for (const file of files) {
          let parsed: ReturnType<typeof readSeries>;
          try {
            parsed = readSeries(file, options, adjust);
          } catch (error) {
            rejected++;
            out.info(`${file}: rejected: ${(error as Error).message}`);
            continue;
          }
          for (const series of parsed.series) {
            const label = `${series.symbol.code}.${series.symbol.market}${series.adjust ? ` ${series.adjust}` : ""}`;
            const now = system.clock.now();
            // the system's calendars: bundled plus the extensions stored in this database
            const prepared = prepareImport(series.symbol, series.adjust, series.bars, now, system.services.calendars);
            if (!prepared.ok) {
              rejected++;
              const first = prepared.problems.slice(0, 3).map((p) => `${p.date} ${p.rule}: ${p.message}`);
              out.info(
                `${file}: ${label}: rejected by the quality gate (${prepared.problems.length} problem(s); ` +
                  `nothing stored): ${first.join("; ")}`,
              );
              continue;
            }
            if (!prepared.span) {
              out.info(`${file}: ${label}: no final bars to import`);
              continue;
            }
            // An imported adjusted series counts as checked today; from the next session day on it is
            // compared with upstream like any other (see docs/correctness.md).
            const checked =
              series.adjust === "" ? {} : { checkedOn: seriesCheckDay(series.symbol, now, system.services.calendars) };
            await store.saveFetched({
              symbol: series.symbol,
              name: null,
              adjust: series.adjust,
              span: prepared.span,
              bars: prepared.bars,
              fetchedAt: now,
              ...checked,
            });
            imported++;
            out.line(
              `${file}: ${label}: ${prepared.bars.length} bars ${prepared.span.start} → ${prepared.span.end} ` +
                `imported (${parsed.layout} layout); span marked held`,
            );
          }
        }
      } finally {
        await system.close();
      }
      out.info(`imported ${imported} series, rejected ${rejected}`);
      if (rejected > 0) throw new CliError(`${rejected} file(s)/series rejected`);
    });
}
