/**
 * `quantdb screen`, spawned as a user runs it, over the replay: the held symbols (qfq bars of 600519, 300750,
 * 688981 and 000001 up to 2024-05-22) screened at 2024-05-22, printed as a table, CSV and JSON that match the
 * API's answer to the same request; bad filters and rankings refused with a message naming them; the replay's
 * CSI 300 (recorded constituents, 4 of them with bars) with the 296 missing members counted on stderr; and,
 * while a server holds the PGlite data directory, the same screen through that server.
 */
import { ManualClock } from "@quantdb/core/clock";
import type { DatabaseHandle } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { freePort, type ReplayServer } from "@quantdb/replay";
import { createSystem, replayUrls } from "@quantdb/server";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { cliSuite, NOW, runCli, startCli } from "./helpers.ts";

type Row = {
  symbol: string;
  name: string | null;
  score: number | null;
  date: string;
  provisional: boolean;
  values: Record<string, number>;
};

/** The parts of a screen answer the tests read (the whole answer is compared as JSON). */
type Answer = { results: Row[]; metadata: Record<string, unknown> };

const HELD = ["600519", "300750", "688981", "000001"];
const ARGS = [
  "screen",
  "--symbols",
  HELD.join(","),
  "--as-of",
  "2024-05-22",
  "--filter",
  "close>0",
  "--filter",
  "rsi6 between 0 100",
  "--rank",
  "pct_change_20:desc",
  "--rank",
  "volatility_20:asc:0.5",
];
/** The request ARGS describe, as the API takes it. */
const REQUEST = {
  universe: { symbols: HELD },
  as_of: "2024-05-22",
  filters: [
    { field: "close", op: ">", value: 0 },
    { field: "rsi6", op: "between", value: [0, 100] },
  ],
  rank_by: [
    { field: "pct_change_20", order: "desc" },
    { field: "volatility_20", order: "asc", weight: 0.5 },
  ],
};
const FIELDS = ["close", "rsi6", "pct_change_20", "volatility_20"];

/** The API's answers to `requests` (`[path, init]`), from the API app over `database`. */
async function api(database: DatabaseHandle, replay: ReplayServer, requests: [string, RequestInit?][]) {
  const { app, close } = await createSystem({
    database,
    clock: new ManualClock(NOW),
    urls: replayUrls(replay),
    timeoutMs: 10_000,
    listPageDelayMs: 0,
  });
  try {
    const answers: { status: number; body: unknown }[] = [];
    for (const [path, init] of requests) {
      const response = await app.request(path, init);
      answers.push({ status: response.status, body: await response.json() });
    }
    return answers;
  } finally {
    await close();
  }
}

