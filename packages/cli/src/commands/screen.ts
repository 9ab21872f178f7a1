/**
 * `quantdb screen`: filter and rank a universe at one date, as `POST /api/v1/screen` does (issue 18). The
 * request is built from the options, checked here for its syntax, and answered by the API itself: the API app
 * in this process over the configured database, or — while a QuantDB server holds the embedded data directory —
 * that server (as its local admin, see remote.ts). Either way the answer, its validation and its errors are the
 * endpoint's own; the command prints the results as a table or CSV (or the answer as JSON) and the as_of,
 * membership and missing symbols on stderr. Fields, formulas and conventions: docs/screener.md.
 */
import type { ScreenAnswerBody, ScreenRequestBody } from "@quantdb/server";
import { loadEnv } from "@quantdb/server/env";
import type { Command } from "commander";
import { stringify } from "csv-stringify/sync";
import { CliError, type Output } from "../output.ts";
import { answerOf, callServer, ServerError, throughServerNote } from "../remote.ts";
import { openDatabaseOrServer, systemOn } from "../system.ts";

const FORMATS = ["table", "csv", "json"] as const;
const FILTER_OPS = ["<=", ">=", "==", "<", ">"] as const;
/** Missing symbols listed with their reason on stderr (table format); the rest are counted. */
const MISSING_SHOWN = 5;
/** How long a screen through a server may take: a first screen of a large universe fetches every member. */
const SERVER_TIMEOUT_MS = 30 * 60_000;

type ScreenRequest = ScreenRequestBody;
type ScreenAnswer = ScreenAnswerBody;
type Filter = NonNullable<ScreenRequest["filters"]>[number];
type Rank = NonNullable<ScreenRequest["rank_by"]>[number];

interface ScreenOptions {
  universe?: string;
  symbols?: string;
  asOf?: string;
  adjust?: string;
  filter?: string[];
  rank?: string[];
  limit?: string;
  top?: string;
  format: string;
}

const FIELD = "[A-Za-z_][A-Za-z0-9_]*";
const COMPARISON = new RegExp(`^\\s*(${FIELD})\\s*(<=|>=|==|<|>)\\s*(\\S+)\\s*$`);
const BETWEEN = new RegExp(`^\\s*(${FIELD})\\s+between\\s+(\\S+)\\s+(\\S+)\\s*$`);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

const FILTER_SYNTAX =
  'write "field op value" with op one of <, <=, >, >=, == (e.g. "pct_change_20>5"), or "field between low high" ' +
  '(e.g. "close between 10 50")';

function numberIn(what: string, text: string): number {
  if (!NUMBER.test(text)) throw new CliError(`${what}: '${text}' is not a number`);
  return Number(text);
}

/** A `--filter`: `field op value` or `field between low high` (whitespace around the operator optional). */
function parseFilter(text: string): Filter {
  const bad = `bad --filter '${text}'`;
  const between = BETWEEN.exec(text);
  if (between) {
    const low = numberIn(bad, between[2]!);
    const high = numberIn(bad, between[3]!);
    if (low > high) throw new CliError(`${bad}: between takes low <= high`);
    return { field: between[1]!, op: "between", value: [low, high] };
  }
  const comparison = COMPARISON.exec(text);
  if (!comparison) throw new CliError(`${bad}: ${FILTER_SYNTAX}`);
  return {
    field: comparison[1]!,
    op: comparison[2] as (typeof FILTER_OPS)[number],
    value: numberIn(bad, comparison[3]!),
  };
}

/** A `--rank`: `field[:asc|desc][:weight]` (desc, larger is better, and weight 1 by default). */
function parseRank(text: string): Rank {
  const bad = `bad --rank '${text}'`;
  const [field, order, weight, ...rest] = text.trim().split(":");
  if (!field || !new RegExp(`^${FIELD}$`).test(field) || rest.length > 0 || order === "" || weight === "")
    throw new CliError(`${bad}: write field[:asc|desc][:weight], e.g. pct_change_20:desc or volatility_20:asc:0.5`);
  if (order !== undefined && order !== "asc" && order !== "desc")
    throw new CliError(`${bad}: the order is asc or desc, not '${order}'`);
  return {
    field,
    ...(order ? { order } : {}),
    ...(weight !== undefined ? { weight: numberIn(bad, weight) } : {}),
  };
}

