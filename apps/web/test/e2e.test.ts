/**
 * End-to-end tests of the dashboard: Debian's Chromium (playwright-core) against `next start`, the
 * API in replay mode (real recorded market data, offline) and a fresh embedded database.
 *
 * Needs `next build` (turbo runs it first), `apps/api/dist` (the API's build) and a Chromium at
 * CHROMIUM_PATH or /usr/bin/chromium (`.ci/run` installs Debian's). Screenshots of every page go to
 * `<repo>/test-results/` (a CI artifact).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoDir = resolve(webDir, "../..");
const screenshotDir = join(repoDir, "test-results");
const apiEntry = join(repoDir, "apps/api/dist/index.mjs");
const nextBin = createRequire(join(webDir, "package.json")).resolve("next/dist/bin/next");

const CSV_COLUMNS = ["date", "open", "high", "low", "close", "volume", "amount", "pct_change", "turnover_rate"] as const;

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

interface Child {
  name: string;
  process: ChildProcess;
  output: string[];
}

const children: Child[] = [];
let apiUrl = "";
let webUrl = "";
let api: Child | undefined;
let browser: Browser | undefined;
let dataDir = "";

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Start a child in its own process group, so stopping it also stops anything it started. */
function start(name: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Child {
  const child = spawn(process.execPath, args, { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const entry = { name, process: child, output };
  children.push(entry);
  return entry;
}

async function stop(child: Child): Promise<void> {
  const { process: p } = child;
  if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return;
  const exited = new Promise<void>((done) => p.once("exit", () => done()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-p.pid!, sig); // the child's process group (it was started detached)
    } catch {
      try {
        p.kill(sig);
      } catch {
        // already gone
      }
    }
  };
  signal("SIGTERM");
  const timeout = new Promise<"timeout">((done) => setTimeout(() => done("timeout"), 10_000).unref());
  if ((await Promise.race([exited, timeout])) === "timeout") {
    signal("SIGKILL");
    await Promise.race([exited, new Promise((done) => setTimeout(done, 5_000).unref())]);
  }
}

/** Poll `url` until it answers (any HTTP status), or fail with the child's output. */
async function waitFor(url: string, child: Child, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited with ${child.process.exitCode}:\n${child.output.join("")}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms:\n${child.output.join("")}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** The API's answer for the same parameters the page URL carries. */
async function history(kind: "stock" | "index", symbol: string, params: { start: string; end: string; adjust?: string; period?: string }): Promise<History> {
  const query = new URLSearchParams({ start_date: params.start, end_date: params.end, period: params.period ?? "daily" });
  if (kind === "stock") query.set("adjust", params.adjust ?? "");
  const path = kind === "stock" ? `/api/v1/historical/stock/${symbol}` : `/api/v1/index/historical/${symbol}`;
  const response = await fetch(`${apiUrl}${path}?${query}`);
  expect(response.status, `${path}?${query}`).toBe(200);
  return (await response.json()) as History;
}

/** The CSV the page must offer: the header, then one row per bar, values as the API sent them (null = empty). */
function csvOf(bars: Bar[]): string {
  const cell = (value: unknown) => {
    if (value === null || value === undefined) return "";
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [CSV_COLUMNS.join(","), ...bars.map((bar) => CSV_COLUMNS.map((column) => cell(bar[column])).join(","))].join("\n");
}

function csvLines(csv: string): string[] {
  const lines = csv.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  return lines;
}

/** The first number in a displayed figure ("HK$1,234.50" → 1234.5). */
function numberIn(text: string): number {
  const match = text.replace(/[,\s\u00a0]/g, "").match(/[-−]?\d+(\.\d+)?/);
  if (!match) throw new Error(`no number in ${JSON.stringify(text)}`);
  return Number(match[0].replace("−", "-"));
}

interface Visit {
  page: Page;
  errors: string[];
}

/**
 * Open `path` in a page of its own browser context (fresh cache, so every page requests its
 * favicon and assets itself), collecting console errors and uncaught page errors. Close it with
 * `page.context().close()`.
 */
async function visit(path: string): Promise<Visit> {
  if (!browser) throw new Error("browser not started");
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  const response = await page.goto(webUrl + path, { waitUntil: "load", timeout: 60_000 });
  expect(response, path).not.toBeNull();
  expect(response!.status(), `HTTP status of ${path}`).toBeLessThan(400);
  await settle(page);
  return { page, errors };
}

/**
 * Let client-side fetches finish. Not `waitUntil: "networkidle"`: `<Link>` prefetches of other
 * routes (which may wait on the API) can keep the network busy for as long as the API takes.
 */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => undefined);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

const STOCK = { symbol: "600519", start: "2024-01-02", end: "2024-03-29", adjust: "qfq", period: "daily" };
const HK = { symbol: "00700", start: "2021-03-01", end: "2021-03-31", period: "daily" };
const INDEX = { symbol: "000300", start: "2024-01-02", end: "2024-03-29", period: "daily" };

const stockPath = (p: { symbol: string; start: string; end: string; adjust: string; period: string }) =>
  `/stock/${p.symbol}?${new URLSearchParams({ start: p.start, end: p.end, adjust: p.adjust, period: p.period })}`;

/** Pages every dashboard has, plus the optional ones whose route exists in this build. */
function pages(): { name: string; path: string }[] {
  const list = [
    { name: "stock", path: stockPath(STOCK) },
    { name: "index", path: `/index/${INDEX.symbol}?${new URLSearchParams({ start: INDEX.start, end: INDEX.end, period: INDEX.period })}` },
    { name: "cache", path: "/cache" },
    { name: "status", path: "/status" },
    { name: "calendar", path: "/calendar" },
  ];
  const app = join(webDir, "src/app");
  if (existsSync(join(app, "page.tsx"))) list.push({ name: "home", path: "/" });
  if (existsSync(join(app, "compare"))) list.push({ name: "compare", path: `/compare?symbols=600519,000001&start=${STOCK.start}&end=${STOCK.end}` });
  if (existsSync(join(app, "asset"))) list.push({ name: "asset", path: "/asset/600519" });
  if (existsSync(join(app, "watchlist"))) list.push({ name: "watchlist", path: "/watchlist" });
  return list;
}

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  if (!existsSync(apiEntry)) throw new Error(`${apiEntry} is missing: build the API first (turbo runs @quantdb/api#build before this suite)`);
  if (!existsSync(join(webDir, ".next/BUILD_ID"))) throw new Error("apps/web/.next is missing: run `next build` first (turbo runs it before this suite)");

  // The API on a fresh embedded database, upstream = the bundled replay server.
  dataDir = mkdtempSync(join(tmpdir(), "quantdb-web-e2e-"));
  const apiPort = await freePort();
  const apiEnv: NodeJS.ProcessEnv = { ...process.env, QUANTDB_UPSTREAM: "replay", QUANTDB_DATA_DIR: dataDir, PORT: String(apiPort), HOST: "127.0.0.1" };
  delete apiEnv.DATABASE_URL; // the PostgreSQL half of `pnpm test` is for the other suites
  api = start("api", [apiEntry], { cwd: repoDir, env: apiEnv });
  apiUrl = `http://127.0.0.1:${apiPort}`;

  // `next start` by its own entry point, so the PID we stop is the server (toolchain G19).
  const webPort = await freePort();
  const web = start("next start", [nextBin, "start", "-H", "127.0.0.1", "-p", String(webPort)], {
    cwd: webDir,
    env: { ...process.env, QUANTDB_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  });
  webUrl = `http://127.0.0.1:${webPort}`;

  const launching = chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  await Promise.all([waitFor(`${apiUrl}/health`, api), waitFor(`${webUrl}/`, web)]);
  browser = await launching;
});

afterAll(async () => {
  try {
    await browser?.close(); // closes every context and page
  } finally {
    for (const child of children.splice(0).reverse()) await stop(child);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
});

describe("dashboard against the API (replay upstream)", () => {
  for (const { name, path } of pages()) {
    it(`${name} page loads without console or page errors`, async () => {
      const { page, errors } = await visit(path);
      try {
        await screenshot(page, name);
        expect(await page.locator("[data-testid=api-unreachable]").count(), "API-unreachable banner while the API is up").toBe(0);
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
      const dates = await page.locator("[data-candle]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-candle")));
      expect([...dates].sort()).toEqual(expected.data.map((bar) => bar.date));
      expect(await page.locator("[data-provisional=true]").count()).toBe(expected.data.filter((bar) => bar.provisional).length);
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
      await expect.poll(async () => numberIn(await lastClose.innerText()), { timeout: 20_000 }).toBeCloseTo(rawClose, 1);
      const csvBefore = decodeURIComponent((await page.locator("a[data-testid=csv-download]").getAttribute("href")) ?? "");
      await screenshot(page, "stock-hk-unadjusted");

      await select.selectOption("qfq");
      await expect.poll(async () => numberIn(await lastClose.innerText()), { timeout: 30_000 }).toBeCloseTo(qfqClose, 1);
      await settle(page);
      expect(await select.inputValue()).toBe("qfq");
      const tableText = await page.locator("[data-testid=bars-table]").innerText();
      expect(tableText).toContain(qfq.data.at(-1)!.date);
      const csvAfter = (await page.locator("a[data-testid=csv-download]").getAttribute("href")) ?? "";
      expect(decodeURIComponent(csvAfter)).not.toBe(csvBefore);
      expect(csvLines(decodeURIComponent(csvAfter.slice(csvAfter.indexOf(",") + 1)))).toEqual(csvLines(csvOf(qfq.data)));
      await screenshot(page, "stock-hk-qfq");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("compare page draws one rebased line per symbol and a correlation of 1.00 of each symbol with itself", async () => {
    const symbols = ["600519", "000001"];
    const { page, errors } = await visit(`/compare?${new URLSearchParams({ symbols: symbols.join(","), start: STOCK.start, end: STOCK.end, adjust: STOCK.adjust })}`);
    try {
      const chart = page.locator("[data-testid=compare-chart]");
      await chart.waitFor({ state: "visible", timeout: 20_000 });
      await expect.poll(() => chart.locator(".recharts-line-curve").count(), { timeout: 20_000 }).toBe(symbols.length);
      for (const symbol of symbols) {
        expect((await page.locator(`[data-testid=correlation-table] [data-pair="${symbol}|${symbol}"]`).innerText()).trim()).toBe("1.00");
      }
      const cross = numberIn(await page.locator(`[data-testid=correlation-table] [data-pair="600519|000001"]`).innerText());
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
