/**
 * End-to-end tests of the dashboard: Debian's Chromium (playwright-core) against `next start`, the
 * API in replay mode (real recorded market data, offline) and a fresh embedded database (see
 * harness.ts for what it needs). Screenshots of every page go to `<repo>/test-results/` (a CI artifact).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Child,
  type Dashboard,
  numberIn,
  repoDir,
  screenshot,
  screenshotDir,
  settle,
  startDashboard,
  stop,
  visit as visitPage,
  webDir,
} from "./harness.ts";

const cliEntry = join(repoDir, "packages/cli/bin/quantdb.mjs");
/** The operator command the dashboard tells people to run for an admin key. */
const CREATE_ADMIN_KEY = "pnpm quantdb keys create --name dashboard --scope admin";

const CSV_COLUMNS = [
  "date",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "amount",
  "pct_change",
  "turnover_rate",
] as const;

interface Bar {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  amount: number | null;
  pct_change: number | null;
  turnover_rate: number | null;
  provisional: boolean;
  [key: string]: unknown;
}
interface History {
  symbol: string;
  adjust: string;
  period: string;
  data: Bar[];
}
interface IndicatorAnswer {
  indicators: string[];
  data: ({ date: string } & Record<string, string | number | boolean | null>)[];
  metadata: { warmup_sessions: number };
}

let dashboard: Dashboard | undefined;
let apiUrl = "";
let webUrl = "";
let api: Child | undefined;
let browser: Browser | undefined;
/** An admin-scope and a read-scope API key, made with the operator command on the API's database before it starts. */
let adminKey = "";
let readKey = "";

/** Make an API key with `quantdb keys create --json` on the database `env` names; returns the key. */
async function createApiKey(env: NodeJS.ProcessEnv, name: string, scope: "read" | "admin"): Promise<string> {
  const stdout = await new Promise<string>((done, fail) => {
    execFile(
      process.execPath,
      [cliEntry, "keys", "create", "--name", name, "--scope", scope, "--json"],
      { cwd: repoDir, env, timeout: 120_000 },
      (error, out, err) => {
        if (error) fail(new Error(`quantdb keys create failed: ${error.message}\n${err}`));
        else done(out);
      },
    );
  });
  const made = JSON.parse(stdout) as { key: string; scope: string };
  expect(made.scope).toBe(scope);
  return made.key;
}

/** The API's answer for the same parameters the page URL carries. */
async function history(
  kind: "stock" | "index",
  symbol: string,
  params: { start: string; end: string; adjust?: string; period?: string },
): Promise<History> {
  const query = new URLSearchParams({
    start_date: params.start,
    end_date: params.end,
    period: params.period ?? "daily",
  });
  if (kind === "stock") query.set("adjust", params.adjust ?? "");
  const path = kind === "stock" ? `/api/v1/historical/stock/${symbol}` : `/api/v1/index/historical/${symbol}`;
  const response = await fetch(`${apiUrl}${path}?${query}`);
  expect(response.status, `${path}?${query}`).toBe(200);
  return (await response.json()) as History;
}

/** The API's indicators answer for the same range, adjust and period as a page URL's. */
async function indicators(
  kind: "stock" | "index",
  symbol: string,
  list: string,
  params: { start: string; end: string; adjust?: string; period?: string },
): Promise<IndicatorAnswer> {
  const query = new URLSearchParams({
    indicators: list,
    start_date: params.start,
    end_date: params.end,
    period: params.period ?? "daily",
  });
  if (kind === "stock") query.set("adjust", params.adjust ?? "");
  else query.set("kind", "index");
  const path = `/api/v1/indicators/${symbol}?${query}`;
  const response = await fetch(`${apiUrl}${path}`);
  expect(response.status, path).toBe(200);
  return (await response.json()) as IndicatorAnswer;
}

