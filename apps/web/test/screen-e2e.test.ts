/**
 * End-to-end tests of the screen page (issue 18): Chromium against `next start` and the API in replay
 * mode (see harness.ts for what it needs). The replay holds qfq bars of 600519, 300750, 688981 and
 * 000001 up to 2024-05-22, and today's CSI 300 constituents (so a CSI 300 screen evaluates those four
 * and lists the other 296 as missing), and binance BTC/USDT and ETH/USDT daily bars.
 *
 * Every assertion compares the page with the API's own answer to the same request, asked by the test.
 */
import type { Page } from "playwright-core";
import type { ScreenAnswer } from "@quantdb/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dashboard, screenshot, startDashboard, visit as visitPage } from "./harness.ts";

let dashboard: Dashboard | undefined;
const visit = (path: string) => visitPage(dashboard, path);

/** The API's answer to a screen, asked directly (not through the page). */
async function screen(body: unknown): Promise<{ status: number; answer: ScreenAnswer; error?: { message: string } }> {
  const response = await fetch(`${dashboard!.apiUrl}/api/v1/screen`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as ScreenAnswer & { error?: { message: string } };
  return { status: response.status, answer: json, error: json.error };
}

/** What the results table shows, row by row. */
async function shownRows(page: Page) {
  return page.locator("[data-testid=screen-results] tbody tr").evaluateAll((rows) =>
    rows.map((row) => ({
      rank: row.querySelector("td")?.textContent,
      symbol: row.getAttribute("data-symbol"),
      href: row.querySelector("a[data-testid=screen-symbol]")?.getAttribute("href"),
      name: row.querySelectorAll("td")[2]?.textContent,
      score: row.querySelector("[data-testid=screen-score]")?.textContent,
      values: Object.fromEntries(
        [...row.querySelectorAll("td[data-field]")].map((td) => [
          td.getAttribute("data-field"),
          Number(td.getAttribute("data-value")),
        ]),
      ),
    })),
  );
}

/** The rows the page must show for an answer: rank, symbol, its page, name, score as displayed (4 decimals). */
function expectedRows(answer: ScreenAnswer, href: (symbol: string) => string) {
  return answer.results.map((r, i) => ({
    rank: String(i + 1),
    symbol: r.symbol,
    href: href(r.symbol),
    name: r.name ?? "—",
    score: r.score === null ? "—" : r.score.toFixed(4),
    values: r.values,
  }));
}

const stockHref = (symbol: string) => `/stock/${symbol}`;

/** The browser's report of a response with an error status (the page asked the API, which refused). */
const isRefusal = (error: string) => /status of 400/.test(error);

const FOUR = ["600519", "300750", "688981", "000001"];

beforeAll(async () => {
  // The replay answers at once: without the 3 calls/s politeness towards real hosts, a CSI 300 screen
  // (300 symbols fetched) takes seconds instead of 100 s. The test and the page (through the /qdb
  // proxy) are one caller, 127.0.0.1, whose two CSI 300 screens need ~600 upstream calls in a minute:
  // more than the default per-caller budget (600), which would refuse some symbols with RATE_LIMITED.
  dashboard = await startDashboard({
    apiEnv: { QUANTDB_UPSTREAM_RATE_PER_SECOND: "0", QUANTDB_RATE_LIMIT_PER_MINUTE: "100000" },
  });
});

afterAll(async () => {
  await dashboard?.close();
});

describe("screen page (replay upstream)", () => {
  it("without a screen in the URL: the builder and a hint, no call; linked from the navigation", async () => {
    const { page, errors } = await visit("/");
    try {
      await page.locator("nav.main a[href='/screen']").click();
      await page.waitForURL((url) => url.pathname === "/screen", { timeout: 30_000 });
      await page.locator("[data-testid=screen-form]").waitFor({ timeout: 20_000 });
      expect(await page.locator("[data-testid=empty]").count()).toBe(1);
      expect(await page.locator("select[name=universe]").inputValue()).toBe("000300");
      expect(await page.locator("[data-testid=screen-answer]").count()).toBe(0);
      expect(await page.locator("[data-testid=screen-loading]").count()).toBe(0);
      await screenshot(page, "screen-empty");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("a screen in the URL: the table shows exactly the API's results, linked to each stock page", async () => {
    const path = `/screen?symbols=${FOUR.join(",")}&as_of=2024-05-22&rank=pct_change_20:desc`;
    const { page, errors } = await visit(path);
    try {
      const table = page.locator("[data-testid=screen-results]");
      await table.waitFor({ timeout: 60_000 });
      const { status, answer } = await screen({
        universe: { symbols: FOUR },
        as_of: "2024-05-22",
        rank_by: [{ field: "pct_change_20", order: "desc" }],
      });
      expect(status).toBe(200);
      expect(answer.count).toBe(4);
      expect(await shownRows(page)).toEqual(expectedRows(answer, stockHref));
      expect(await table.locator("thead th[data-field]").evaluateAll((ths) => ths.map((th) => th.textContent))).toEqual(
        ["close", "pct_change_20"],
      );
      expect(await page.locator("[data-testid=screen-count]").innerText()).toBe(String(answer.count));
      expect(await page.locator("[data-testid=screen-as-of]").innerText()).toBe("2024-05-22");
      expect(await page.locator("[data-testid=screen-universe-size]").innerText()).toBe("4");
      expect(await page.locator("[data-testid=screen-evaluated]").innerText()).toBe("4");
      expect(await page.locator("[data-testid=screen-matched]").innerText()).toBe("4");
      expect(await page.locator("[data-testid=screen-no-missing]").count()).toBe(1);

      // the CSV holds the same rows, numbers as the API sent them
      const href = (await page.locator("a[data-testid=screen-csv]").getAttribute("href")) ?? "";
      const prefix = "data:text/csv;charset=utf-8,";
      expect(href.startsWith(prefix)).toBe(true);
      expect(decodeURIComponent(href.slice(prefix.length)).split("\n")).toEqual([
        "rank,symbol,market,name,score,date,provisional,close,pct_change_20",
        ...answer.results.map((r, i) =>
          [i + 1, r.symbol, r.market, r.name, r.score, r.date, r.provisional, r.values.close, r.values.pct_change_20]
            .map(String)
            .join(","),
        ),
      ]);
      await screenshot(page, "screen-symbols");

      // a symbol's link opens its stock page
      const first = answer.results[0]!.symbol;
      await page.locator(`tr[data-symbol="${first}"] a[data-testid=screen-symbol]`).click();
      await page.waitForURL((url) => url.pathname === `/stock/${first}`, { timeout: 30_000 });
      await page.locator("[data-testid=instrument-symbol]").waitFor({ timeout: 30_000 });
      expect(await page.locator("[data-testid=instrument-symbol]").innerText()).toBe(first);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("the builder puts the screen in the URL: list, date, a between filter, two weighted factors", async () => {
    const { page, errors } = await visit("/screen");
    try {
      await page.locator("select[name=universe]").selectOption("symbols");
      await page.locator("input[name=symbols]").fill(FOUR.join(" "));
      await page.locator("input[name=as_of]").fill("2024-05-22");
      await page.locator("[data-testid=add-filter]").click();
      const filter = page.locator("[data-testid=filter-row]").first();
      await filter.locator("input[name=field]").fill("close");
      await filter.locator("select[name=op]").selectOption("between");
      await filter.locator("input[name=value]").fill("10");
      await filter.locator("input[name=high]").fill("1000");
      // a second filter row, added then removed
      await page.locator("[data-testid=add-filter]").click();
      expect(await page.locator("[data-testid=filter-row]").count()).toBe(2);
      await page.locator("[data-testid=filter-row]").nth(1).locator("[data-testid=remove-filter]").click();
      expect(await page.locator("[data-testid=filter-row]").count()).toBe(1);
      await page.locator("[data-testid=add-rank]").click();
      const rank = page.locator("[data-testid=rank-row]").nth(1);
      await rank.locator("input[name=field]").fill("volatility_20");
      await rank.locator("select[name=order]").selectOption("asc");
      await rank.locator("input[name=weight]").fill("0.5");
      await page.locator("[data-testid=screen-run]").click();

      const query =
        `symbols=${FOUR.join(",")}&as_of=2024-05-22&filter=close:between:10:1000` +
        "&rank=pct_change_20:desc&rank=volatility_20:asc:0.5";
      await page.waitForURL((url) => url.search === `?${query}`, { timeout: 30_000 });
      const table = page.locator("[data-testid=screen-results]");
      await table.waitFor({ timeout: 60_000 });
      const { answer } = await screen({
        universe: { symbols: FOUR },
        as_of: "2024-05-22",
        filters: [{ field: "close", op: "between", value: [10, 1000] }],
        rank_by: [
          { field: "pct_change_20", order: "desc" },
          { field: "volatility_20", order: "asc", weight: 0.5 },
        ],
      });
      expect(answer.metadata.matched).toBe(3); // 600519 closed at 1697.71
      expect(await shownRows(page)).toEqual(expectedRows(answer, stockHref));
      expect(await page.locator("[data-testid=screen-matched]").innerText()).toBe("3");
      // the builder after the navigation shows the URL's screen
      expect(await page.locator("[data-testid=rank-row]").count()).toBe(2);
      expect(await page.locator("[data-testid=filter-row] input[name=high]").inputValue()).toBe("1000");
      await screenshot(page, "screen-builder");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("crypto pairs link to their pair pages", async () => {
    const pairs = ["binance:BTC/USDT", "binance:ETH/USDT"];
    const { page, errors } = await visit(`/screen?symbols=${pairs.join(",")}&as_of=2026-07-20&rank=pct_change_20:desc`);
    try {
      await page.locator("[data-testid=screen-results]").waitFor({ timeout: 60_000 });
      const { answer } = await screen({
        universe: { symbols: pairs },
        as_of: "2026-07-20",
        rank_by: [{ field: "pct_change_20", order: "desc" }],
      });
      expect(answer.count).toBe(2);
      expect(answer.adjust).toBe(""); // crypto pairs are unadjusted
      expect(await page.locator("[data-testid=screen-cache]").innerText()).toContain("Adjust: None");
      const pairHref = (symbol: string) => `/crypto/binance/${symbol.slice("binance:".length).replace("/", "-")}`;
      expect(await shownRows(page)).toEqual(expectedRows(answer, pairHref));
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("CSI 300: the API's results, its membership note, the 296 symbols not screened and why", async () => {
    const body = { universe: "000300", as_of: "2024-05-22", rank_by: [{ field: "pct_change_20" }] };
    // A first screen fetches every constituent; the replay has no bars for 296 of them, an empty answer
    // the cache confirms on the next request (the reason says so until then). Screen once first, so the
    // page's screen and the one compared after it have the same reasons.
    expect((await screen(body)).status).toBe(200);
    const { page, errors } = await visit("/screen?universe=000300&as_of=2024-05-22&rank=pct_change_20:desc");
    try {
      await page.locator("[data-testid=screen-results]").waitFor({ timeout: 120_000 });
      const { answer } = await screen(body);
      expect(answer.metadata.missing).toHaveLength(296);
      expect(await shownRows(page)).toEqual(expectedRows(answer, stockHref));
      expect(await page.locator("[data-testid=screen-universe-size]").innerText()).toBe("300");
      expect(await page.locator("[data-testid=screen-evaluated]").innerText()).toBe(String(answer.metadata.evaluated));
      expect(await page.locator("[data-testid=screen-membership]").innerText()).toContain(answer.metadata.membership);

      const missing = page.locator("[data-testid=screen-missing]");
      expect(await missing.getAttribute("data-count")).toBe("296");
      expect(await missing.locator("summary").innerText()).toBe("Not screened: 296");
      expect(await missing.locator("tbody tr").first().isVisible()).toBe(false); // collapsed
      await missing.locator("summary").click();
      await missing.locator("tbody tr").first().waitFor({ state: "visible" });
      const shown = await missing.locator("tbody tr").evaluateAll((rows) =>
        rows.map((row) => ({
          symbol: row.getAttribute("data-symbol"),
          reason: row.querySelector("[data-testid=screen-missing-reason]")?.textContent,
        })),
      );
      expect(shown).toEqual(answer.metadata.missing);
      expect(shown.every((m) => m.reason !== "")).toBe(true);
      await screenshot(page, "screen-csi300");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 300_000);

  it("a field the API does not know: its 400 and message in the error panel", async () => {
    const { status, error } = await screen({
      universe: { symbols: ["600519"] },
      as_of: "2024-05-22",
      rank_by: [{ field: "nosuch", order: "desc" }],
    });
    expect(status).toBe(400);
    const { page, errors } = await visit("/screen?symbols=600519&as_of=2024-05-22&rank=nosuch:desc");
    try {
      const panel = page.locator("[data-testid=panel-error]");
      await panel.waitFor({ timeout: 60_000 });
      expect(await panel.getAttribute("data-status")).toBe("400");
      expect(await panel.getAttribute("data-code")).toBe("VALIDATION_ERROR");
      expect(await panel.innerText()).toContain(error!.message);
      expect(await page.locator("[data-testid=screen-answer]").count()).toBe(0);
      expect(await page.locator("[data-testid=screen-loading]").count()).toBe(0);
      await screenshot(page, "screen-400");
      expect(errors.filter((e) => !isRefusal(e))).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