function wholeNumber(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new CliError(`${option} must be a whole number, not '${text}'`);
  return Number(text);
}

function splitList(text: string): string[] {
  return text.split(/[,\s]+/).filter(Boolean);
}

/** `--symbols a,b`, or `--universe`: a value with a comma is a symbol list, anything else a universe name. */
function universeOf(options: ScreenOptions): ScreenRequest["universe"] {
  if (options.universe !== undefined && options.symbols !== undefined)
    throw new CliError("give either --universe or --symbols, not both");
  const list = options.symbols ?? (options.universe?.includes(",") ? options.universe : undefined);
  if (list !== undefined) {
    const symbols = splitList(list);
    if (symbols.length === 0) throw new CliError("the symbol list is empty");
    return { symbols };
  }
  const name = options.universe?.trim();
  if (!name)
    throw new CliError(
      "give --universe (000300, 000016, 000905, SH, SZ, BJ, HK, crypto:<exchange>:<QUOTE>, or symbols with " +
        "commas: 600519,300750) or --symbols 600519",
    );
  return name;
}

/** The request the options describe; every syntax error is found before the database is opened. */
function requestOf(options: ScreenOptions): ScreenRequest {
  const filters = (options.filter ?? []).map(parseFilter);
  const rank = (options.rank ?? []).map(parseRank);
  const limit = wholeNumber("--limit", options.limit);
  const top = wholeNumber("--top", options.top);
  return {
    universe: universeOf(options),
    ...(options.asOf !== undefined ? { as_of: options.asOf } : {}),
    ...(options.adjust !== undefined ? { adjust: options.adjust } : {}),
    ...(filters.length > 0 ? { filters } : {}),
    ...(rank.length > 0 ? { rank_by: rank } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(top !== undefined ? { top } : {}),
  };
}

/** The value columns: every field the results hold, in the answer's order (close, filters', ranking's). */
function fieldsOf(request: ScreenRequest, answer: ScreenAnswer): string[] {
  const fields = new Set<string>();
  for (const row of answer.results) for (const field of Object.keys(row.values)) fields.add(field);
  if (answer.results.length === 0)
    for (const field of ["close", ...(request.filters ?? []), ...(request.rank_by ?? [])])
      fields.add(typeof field === "string" ? field : field.field);
  return [...fields];
}

/** A number as the table shows it: at most 4 decimals (CSV and JSON keep every digit). */
function short(value: number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return String(Number(value.toFixed(4)));
}

function print(request: ScreenRequest, answer: ScreenAnswer, format: (typeof FORMATS)[number], out: Output): void {
  const { metadata } = answer;
  const universe =
    typeof answer.universe === "string" ? answer.universe : `${answer.universe.symbols.length} symbol(s)`;
  out.info(
    `screen ${universe} as of ${answer.as_of} (${answer.adjust || "unadjusted"}): ${answer.count} shown, ` +
      `${metadata.matched} matched the filters, ${metadata.evaluated} of ${metadata.universe_size} evaluated, ` +
      `${metadata.missing.length} missing; ${metadata.upstream_requests} upstream call(s)`,
  );
  if (metadata.membership) out.info(`membership: ${metadata.membership}`);
  const snapshots = metadata.snapshots.map((s) => `${s.market} ${s.date}`);
  if (snapshots.length > 0) out.info(`snapshot fields from the stock lists of ${snapshots.join(", ")}`);
  if (format === "json") {
    out.json(answer);
    return;
  }

  const fields = fieldsOf(request, answer);
  if (format === "csv") {
    const rows = answer.results.map((row) => [
      row.symbol,
      row.name,
      row.score,
      row.date,
      ...fields.map((f) => row.values[f] ?? null),
    ]);
    out.line(stringify([["symbol", "name", "score", "date", ...fields], ...rows]).trimEnd());
    return;
  }

  if (metadata.missing.length > 0) {
    out.info(`${metadata.missing.length} missing:`);
    for (const m of metadata.missing.slice(0, MISSING_SHOWN)) out.info(`  ${m.symbol}: ${m.reason}`);
    if (metadata.missing.length > MISSING_SHOWN)
      out.info(`  … and ${metadata.missing.length - MISSING_SHOWN} more (--format json lists them all)`);
  }
  if (answer.results.length === 0) {
    out.info("no symbol matched");
    return;
  }
  out.table(
    answer.results.map((row) => ({
      symbol: row.symbol,
      name: row.name,
      score: row.score === null ? null : row.score.toFixed(4),
      date: row.provisional ? `${row.date}*` : row.date,
      ...Object.fromEntries(fields.map((f) => [f, short(row.values[f])])),
    })),
  );
  if (answer.results.some((row) => row.provisional))
    out.info("* provisional: that session had not ended, its bar may still change");
}

/** Ask the API: through the server that holds the data directory, else the API app over the database. */
async function screen(request: ScreenRequest, out: Output): Promise<ScreenAnswer> {
  const env = loadEnv();
  const opened = await openDatabaseOrServer(env, "quantdb screen");
  if (opened.server) {
    out.info(throughServerNote(opened.server));
    return callServer<ScreenAnswer>(opened.server, "POST", "/api/v1/screen", {
      body: request,
      signal: AbortSignal.timeout(SERVER_TIMEOUT_MS),
    });
  }
  const system = await systemOn(env, opened.database);
  try {
    const response = await system.app.request("/api/v1/screen", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    return await answerOf<ScreenAnswer>(response, "POST /api/v1/screen");
  } finally {
    await system.close();
  }
}

/** Register `screen`. */
export function registerScreen(program: Command, out: Output): void {
  const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
  program
    .command("screen")
    .description("filter and rank a universe at a date, as POST /api/v1/screen does (table, CSV or JSON)")
    .option(
      "--universe <universe>",
      "an index's constituents (000300, 000016, 000905), a market (SH, SZ, BJ, HK), crypto:<exchange>:<QUOTE> " +
        "(e.g. crypto:binance:USDT), or symbols: a value with a comma is a symbol list (600519,300750)",
    )
    .option("--symbols <list>", "an explicit symbol list, e.g. 600519 or 600519,00700.HK,binance:BTC/USDT")
    .option(
      "--filter <filter>",
      'keep symbols where "field op value" holds, op one of < <= > >= == (e.g. "pct_change_20>5"), or ' +
        '"field between low high" (inclusive); repeatable, all must hold',
      collect,
    )
    .option(
      "--rank <field[:asc|desc][:weight]>",
      "rank by this field's percentile (desc, the default: larger is better; weight default 1); repeatable",
      collect,
    )
    .option("--as-of <date>", "the date, YYYY-MM-DD (default: the last session whose bars are final)")
    .option("--adjust <adjust>", 'stocks\' prices: qfq (default), "" (unadjusted) or hfq')
    .option("--limit <n>", "results shown, 1..1000 (default 50)")
    .option("--top <n>", "crypto universes: pairs screened, by 24 h quote volume (default 50)")
    .option("--format <format>", "table, csv (symbol,name,score,date,<fields>) or json (the API's answer)", "table")
    .action(async (options: ScreenOptions) => {
      const format = options.format;
      if (!(FORMATS as readonly string[]).includes(format))
        throw new CliError(`--format must be table, csv or json, not '${format}'`);
      const request = requestOf(options);
      if (out.interactive && typeof request.universe === "string")
        out.info(`screening ${request.universe} (a member's missing bars are fetched once, within the rate budget)`);
      let answer: ScreenAnswer;
      try {
        answer = await screen(request, out);
      } catch (error) {
        if (error instanceof ServerError) throw new CliError(`${error.code}: ${error.message}`);
        throw error;
      }
      print(request, answer, format as (typeof FORMATS)[number], out);
    });
}