/** The CSV the page must offer: the header, then one row per bar, values as the API sent them (null = empty). */
function csvOf(bars: Bar[]): string {
  const cell = (value: unknown) => {
    if (value === null || value === undefined) return "";
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [CSV_COLUMNS.join(","), ...bars.map((bar) => CSV_COLUMNS.map((column) => cell(bar[column])).join(","))].join(
    "\n",
  );
}

function csvLines(csv: string): string[] {
  const lines = csv.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  return lines;
}

/** Open `path` in a fresh browser context, collecting console and page errors (harness.ts). */
const visit = (path: string) => visitPage(dashboard, path);

const STOCK = { symbol: "600519", start: "2024-01-02", end: "2024-03-29", adjust: "qfq", period: "daily" };
const HK = { symbol: "00700", start: "2021-03-01", end: "2021-03-31", period: "daily" };
const INDEX = { symbol: "000300", start: "2024-01-02", end: "2024-03-29", period: "daily" };

const stockPath = (p: { symbol: string; start: string; end: string; adjust: string; period: string }) =>
  `/stock/${p.symbol}?${new URLSearchParams({ start: p.start, end: p.end, adjust: p.adjust, period: p.period })}`;

/** Pages every dashboard has, plus the optional ones whose route exists in this build. */
function pages(): { name: string; path: string }[] {
  const indexQuery = new URLSearchParams({ start: INDEX.start, end: INDEX.end, period: INDEX.period });
  const list = [
    { name: "stock", path: stockPath(STOCK) },
    { name: "stock-indicators", path: `${stockPath(STOCK)}&indicators=macd,kdj,rsi,boll` },
    { name: "index", path: `/index/${INDEX.symbol}?${indexQuery}` },
    { name: "cache", path: "/cache" },
    { name: "status", path: "/status" },
    { name: "calendar", path: "/calendar" },
  ];
  const app = join(webDir, "src/app");
  if (existsSync(join(app, "page.tsx"))) list.push({ name: "home", path: "/" });
  if (existsSync(join(app, "compare")))
    list.push({ name: "compare", path: `/compare?symbols=600519,000001&start=${STOCK.start}&end=${STOCK.end}` });
  if (existsSync(join(app, "asset"))) list.push({ name: "asset", path: "/asset/600519" });
  if (existsSync(join(app, "watchlist"))) list.push({ name: "watchlist", path: "/watchlist" });
  return list;
}

beforeAll(async () => {
  dashboard = await startDashboard({
    // before the API starts: the embedded database is opened by one process at a time
    beforeApi: async (env) => {
      adminKey = await createApiKey(env, "dashboard-e2e", "admin");
      readKey = await createApiKey(env, "reader-e2e", "read");
    },
  });
  ({ apiUrl, webUrl, browser, api } = dashboard);
});

afterAll(async () => {
  await dashboard?.close();
});

describe("dashboard against the API (replay upstream)", () => {
  for (const { name, path } of pages()) {
    it(`${name} page loads without console or page errors`, async () => {
      const { page, errors } = await visit(path);
      try {
        await screenshot(page, name);
        expect(
          await page.locator("[data-testid=api-unreachable]").count(),
          "API-unreachable banner while the API is up",
        ).toBe(0);
        expect(errors).toEqual([]);
      } finally {
        await page.context().close();
      }
    });
  }

  it("stock page draws one candle per bar the API returned for the range", async () => {
    const expected = await history("stock", STOCK.symbol, STOCK);
    expect(expected.data.length).toBe(58);
    const { page } = await visit(stockPath(STOCK));
    try {
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 20_000 }).toBe(expected.data.length);
      const dates = await page
        .locator("[data-candle]")
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-candle")));
      expect([...dates].sort()).toEqual(expected.data.map((bar) => bar.date));
      expect(await page.locator("[data-provisional=true]").count()).toBe(
        expected.data.filter((bar) => bar.provisional).length,
      );
    } finally {
      await page.context().close();
    }
  });

  it("stock page header: quote and market state from the live stream (Live, or Closed: next open)", async () => {
    const { page, errors } = await visit(stockPath(STOCK));
    try {
      const quote = page.locator("[data-testid=live-quote]");
      expect(await quote.getAttribute("data-symbol")).toBe(STOCK.symbol);
      // the market state follows the wall clock here (no QUANTDB_NOW): open or not, the stream says which
      const indicator = quote.locator("[data-testid=live-indicator]");
      await expect.poll(() => indicator.getAttribute("data-state"), { timeout: 30_000 }).toMatch(/^(live|closed)$/);
      if ((await indicator.getAttribute("data-state")) === "closed")
        expect(await indicator.innerText()).toMatch(/^Closed · opens \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\+08:00\)$/);
      const price = quote.locator("[data-testid=live-price]");
      await expect.poll(async () => numberIn(await price.innerText()), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await quote.innerText()).toContain("CNY");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("index page draws one candle per bar the API returned for the range", async () => {
    const expected = await history("index", INDEX.symbol, INDEX);
    expect(expected.data.length).toBeGreaterThan(0);
    const { page } = await visit(pages().find((p) => p.name === "index")!.path);
    try {
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 20_000 }).toBe(expected.data.length);
    } finally {
      await page.context().close();
    }
  });

  it("stock page's MACD pane draws one histogram bar per row of the API's indicators answer", async () => {
    const expected = await indicators("stock", STOCK.symbol, "macd", STOCK);
    expect(expected.indicators).toEqual(["macd_dif", "macd_dea", "macd"]);
    expect(expected.data.length).toBe(58);
    // the warm-up before the range makes every row's MACD computable: one bar per row
    expect(expected.data.filter((row) => typeof row.macd !== "number")).toEqual([]);
    const { page, errors } = await visit(`${stockPath(STOCK)}&indicators=macd`);
    try {
      const pane = page.locator("[data-testid=pane-macd]");
      await expect
        .poll(() => pane.locator(".recharts-bar-rectangle").count(), { timeout: 20_000 })
        .toBe(expected.data.length);
      const bars = await pane
        .locator("[data-macd-bar]")
        .evaluateAll((nodes) => nodes.map((n) => [n.getAttribute("data-macd-bar"), n.getAttribute("data-sign")]));
      expect(bars.map(([date]) => date).sort()).toEqual(expected.data.map((row) => row.date));
      const signs = new Map(bars.map(([date, sign]) => [date, sign]));
      for (const row of expected.data)
        expect(signs.get(row.date), row.date).toBe((row.macd as number) >= 0 ? "+" : "-");
      expect(await pane.locator(".recharts-line-curve").count()).toBe(2); // DIF and DEA
      // the pane shares the price chart's dates: one candle per histogram bar
      expect(await page.locator("[data-candle]").count()).toBe(expected.data.length);
      expect(await page.locator("[data-indicator=macd]").getAttribute("aria-pressed")).toBe("true");
      expect(await page.locator("[data-testid=panel-error]").count()).toBe(0);
      await screenshot(page, "stock-macd");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("the indicator buttons put BOLL, KDJ and RSI in the URL and draw their lines; off removes them", async () => {
    const { page, errors } = await visit(stockPath(STOCK));
    const chosen = () => new URL(page.url()).searchParams.get("indicators");
    const curves = (selector: string) => page.locator(`${selector} .recharts-line-curve`).count();
    try {
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 20_000 }).toBe(58);
      expect(await page.locator("[data-testid=indicator-panes]").count()).toBe(0);

      await page.locator("[data-indicator=boll]").click();
      await page.waitForURL(() => chosen() === "boll", { timeout: 30_000 });
      await expect.poll(() => curves("[data-testid=price-chart] .boll-line"), { timeout: 20_000 }).toBe(3);

      await page.locator("[data-indicator=kdj]").click();
      await page.waitForURL(() => chosen() === "boll,kdj", { timeout: 30_000 });
      await expect.poll(() => curves("[data-testid=pane-kdj]"), { timeout: 20_000 }).toBe(3); // K, D, J

      await page.locator("[data-indicator=rsi]").click();
      await page.waitForURL(() => chosen() === "boll,kdj,rsi", { timeout: 30_000 });
      const rsi = page.locator("[data-testid=pane-rsi]");
      await expect.poll(() => curves("[data-testid=pane-rsi]"), { timeout: 20_000 }).toBe(1); // rsi6
      expect(await rsi.locator(".recharts-reference-line").count()).toBe(2); // 30 and 70
      expect(await rsi.innerText()).toContain("RSI6");
      for (const pane of ["boll", "kdj", "rsi"])
        expect(await page.locator(`[data-indicator=${pane}]`).getAttribute("aria-pressed")).toBe("true");
      expect(await page.locator("[data-indicator=macd]").getAttribute("aria-pressed")).toBe("false");
      expect(await page.locator("[data-candle]").count()).toBe(58);
      await screenshot(page, "stock-boll-kdj-rsi");

      await page.locator("[data-indicator=boll]").click();
      await page.waitForURL(() => chosen() === "kdj,rsi", { timeout: 30_000 });
      await expect.poll(() => curves("[data-testid=price-chart] .boll-line"), { timeout: 20_000 }).toBe(0);
      expect(await curves("[data-testid=pane-kdj]")).toBe(3);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("index page draws the panes from the API's index indicators answer", async () => {
    const expected = await indicators("index", INDEX.symbol, "macd,kdj,rsi,boll", INDEX);
    expect(expected.data.length).toBeGreaterThan(0);
    const query = new URLSearchParams({ start: INDEX.start, end: INDEX.end, period: INDEX.period });
    const { page, errors } = await visit(`/index/${INDEX.symbol}?${query}&indicators=macd,kdj,rsi,boll`);
    try {
      const computable = expected.data.filter((row) => typeof row.macd === "number").length;
      await expect
        .poll(() => page.locator("[data-testid=pane-macd] .recharts-bar-rectangle").count(), { timeout: 20_000 })
        .toBe(computable);
      expect(computable).toBe(expected.data.length);
      expect(await page.locator("[data-testid=pane-kdj] .recharts-line-curve").count()).toBe(3);
      expect(await page.locator("[data-testid=pane-rsi] .recharts-line-curve").count()).toBe(1);
      expect(await page.locator("[data-testid=price-chart] .boll-line .recharts-line-curve").count()).toBe(3);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("an indicator the API refuses shows its 400 in the price panel; the price chart is still drawn", async () => {
    const response = await fetch(`${apiUrl}/api/v1/indicators/${STOCK.symbol}?indicators=macd,nosuch`);
    expect(response.status).toBe(400);
    const { code } = ((await response.json()) as { error: { code: string } }).error;
    const { page, errors } = await visit(`${stockPath(STOCK)}&indicators=macd,nosuch`);
    try {
      const panel = page.locator("[data-testid=price-panel] [data-testid=panel-error]");
      await panel.waitFor({ state: "visible", timeout: 20_000 });
      expect(await panel.getAttribute("data-status")).toBe("400");
      expect(await panel.getAttribute("data-code")).toBe(code);
      expect(await panel.innerText()).toContain("Indicators: Error 400");
      expect(await page.locator("[data-candle]").count()).toBe(58);
      expect(await page.locator("[data-testid=indicator-panes]").count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("the CSV download holds exactly the bars shown, values as the API sent them", async () => {
    const expected = await history("stock", STOCK.symbol, STOCK);
    const { page } = await visit(stockPath(STOCK));
    try {
      const link = page.locator("a[data-testid=csv-download]");
      await link.waitFor({ state: "attached", timeout: 20_000 });
      const href = (await link.getAttribute("href")) ?? "";
      const prefix = "data:text/csv;charset=utf-8,";
      expect(href.startsWith(prefix), `href starts with ${prefix}: ${href.slice(0, 60)}`).toBe(true);
      const csv = decodeURIComponent(href.slice(prefix.length));
      expect(csvLines(csv)).toEqual(csvLines(csvOf(expected.data)));
      expect(csvLines(csv).length - 1).toBe(await page.locator("[data-candle]").count());
    } finally {
      await page.context().close();
    }
  });

  it("switching adjust from unadjusted to qfq changes the prices to the API's qfq prices", async () => {
    const raw = await history("stock", HK.symbol, { ...HK, adjust: "" });
    const qfq = await history("stock", HK.symbol, { ...HK, adjust: "qfq" });
    expect(raw.data.length).toBeGreaterThan(0);
    expect(qfq.data.length).toBe(raw.data.length);
    const rawClose = raw.data.at(-1)!.close;
    const qfqClose = qfq.data.at(-1)!.close;
    expect(Math.abs(rawClose - qfqClose)).toBeGreaterThan(1);

    const { page, errors } = await visit(stockPath({ ...HK, adjust: "" }));
    try {
      const select = page.locator("select[name=adjust]");
      expect(await select.inputValue()).toBe("");
      const lastClose = page.locator("[data-testid=last-close]");
      await expect
        .poll(async () => numberIn(await lastClose.innerText()), { timeout: 20_000 })
        .toBeCloseTo(rawClose, 1);
      const csvBefore = decodeURIComponent(
        (await page.locator("a[data-testid=csv-download]").getAttribute("href")) ?? "",
      );
      await screenshot(page, "stock-hk-unadjusted");

      await select.selectOption("qfq");
      await expect
        .poll(async () => numberIn(await lastClose.innerText()), { timeout: 30_000 })
        .toBeCloseTo(qfqClose, 1);
      await settle(page);
      expect(await select.inputValue()).toBe("qfq");
      const tableText = await page.locator("[data-testid=bars-table]").innerText();
      expect(tableText).toContain(qfq.data.at(-1)!.date);
      const csvAfter = (await page.locator("a[data-testid=csv-download]").getAttribute("href")) ?? "";
      expect(decodeURIComponent(csvAfter)).not.toBe(csvBefore);
      expect(csvLines(decodeURIComponent(csvAfter.slice(csvAfter.indexOf(",") + 1)))).toEqual(
        csvLines(csvOf(qfq.data)),
      );
      await screenshot(page, "stock-hk-qfq");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("compare page draws one rebased line per symbol and a correlation of 1.00 of each with itself", async () => {
    const symbols = ["600519", "000001"];
    const query = new URLSearchParams({
      symbols: symbols.join(","),
      start: STOCK.start,
      end: STOCK.end,
      adjust: STOCK.adjust,
    });
    const { page, errors } = await visit(`/compare?${query}`);
    try {
      const chart = page.locator("[data-testid=compare-chart]");
      await chart.waitFor({ state: "visible", timeout: 20_000 });
      await expect.poll(() => chart.locator(".recharts-line-curve").count(), { timeout: 20_000 }).toBe(symbols.length);
      for (const symbol of symbols) {
        expect(
          (await page.locator(`[data-testid=correlation-table] [data-pair="${symbol}|${symbol}"]`).innerText()).trim(),
        ).toBe("1.00");
      }
      const cross = numberIn(
        await page.locator(`[data-testid=correlation-table] [data-pair="600519|000001"]`).innerText(),
      );
      expect(cross).toBeGreaterThanOrEqual(-1);
      expect(cross).toBeLessThanOrEqual(1);
      expect(await page.locator("[data-testid=panel-error]").count()).toBe(0);
      await screenshot(page, "compare-qfq");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("company page shows 贵州茅台's company information and financial charts", async () => {
    const { page, errors } = await visit("/asset/600519");
    try {
      const info = page.locator("[data-testid=company-info]");
      await info.waitFor({ state: "visible", timeout: 20_000 });
      expect(await info.innerText()).toContain("贵州茅台");
      const charts = page.locator("[data-testid=financial-charts]");
      await charts.waitFor({ state: "visible", timeout: 20_000 });
      expect(await charts.locator("[data-metric]").count()).toBe(4);
      expect(await charts.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("company page of an HK symbol shows the API's 4xx message in the financial panel", async () => {
    const response = await fetch(`${apiUrl}/api/v1/financial/00700/summary`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const { page } = await visit("/asset/00700");
    try {
      const panel = page.locator("section[aria-label='Financial summary'] [data-testid=panel-error]");
      await panel.waitFor({ state: "visible", timeout: 20_000 });
      expect(Number(await panel.getAttribute("data-status"))).toBe(response.status);
      await screenshot(page, "asset-hk");
    } finally {
      await page.context().close();
    }
  });

  it("search autocompletes a name from the stock list (fetched on request); the keyboard opens the pick", async () => {
    const { page, errors } = await visit(stockPath(STOCK));
    try {
      const input = page.locator("[data-testid=search-input]");
      expect(await input.getAttribute("role")).toBe("combobox");
      await input.fill("");
      await input.pressSequentially("中芯");
      expect(await input.getAttribute("aria-expanded")).toBe("true");
      const listbox = page.locator(`#${await input.getAttribute("aria-controls")}`);
      expect(await listbox.getAttribute("role")).toBe("listbox");
      // a fresh database holds no stock list yet: the box offers to fetch the SH list (through the API's list endpoint)
      const loadSh = page.locator("[data-testid=search-missing-lists] button[data-market=SH]");
      await loadSh.waitFor({ state: "visible", timeout: 20_000 });
      await loadSh.click();
      const option = listbox.locator("[role=option][data-symbol='688981']");
      await option.waitFor({ state: "visible", timeout: 90_000 });
      expect(await option.innerText()).toContain("中芯国际");
      const api = (await (
        await fetch(`${apiUrl}/api/v1/assets/search?q=${encodeURIComponent("中芯")}&limit=10`)
      ).json()) as { results: { symbol: string }[] };
      expect(
        await listbox.locator("[role=option]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-symbol"))),
      ).toEqual(api.results.map((r) => r.symbol));
      await screenshot(page, "search");

      const position = api.results.findIndex((r) => r.symbol === "688981");
      for (let i = 0; i <= position; i++) await input.press("ArrowDown");
      expect(await option.getAttribute("aria-selected")).toBe("true");
      expect(await input.getAttribute("aria-activedescendant")).toBe(await option.getAttribute("id"));
      // Escape closes the list without leaving; ArrowDown reopens it
      await input.press("Escape");
      expect(await input.getAttribute("aria-expanded")).toBe("false");
      await input.press("ArrowDown");
      await option.waitFor({ state: "visible" });
      for (let i = 0; i <= position; i++) await input.press("ArrowDown");
      await input.press("Enter");
      await page.waitForURL((url) => url.pathname === "/stock/688981", { timeout: 30_000 });
      const url = new URL(page.url());
      expect(url.searchParams.get("start")).toBe(STOCK.start); // the chart view is kept
      await page.locator("[data-testid=instrument-symbol]", { hasText: "688981" }).waitFor({ timeout: 30_000 });
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 150_000);

  it("watchlist: add a symbol, see its quote from the API, remove one, and keep the list across a reload", async () => {
    const { page, errors } = await visit("/watchlist");
    try {
      const rows = () =>
        page
          .locator("[data-testid=watchlist] tbody tr")
          .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-symbol")));
      await page.locator("[data-testid=watchlist]").waitFor({ timeout: 20_000 });
      // the default list is read from localStorage after hydration: wait for its rows
      await expect.poll(async () => (await rows()).length, { timeout: 20_000 }).toBeGreaterThan(0);
      const before = await rows();
      await page.locator("[data-testid=watchlist-input]").fill("00700");
      await page.locator("[data-testid=watchlist-add]").click();
      const row = page.locator("[data-testid=watchlist] tr[data-symbol='00700']");
      await row.waitFor({ timeout: 20_000 });
      const quote = (await (await fetch(`${apiUrl}/api/v1/realtime/stock/00700`)).json()) as {
        name: string;
        price: number;
        currency: string;
      };
      await expect.poll(async () => await row.innerText(), { timeout: 20_000 }).toContain(quote.name);
      const text = await row.innerText();
      expect(text).toContain(quote.currency);
      expect(numberIn(text.slice(text.indexOf(quote.name) + quote.name.length))).toBeCloseTo(quote.price, 2);
      await screenshot(page, "watchlist-added");

      const removed = before[0]!;
      await page.locator(`[data-testid=watchlist] tr[data-symbol='${removed}'] button`).click();
      await expect.poll(rows).toEqual([...before.slice(1), "00700"]);
      expect(JSON.parse((await page.evaluate(() => localStorage.getItem("quantdb.watchlist"))) ?? "null")).toEqual([
        ...before.slice(1),
        "00700",
      ]);

      await page.reload({ waitUntil: "load" });
      // after the reload the list is read from localStorage again once hydrated (it may render more than once)
      await expect.poll(rows, { timeout: 20_000 }).toEqual([...before.slice(1), "00700"]);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("stock page on a narrow (390×844) window: no horizontal overflow, chart visible; and in dark mode", async () => {
    const expected = await history("stock", STOCK.symbol, STOCK);
    for (const scheme of ["light", "dark"] as const) {
      const context = await browser!.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        colorScheme: scheme,
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      try {
        await page.goto(webUrl + stockPath(STOCK), { waitUntil: "load", timeout: 60_000 });
        await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 20_000 }).toBe(expected.data.length);
        await settle(page);
        const widths = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          body: document.body.scrollWidth,
          inner: window.innerWidth,
        }));
        expect(widths.scroll, JSON.stringify(widths)).toBeLessThanOrEqual(widths.inner);
        expect(widths.body, JSON.stringify(widths)).toBeLessThanOrEqual(widths.inner);
        const chart = await page.locator("[data-candle]").first().boundingBox();
        expect(chart).not.toBeNull();
        expect(chart!.x).toBeGreaterThanOrEqual(0);
        expect(chart!.x + chart!.width).toBeLessThanOrEqual(390);
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
        const luminance = (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
        if (scheme === "dark") expect(luminance, background).toBeLessThan(0.2);
        else expect(luminance, background).toBeGreaterThan(0.8);
        await page.screenshot({
          path: join(screenshotDir, scheme === "dark" ? "stock-mobile-dark.png" : "stock-mobile.png"),
          fullPage: true,
        });
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }
    const dark = await browser!.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: "dark" });
    try {
      const page = await dark.newPage();
      await page.goto(webUrl + stockPath(STOCK), { waitUntil: "load", timeout: 60_000 });
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 20_000 }).toBe(expected.data.length);
      await settle(page);
      await screenshot(page, "stock-dark");
    } finally {
      await dark.close();
    }
  });

  it("a 5-year daily index chart draws one candle per bar the API returned", async () => {
    const range = { symbol: "000300", start: "2019-05-22", end: "2024-05-22", period: "daily" };
    const expected = await history("index", range.symbol, range);
    expect(expected.data.length).toBeGreaterThan(1100);
    const { page, errors } = await visit(
      `/index/${range.symbol}?${new URLSearchParams({ start: range.start, end: range.end, period: range.period })}`,
    );
    try {
      const started = Date.now();
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 30_000 }).toBe(expected.data.length);
      const rendered = await page.evaluate(() => {
        const entry = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
        return {
          domContentLoaded: entry?.domContentLoadedEventEnd ?? null,
          load: entry?.loadEventEnd ?? null,
          now: performance.now(),
        };
      });
      console.log(
        `[e2e] 5Y daily chart: ${expected.data.length} candles; ` +
          `navigation load ${Math.round(rendered.load ?? -1)} ms, ` +
          `all candles counted ${Date.now() - started} ms after load`,
      );
      // Timings are printed for people, not asserted (tests never bound wall-clock time; see pnpm bench).
      expect(rendered.load).not.toBeNull();
      await screenshot(page, "index-5y");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("cache page charts the API's per-minute activity; status page shows database and upstream state", async () => {
    const { page, errors } = await visit("/cache");
    try {
      const table = page.locator("[data-testid=activity-table]");
      await table.waitFor({ state: "attached", timeout: 20_000 });
      await page
        .locator("[data-testid=activity-chart] .recharts-bar-rectangle")
        .first()
        .waitFor({ state: "attached", timeout: 20_000 });
      const stats = (await (await fetch(`${apiUrl}/api/v1/cache/stats`)).json()) as {
        activity: { minutes: { start: string; requests: number; upstream_calls: number }[] };
      };
      const shown = await table.locator("tbody tr").evaluateAll((nodes) =>
        nodes.map((n) => ({
          start: n.getAttribute("data-minute"),
          requests: Number(n.getAttribute("data-requests")),
          upstream_calls: Number(n.getAttribute("data-upstream-calls")),
        })),
      );
      const busy = stats.activity.minutes
        .filter((m) => m.requests > 0 || m.upstream_calls > 0)
        .map(({ start, requests, upstream_calls }) => ({ start, requests, upstream_calls }));
      expect(shown.length).toBeGreaterThan(0);
      expect(shown).toEqual(busy);
      await screenshot(page, "cache-activity");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }

    const status = await visit("/status");
    try {
      const health = (await (await fetch(`${apiUrl}/health`)).json()) as {
        database: string;
        details?: { upstreams?: unknown[] };
      };
      expect(await status.page.locator("[data-testid=health-database]").getAttribute("data-database")).toBe(
        health.database,
      );
      expect(await status.page.locator("[data-testid=health-database]").innerText()).toContain("PGlite");
      const upstreams = health.details?.upstreams;
      if (Array.isArray(upstreams)) {
        expect(await status.page.locator("[data-testid=upstreams] tbody tr").count()).toBe(upstreams.length);
      } else {
        expect(await status.page.locator("[data-testid=upstreams-not-reported]").count()).toBe(1);
      }
      expect(status.errors).toEqual([]);
    } finally {
      await status.page.context().close();
    }
  });

  it("switches the UI to Chinese and back, kept across a reload; stock names stay as upstream gives them", async () => {
    const { page, errors } = await visit(stockPath(STOCK));
    try {
      const nav = page.locator("nav.main");
      expect(await nav.innerText()).toContain("Stock");
      const name = await page.locator("[data-testid=instrument-name]").innerText();
      expect(name).toBe("贵州茅台");
      await page.locator("[data-testid=lang-toggle]").click();
      await expect.poll(() => nav.innerText()).toContain("个股");
      expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
      await page.reload({ waitUntil: "load" });
      await expect.poll(() => nav.innerText(), { timeout: 20_000 }).toContain("个股");
      expect(await page.locator("[data-testid=instrument-name]").innerText()).toBe(name);
      await screenshot(page, "stock-zh");
      await page.locator("[data-testid=lang-toggle]").click();
      await expect.poll(() => nav.innerText()).toContain("Stock");
      expect(await page.evaluate(() => localStorage.getItem("quantdb.lang"))).toBe("en");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("cache admin actions without an admin key: refused saying how to make one, done once it is entered", async () => {
    await history("stock", STOCK.symbol, STOCK); // something held to refresh and clear
    const heldSpans = async () => {
      const response = await fetch(`${apiUrl}/api/v1/cache/coverage/${STOCK.symbol}`);
      const body = (await response.json()) as { spans?: unknown[] };
      return response.status === 404 ? 0 : body.spans!.length; // 404: the symbol is not held at all
    };
    const spansBefore = await heldSpans();
    expect(spansBefore).toBeGreaterThan(0);
    expect((await fetch(`${apiUrl}/api/v1/cache/clear/${STOCK.symbol}`, { method: "DELETE" })).status).toBe(401);

    const { page, errors } = await visit("/cache");
    page.on("dialog", (dialog) => void dialog.accept()); // the confirm() before each admin action
    try {
      const coverage = page.locator("[data-testid=coverage]");
      await page.locator("section[aria-label=Coverage] input[name=symbol]").fill(STOCK.symbol);
      await page.locator("section[aria-label=Coverage] button[type=submit]").click();
      await coverage.waitFor({ timeout: 20_000 });

      // no key: each admin action is refused, the panel says how to get an admin key, and nothing changes
      for (const action of ["refresh-symbol", "clear-symbol", "clear-all"]) {
        await page.locator(`[data-testid=${action}]`).click();
        const needed = page.locator(`[data-testid=admin-key-needed][data-action=${action}]`);
        await needed.waitFor({ timeout: 20_000 });
        expect(await needed.getAttribute("data-status")).toBe("401");
        expect(await needed.innerText()).toContain(
          `This needs an admin API key: create one with ${CREATE_ADMIN_KEY} and enter it above`,
        );
        expect(await page.locator("[data-testid=admin-result]").count()).toBe(0);
      }
      expect(await heldSpans()).toBe(spansBefore);
      await screenshot(page, "cache-admin-key-needed");

      // the header's key control: a malformed and an unknown key are refused and not kept
      await page.locator("[data-testid=api-key-summary]").click();
      const input = page.locator("[data-testid=api-key-input]");
      expect(await input.getAttribute("type")).toBe("password");
      const status = page.locator("[data-testid=api-key-status]");
      await input.fill("not-a-key");
      await page.locator("[data-testid=api-key-save]").click();
      await expect.poll(() => status.getAttribute("data-kind")).toBe("error");
      expect(await status.innerText()).toContain("not a QuantDB API key");
      await input.fill(`qdb_${"A".repeat(43)}`); // well-formed, but no such key
      await page.locator("[data-testid=api-key-save]").click();
      await expect.poll(() => status.innerText(), { timeout: 20_000 }).toContain("does not accept");
      expect(await page.evaluate(() => sessionStorage.getItem("quantdb.apiKey"))).toBeNull();

      // a read key is accepted, but an admin action is still refused (403), with the same advice
      const summary = page.locator("[data-testid=api-key-summary]");
      await input.fill(readKey);
      await page.locator("[data-testid=api-key-save]").click();
      await expect.poll(() => summary.innerText(), { timeout: 20_000 }).toContain(readKey.slice(0, 12));
      await summary.click(); // close the popup
      await page.locator("[data-testid=refresh-symbol]").click();
      const forbidden = page.locator("[data-testid=admin-key-needed][data-action=refresh-symbol]");
      await forbidden.waitFor({ timeout: 20_000 });
      expect(await forbidden.getAttribute("data-status")).toBe("403");
      expect(await forbidden.innerText()).toContain(
        `This needs an admin API key: create one with ${CREATE_ADMIN_KEY} and enter it above`,
      );
      expect(await heldSpans()).toBe(spansBefore);
      await summary.click();

      // the admin key: kept in this tab's sessionStorage only, shown by its prefix only
      await input.fill(adminKey);
      await page.locator("[data-testid=api-key-save]").click();
      await expect.poll(() => summary.innerText(), { timeout: 20_000 }).toContain(adminKey.slice(0, 12));
      expect(await page.evaluate(() => sessionStorage.getItem("quantdb.apiKey"))).toBe(adminKey);
      expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(adminKey);
      expect(await page.content()).not.toContain(adminKey);
      expect(await page.locator("[data-testid=admin-key-needed]").count()).toBe(0);
      await page.locator("[data-testid=api-key-summary]").click(); // close the popup

      // with the key (sent as Bearer through the /qdb proxy) the same actions are done
      await page.locator("[data-testid=refresh-symbol]").click();
      const refreshed = page.locator("[data-testid=admin-result][data-action=refresh-symbol]");
      await refreshed.waitFor({ timeout: 60_000 });
      expect(await refreshed.innerText()).toMatch(/^Done: /);
      await coverage.waitFor({ timeout: 20_000 });
      await page.locator("[data-testid=clear-symbol]").click();
      const cleared = page.locator("[data-testid=admin-result][data-action=clear-symbol]");
      await cleared.waitFor({ timeout: 20_000 });
      expect(await cleared.innerText()).toMatch(/^Done: /);
      expect(await page.locator("[data-testid=admin-key-needed]").count()).toBe(0);
      expect(await heldSpans()).toBe(0);
      await screenshot(page, "cache-admin-done");
      // the only console errors: the browser reporting the refused (401, 403) requests, and the 404 of
      // the coverage reload after the clear (the symbol is no longer held)
      expect(
        errors.filter(
          (e) =>
            !/status of 40[13]/.test(e) && !(/status of 404/.test(e) && e.includes(`/cache/coverage/${STOCK.symbol}`)),
        ),
      ).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  // Last: stops the API for good.
  it("shows the API-unreachable state once the API is stopped", async () => {
    await stop(api!);
    for (const { name, path } of pages().filter((p) => ["stock", "index", "cache", "status"].includes(p.name))) {
      const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
      try {
        const response = await page.goto(webUrl + path, { waitUntil: "load", timeout: 60_000 });
        expect(response, `${name}: the web server still answers`).not.toBeNull();
        const errorState = page.locator("[data-testid=api-unreachable], [data-testid=panel-error]");
        await errorState.first().waitFor({ state: "visible", timeout: 20_000 });
        await settle(page);
        await screenshot(page, `${name}-api-down`);
        expect(await page.locator("[data-candle]").count(), `${name}: no candles without the API`).toBe(0);
      } finally {
        await page.context().close();
      }
    }
  });
});