const post = (body: unknown): [string, RequestInit] => [
  "/api/v1/screen",
  { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
];

describe.each(testDrivers())("quantdb screen on %s", (driver) => {
  const suite = cliSuite(driver);

  it("prints the held symbols' screen at 2024-05-22 as a table, CSV and JSON, as the API answers it", async () => {
    const env = suite.env();
    const csv = await runCli([...ARGS, "--format", "csv"], env);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stderr).toMatch(
      new RegExp(
        "^screen 4 symbol\\(s\\) as of 2024-05-22 \\(qfq\\): 4 shown, 4 matched the filters, 4 of 4 evaluated, " +
          "0 missing; 4 upstream call\\(s\\)$",
        "m",
      ),
    );
    const table = await runCli(ARGS, env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stderr).toMatch(/: 4 shown, .* 0 missing; 0 upstream call\(s\)$/m);
    expect(table.stderr).not.toMatch(/missing:/);
    const json = await runCli([...ARGS, "--format", "json"], env);
    expect(json.code, json.stderr).toBe(0);

    const database = await suite.target.open();
    let answer: Answer;
    let history: { data: { close: number }[] }[];
    try {
      const answers = await api(database, suite.replay, [
        post(REQUEST),
        ...HELD.map((symbol): [string] => [
          `/api/v1/historical/stock/${symbol}?adjust=qfq&start_date=2024-05-01&end_date=2024-05-22`,
        ]),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      answer = answers[0]!.body as Answer;
      history = answers.slice(1).map((a) => a.body as (typeof history)[number]);
    } finally {
      await database.close();
    }
    const results = answer.results;
    expect(results.map((r) => r.symbol).sort()).toEqual([...HELD].sort());
    // the values are of the 2024-05-22 bars the history endpoint serves
    for (const [i, symbol] of HELD.entries()) {
      const row = results.find((r) => r.symbol === symbol)!;
      expect(row.date).toBe("2024-05-22");
      expect(row.values.close).toBe(history[i]!.data.at(-1)!.close);
    }
    expect(new Set(results.map((r) => r.score)).size).toBeGreaterThan(1);

    // JSON: the API's answer itself (the third run, like the API's, made no upstream call)
    expect(JSON.parse(json.stdout)).toEqual(answer);
    expect(answer.metadata).toMatchObject({ upstream_requests: 0, missing: [], membership: null });

    // CSV: symbol,name,score,date then the fields in the answer's order, every number as the JSON prints it
    const lines = csv.stdout.trim().split("\n");
    expect(lines[0]).toBe(`symbol,name,score,date,${FIELDS.join(",")}`);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual(
      results.map((r) => ({
        symbol: r.symbol,
        name: r.name,
        score: String(r.score),
        date: r.date,
        ...Object.fromEntries(FIELDS.map((f) => [f, String(r.values[f])])),
      })),
    );

    // table: the same rows in the same order, numbers to 4 decimals
    const [header, ...body] = table.stdout.trim().split("\n");
    expect(header!.split(/\s+/)).toEqual(["symbol", "name", "score", "date", ...FIELDS]);
    expect(body.map((line) => line.split(/\s+/))).toEqual(
      results.map((r) => [
        r.symbol,
        r.name,
        r.score!.toFixed(4),
        r.date,
        ...FIELDS.map((f) => String(Number(r.values[f]!.toFixed(4)))),
      ]),
    );
  });

  it("refuses a bad --filter or --rank with a message naming it, and relays the API's validation error", async () => {
    const env = suite.env();
    const refused = async (args: string[], message: string) => {
      const result = await runCli(["screen", ...args], env);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`quantdb: ${message}`);
    };
    await refused(
      ["--symbols", "600519", "--filter", "close>0", "--filter", "close => 5"],
      `bad --filter 'close => 5': write "field op value" with op one of <, <=, >, >=, == (e.g. "pct_change_20>5"), ` +
        'or "field between low high" (e.g. "close between 10 50")',
    );
    await refused(["--symbols", "600519", "--filter", "close>ten"], "bad --filter 'close>ten': 'ten' is not a number");
    await refused(
      ["--symbols", "600519", "--filter", "close between 50 10"],
      "bad --filter 'close between 50 10': between takes low <= high",
    );
    await refused(["--symbols", "600519", "--rank", "pct_change_20:up"], "bad --rank 'pct_change_20:up': the order");
    await refused(["--universe", "000300", "--symbols", "600519"], "give either --universe or --symbols, not both");
    await refused(["--symbols", "600519", "--format", "xlsx"], "--format must be table, csv or json, not 'xlsx'");
    // a field the API does not know: its 400 VALIDATION_ERROR, naming the field
    await refused(
      ["--symbols", "600519", "--as-of", "2024-05-22", "--filter", "price>5"],
      'VALIDATION_ERROR: field "price": unknown field',
    );
  });

  it("screens the replay's CSI 300 and counts the members without bars on stderr", async () => {
    // no pacing: the first screen asks the replay for each of the 300 members' bars once
    const env = { ...suite.env(), QUANTDB_UPSTREAM_RATE_PER_SECOND: "0" };
    const args = ["screen", "--universe", "000300", "--as-of", "2024-05-22", "--rank", "pct_change_20:desc"];
    const table = await runCli([...args, "--limit", "20"], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stderr).toMatch(
      /^screen 000300 as of 2024-05-22 \(qfq\): 4 shown, 4 matched the filters, 4 of 300 evaluated, 296 missing; /m,
    );
    expect(table.stderr).toMatch(/^membership: index 000300: .*not as of as_of \(survivorship/m);
    expect(table.stderr).toMatch(/^296 missing:$/m);
    const reasons = table.stderr.match(/^ {2}\d{6}: .*$/gm) ?? [];
    expect(reasons).toHaveLength(5);
    for (const reason of reasons) expect(reason).toMatch(/: no bars from upstream for \d{4}-\d\d-\d\d\.\.2024-05-22/);
    expect(table.stderr).toMatch(/^ {2}… and 291 more \(--format json lists them all\)$/m);
    const [header, ...rows] = table.stdout.trim().split("\n");
    expect(header!.split(/\s+/)).toEqual(["symbol", "name", "score", "date", "close", "pct_change_20"]);
    expect(rows.map((row) => row.split(/\s+/)[0]).sort()).toEqual([...HELD].sort());
    expect(rows[0]!.split(/\s+/)[2]).toBe("1.0000");

    // CSV: the as_of and membership on stderr too, the missing members only counted
    const csv = await runCli([...args, "--format", "csv", "--limit", "2"], env);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stderr).toMatch(
      /as of 2024-05-22 \(qfq\): 2 shown, 4 matched the filters, 4 of 300 evaluated, 296 missing/,
    );
    expect(csv.stderr).toMatch(/^membership: index 000300: /m);
    expect(csv.stderr).not.toMatch(/^ {2}\d{6}: /m);
    expect(csv.stdout.trim().split("\n")).toHaveLength(3);
  });
});

describe("quantdb screen through a running server (PGlite)", () => {
  const suite = cliSuite("pglite");

  it("asks the server that holds the data directory, and prints its answer", { timeout: 300_000 }, async () => {
    const env = { ...suite.env(), QUANTDB_AUTH: "admin", QUANTDB_DAILY_INGEST: "off", QUANTDB_RATE_LIMIT: "off" };
    const port = await freePort();
    const server = startCli(["serve", "--port", String(port), "--host", "127.0.0.1"], env);
    try {
      await server.waitForLine(/API on http:\/\/localhost:\d+/, 180_000);
      const screened = await runCli([...ARGS, "--format", "json"], env);
      expect(screened.code, screened.stderr).toBe(0);
      expect(screened.stderr).toContain(
        `through the QuantDB server (pid ${server.child.pid}) at http://127.0.0.1:${port}`,
      );
      const answer = JSON.parse(screened.stdout);
      expect(answer.metadata).toMatchObject({ universe_size: 4, evaluated: 4, upstream_requests: 4 });
      // the server holds what the screen fetched: asked directly, it answers the same without upstream
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/screen`, post(REQUEST)[1]);
      expect(response.status).toBe(200);
      const again = (await response.json()) as Answer;
      expect(again.metadata).toMatchObject({ upstream_requests: 0, cache: { hit: true } });
      expect(again.results).toEqual(answer.results);

      const bad = await runCli(["screen", "--symbols", "600519", "--rank", "price"], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('quantdb: VALIDATION_ERROR: field "price": unknown field');
    } finally {
      server.child.kill("SIGTERM");
      const result = await server.done;
      expect(result.code, result.stderr).toBe(0);
    }
  });
});
