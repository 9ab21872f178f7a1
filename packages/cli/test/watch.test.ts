/**
 * `quantdb watch`, spawned as a user runs it with stdout a pipe (one line per event), over the replay's
 * moving quotes with the CN market open (QUANTDB_NOW) and 100 ms polls: in process over the PGlite data
 * directory, and from a server at `--url` (the API key from QUANTDB_API_KEY); SIGINT ends it with exit 0, a
 * malformed symbol with the server's 400. The terminal table is checked as rendered text.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { ManualClock } from "@quantdb/core/clock";
import { openTestDatabase } from "@quantdb/db/testing";
import { createSystem, replayUrls } from "@quantdb/server";
import { describe, expect, it, vi } from "vitest";
import { renderTable } from "../src/commands/watch.ts";
import { cliSuite, runCli, startCli, type CliProcess } from "./helpers.ts";

/** Friday 2026-11-20, 10:00 in Shanghai and Hong Kong: both markets trade. */
const CN_OPEN = "2026-11-20T02:00:00Z";

/** The stdout lines of a running CLI so far (complete lines only). */
function linesOf(cli: CliProcess): () => string[] {
  let text = "";
  cli.child.stdout!.on("data", (chunk: string) => (text += chunk));
  return () => text.split("\n").slice(0, -1);
}

const quotesOf = (lines: string[], symbol: string) =>
  lines.filter((line) => line.startsWith(`quote\t${symbol}\t`)).map((line) => line.split("\t"));

describe("quantdb watch", () => {
  const suite = cliSuite("pglite");

  it("prints one line per event in process until SIGINT, then exits 0", async () => {
    suite.replay.setMovingQuotes(true);
    const env = { ...suite.env(), QUANTDB_NOW: CN_OPEN, QUANTDB_STREAM_INTERVAL_MS: "100" };
    const cli = startCli(["watch", "600519", "00700", "binance:BTC/USDT"], env);
    const lines = linesOf(cli);
    await vi.waitFor(() => expect(quotesOf(lines(), "600519").length).toBeGreaterThanOrEqual(3), {
      timeout: 90_000,
      interval: 50,
    });
    await vi.waitFor(() => expect(quotesOf(lines(), "binance:BTC/USDT").length).toBeGreaterThanOrEqual(1), {
      timeout: 30_000,
      interval: 50,
    });
    cli.child.kill("SIGINT");
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^watching 3 symbol\(s\) \(in process, pglite .*\); Ctrl-C to stop$/m);
    const out = result.stdout.split("\n").slice(0, -1);
    expect(out.slice(0, 3)).toEqual(["status\tCN\topen\t-", "status\tHK\topen\t-", "status\tCRYPTO\topen\t-"]);
    expect(result.stdout).not.toContain("\u001b"); // no terminal control codes in a pipe
    const moutai = quotesOf(out, "600519");
    for (const cells of moutai) {
      // quote, symbol, name, price, change, pct_change, volume, amount, time
      expect(cells).toHaveLength(9);
      expect(cells.slice(0, 3)).toEqual(["quote", "600519", "贵州茅台"]);
      expect(Number(cells[3])).toBeGreaterThan(0);
      expect(cells[5]).toMatch(/^[+-]?\d+\.\d{2}%$/);
      expect(cells[8]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    }
    // only changes are sent, and the replay's quotes move
    expect(moutai.every((cells, i) => i === 0 || cells[3] !== moutai[i - 1]![3])).toBe(true);
    expect(quotesOf(out, "00700")[0]?.slice(0, 3)).toEqual(["quote", "00700", "腾讯控股"]);
    expect(quotesOf(out, "binance:BTC/USDT")[0]?.[8]).toMatch(/\+00:00$/);
  });

  it("watches a server at --url with QUANTDB_API_KEY; a malformed symbol exits 1 with the 400", async () => {
    suite.replay.setMovingQuotes(true);
    const database = await openTestDatabase("pglite");
    const system = await createSystem({
      database,
      clock: new ManualClock(CN_OPEN),
      urls: replayUrls(suite.replay),
      timeoutMs: 3000,
      listPageDelayMs: 0,
      stream: { intervalMs: 100 },
    });
    const authorizations: (string | null)[] = [];
    const server = await new Promise<Server>((resolve) => {
      const s = serve(
        {
          fetch: (request: Request) => {
            if (new URL(request.url).pathname === "/api/v1/stream/quotes")
              authorizations.push(request.headers.get("authorization"));
            return system.app.fetch(request);
          },
          port: 0,
          hostname: "127.0.0.1",
        },
        () => resolve(s as Server),
      );
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { ...suite.env(), QUANTDB_API_KEY: "qdb_watch_test" };
      const cli = startCli(["watch", "--url", url, "600519"], env);
      const lines = linesOf(cli);
      await vi.waitFor(() => expect(quotesOf(lines(), "600519").length).toBeGreaterThanOrEqual(2), {
        timeout: 90_000,
        interval: 50,
      });
      cli.child.kill("SIGINT");
      const result = await cli.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`watching 1 symbol(s) (${url})`);
      expect(result.stdout.split("\n")[0]).toBe("status\tCN\topen\t-");
      expect(authorizations).toEqual(["Bearer qdb_watch_test"]);
      await vi.waitFor(() => expect(system.services.stream.stats().subscribers).toBe(0), { timeout: 10_000 });

      const bad = await runCli(["watch", "--url", url, "600519,60O519"], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^quantdb: INVALID_SYMBOL: .*60O519/m);
      expect(bad.stdout).toBe("");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await system.close();
      await database.close();
    }
  });

  it("draws the terminal table aligned (wide names count two columns), with the markets' states", () => {
    const quote = {
      symbol: "600519",
      market: "SH",
      name: "贵州茅台",
      price: 1466,
      change: -3.99,
      pct_change: -0.27,
      open: 1470,
      high: 1475,
      low: 1460.01,
      prev_close: 1469.99,
      volume: 3215600,
      amount: 4716342528,
      time: "2026-11-20T10:00:03+08:00",
    };
    const rows = [
      { symbol: "600519", quote },
      {
        symbol: "binance:BTC/USDT",
        quote: { ...quote, symbol: "binance:BTC/USDT", name: "BTC/USDT", price: 73617.51 },
      },
      { symbol: "600999", unknown: true },
    ];
    const statuses = [
      { market: "CN" as const, state: "open" as const, next_open: null },
      { market: "HK" as const, state: "closed" as const, next_open: "2026-11-23T09:30:00+08:00" },
    ];
    const lines = renderTable(rows, statuses, undefined, 200);
    expect(lines).toEqual([
      "symbol            name               price  change  pct_change   volume      amount  time",
      "600519            贵州茅台            1466   -3.99      -0.27%  3215600  4716342528  2026-11-20T10:00:03+08:00",
      "binance:BTC/USDT  BTC/USDT        73617.51   -3.99      -0.27%  3215600  4716342528  2026-11-20T10:00:03+08:00",
      "600999            unknown symbol         -       -           -        -           -  -",
      "",
      "CN open · HK closed (next open 2026-11-23T09:30:00+08:00)",
    ]);
    const narrow = renderTable(rows, statuses, "reconnecting in 0.5 s (attempt 1)", 40);
    expect(narrow.every((line) => line.length <= 40)).toBe(true);
    expect(narrow[1]).toMatch(/^600519 {12}贵州茅台 .*…$/);
    expect(narrow.at(-1)).toBe("CN open · HK closed (next open 2026-11-…");
  });
});
