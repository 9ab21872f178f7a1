/**
 * End-to-end tests of the dashboard's crypto pages and the crypto parts of search, watchlist and
 * compare (issue 17): Chromium against `next start` and the API in replay mode, where binance is
 * served from recorded real data (BTC/USDT and ETH/USDT 1d 2024-07-27 → 2026-07-26, BTC/USDT 1h
 * 2026-01-27 → 2026-07-26) and is the only exchange configured. See harness.ts for what it needs.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { returnsCorrelation } from "../src/lib/compare.ts";
import { type Dashboard, numberIn, screenshot, settle, startDashboard, stop, visit as visitPage } from "./harness.ts";

interface CryptoBar {
  date: string;
  time: string;
  close: number;
  provisional: boolean;
}
interface CryptoHistory {
  symbol: string;
  data: CryptoBar[];
  metadata: { units: { price: string; volume: string } };
}

let dashboard: Dashboard | undefined;
const visit = (path: string) => visitPage(dashboard, path);
const api = (path: string, init?: RequestInit) => fetch(`${dashboard!.apiUrl}${path}`, init);

/** The API's answer for the parameters a pair page's URL carries. */
async function history(pair: string, start: string, end: string, timeframe: string): Promise<CryptoHistory> {
  const response = await api(
    `/api/v1/historical/crypto/binance/${pair}?${new URLSearchParams({ start_date: start, end_date: end, timeframe })}`,
  );
  expect(response.status).toBe(200);
  return (await response.json()) as CryptoHistory;
}

const pairPath = (pair: string, start: string, end: string, timeframe: string) =>
  `/crypto/binance/${pair}?${new URLSearchParams({ start, end, timeframe })}`;

const candles = (page: Page) =>
  page.locator("[data-candle]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-candle")));

/** The one 400 a browser may see: the search asking an exchange the API does not serve, to learn which it does. */
const isExchangeProbe = (error: string) => /status of 400/.test(error) && error.includes("/crypto/markets?exchange=");

beforeAll(async () => {
  dashboard = await startDashboard();
});

afterAll(async () => {
  await dashboard?.close();
});

describe("crypto in the dashboard (replay upstream, binance)", () => {
  it("pair page: one candle per bar of the range, units, figures and the CSV as the API's own", async () => {
    const range = { start: "2026-06-01", end: "2026-07-26" };
    const expected = await history("BTC-USDT", range.start, range.end, "1d");
    expect(expected.data.length).toBe(56);
    const { page, errors } = await visit(pairPath("BTC-USDT", range.start, range.end, "1d"));
    try {
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 20_000 }).toBe(expected.data.length);
      expect([...(await candles(page))].sort()).toEqual(expected.data.map((bar) => bar.date));
      expect(await page.locator("[data-provisional=true]").count()).toBe(
        expected.data.filter((bar) => bar.provisional).length,
      );
      expect(await page.locator("[data-testid=instrument-symbol]").innerText()).toBe("BTC/USDT");
      expect(await page.locator("[data-testid=instrument-exchange]").innerText()).toBe("binance");
      const units = await page.locator("[data-testid=units]").innerText();
      expect(units).toContain("Prices in USDT (quote currency)");
      expect(units).toContain("volume in BTC (base currency)");
      expect(units).toContain("times in UTC");
      expect(await page.locator("[data-testid=price-panel] h2").innerText()).toBe("Price (USDT) and volume (BTC)");
      expect(numberIn(await page.locator("[data-testid=last-close]").innerText())).toBeCloseTo(
        expected.data.at(-1)!.close,
        2,
      );
      expect(await page.locator("[data-testid=bars-table] thead").innerText()).toContain("Volume (BTC)");
      // the timeframe toggle replaces adjust and period; presets of daily bars
      expect(await page.locator("select[name=adjust], select[name=period]").count()).toBe(0);
      expect(await page.locator("[data-timeframe='1d']").getAttribute("aria-pressed")).toBe("true");
      expect(await page.locator("[data-preset]").evaluateAll((n) => n.map((b) => b.textContent))).toEqual([
        "1M",
        "3M",
        "6M",
        "YTD",
        "1Y",
        "5Y",
      ]);

      const href = (await page.locator("a[data-testid=csv-download]").getAttribute("href")) ?? "";
      const csv = decodeURIComponent(href.slice(href.indexOf(",") + 1));
      const query = new URLSearchParams({ start_date: range.start, end_date: range.end, format: "csv" });
      const apiCsv = await (await api(`/api/v1/historical/crypto/binance/BTC-USDT?${query}`)).text();
      expect(csv).toBe(apiCsv);
      await screenshot(page, "crypto");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("pair page header: the price moves live with the replay's moving tickers, from the stream", async () => {
    const { page, errors } = await visit(pairPath("BTC-USDT", "2026-06-01", "2026-07-26", "1d"));
    try {
      const quote = page.locator("[data-testid=live-quote]");
      expect(await quote.getAttribute("data-symbol")).toBe("binance:BTC/USDT");
      await quote.locator("[data-testid=live-indicator][data-state=live]").waitFor({ timeout: 30_000 });
      expect(await quote.locator("[data-testid=live-indicator]").innerText()).toBe("Live");
      const price = quote.locator("[data-testid=live-price]");
      await expect.poll(async () => numberIn(await price.innerText()), { timeout: 20_000 }).toBeGreaterThan(0);
      // price and quote time read together, so both belong to one quote
      const shown = () =>
        quote.evaluate((node) => ({
          price: node.querySelector("[data-testid=live-price]")?.textContent ?? "",
          time: node.querySelector("[data-testid=live-time]")?.textContent ?? "",
        }));
      const first = await shown();
      // the next ticker the poller gets is another recorded day's: the header changes without a reload
      await page.waitForFunction(
        (before) => document.querySelector("[data-testid=live-quote] [data-testid=live-price]")?.textContent !== before,
        first.price,
        { timeout: 45_000 },
      );
      const next = await shown();
      expect(numberIn(next.price)).toBeGreaterThan(0);
      expect(next.time).not.toBe(first.time);
      expect(await quote.innerText()).toContain("USDT");
      await screenshot(page, "crypto-live-quote");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("pair page header: with the stream unavailable it says Polling and shows the polled quote", async () => {
    if (!dashboard) throw new Error("the dashboard did not start");
    const context = await dashboard.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    try {
      // the proxy's stream fails every time (as a network error): after the reconnect attempts, polling
      await page.route("**/qdb/api/v1/stream/quotes**", (route) => route.abort("connectionreset"));
      await page.goto(`${dashboard.webUrl}${pairPath("BTC-USDT", "2026-06-01", "2026-07-26", "1d")}`, {
        waitUntil: "load",
      });
      const quote = page.locator("[data-testid=live-quote]");
      await quote.locator("[data-testid=live-indicator][data-state=polling]").waitFor({ timeout: 45_000 });
      expect(await quote.locator("[data-testid=live-indicator]").innerText()).toBe("Polling");
      await expect
        .poll(async () => numberIn(await quote.locator("[data-testid=live-price]").innerText()), { timeout: 20_000 })
        .toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });

  it("the timeframe toggle switches to hourly bars (labelled by UTC open time) and back", async () => {
    const range = { start: "2026-07-20", end: "2026-07-26" };
    const hourly = await history("BTC-USDT", range.start, range.end, "1h");
    expect(hourly.data.length).toBeGreaterThan(100);
    const { page, errors } = await visit(pairPath("BTC-USDT", range.start, range.end, "1d"));
    try {
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 20_000 }).toBe(7);
      await page.locator("[data-timeframe='1h']").click();
      await page.waitForURL((url) => url.searchParams.get("timeframe") === "1h", { timeout: 30_000 });
      const url = new URL(page.url());
      expect([url.searchParams.get("start"), url.searchParams.get("end")]).toEqual([range.start, range.end]);
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 30_000 }).toBe(hourly.data.length);
      expect([...(await candles(page))].sort()).toEqual(
        hourly.data.map((bar) => `${bar.time.slice(0, 10)} ${bar.time.slice(11, 16)}`),
      );
      expect(await page.locator("[data-testid=bars-table] thead").innerText()).toContain("Open time (UTC)");
      expect(await page.locator("[data-preset]").evaluateAll((n) => n.map((b) => b.textContent))).toEqual([
        "1D",
        "1W",
        "1M",
        "3M",
      ]);
      await screenshot(page, "crypto-1h");
      await page.locator("[data-timeframe='1d']").click();
      await page.waitForURL((u) => u.searchParams.get("timeframe") === "1d", { timeout: 30_000 });
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 30_000 }).toBe(7);
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }

    // a year of daily bars becomes its last month of hourly bars (a year of them would be 8760 candles)
    const year = await visit(pairPath("BTC-USDT", "2025-07-26", "2026-07-26", "1d"));
    try {
      await year.page.locator("[data-timeframe='1h']").click();
      await year.page.waitForURL((u) => u.searchParams.get("timeframe") === "1h", { timeout: 30_000 });
      const url = new URL(year.page.url());
      expect([url.searchParams.get("start"), url.searchParams.get("end")]).toEqual(["2026-06-26", "2026-07-26"]);
      const month = await history("BTC-USDT", "2026-06-26", "2026-07-26", "1h");
      await expect.poll(() => year.page.locator("[data-candle]").count(), { timeout: 30_000 }).toBe(month.data.length);
    } finally {
      await year.page.context().close();
    }
  });

  it("a preset asks the API for its range (UTC days up to today) and shows what it answers, bars or none", async () => {
    const { page, errors } = await visit(pairPath("BTC-USDT", "2026-07-20", "2026-07-26", "1h"));
    try {
      await page.locator("[data-preset='1W']").click();
      await page.waitForURL((u) => u.searchParams.get("start") !== "2026-07-20", { timeout: 30_000 });
      const url = new URL(page.url());
      const today = new Date().toISOString().slice(0, 10);
      expect(url.searchParams.get("end")).toBe(today);
      const expected = await history("BTC-USDT", url.searchParams.get("start")!, today, "1h");
      await settle(page);
      expect(await page.locator("[data-preset='1W']").getAttribute("aria-pressed")).toBe("true");
      if (expected.data.length === 0) {
        // the replay's recording ends on 2026-07-26: later days have no bars
        await page.locator("[data-testid=empty]").waitFor({ timeout: 30_000 });
        expect(await page.locator("[data-testid=empty]").innerText()).toContain("No 1h bars between");
        await screenshot(page, "crypto-empty");
      } else {
        await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 30_000 }).toBe(expected.data.length);
      }
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("an unknown pair shows the API's 400 with links to the closest pairs; an unknown exchange its 400", async () => {
    const answer = await api("/api/v1/historical/crypto/binance/BTC-USDX");
    expect(answer.status).toBe(400);
    const envelope = (await answer.json()) as { error: { message: string; details: { closest: string[] } } };
    expect(envelope.error.details.closest[0]).toBe("BTC/USDT");
    const { page } = await visit("/crypto/binance/BTC-USDX?start=2026-07-01&end=2026-07-26&timeframe=1d");
    try {
      const panel = page.locator("[data-testid=panel-error]");
      await panel.waitFor({ timeout: 20_000 });
      expect(await panel.getAttribute("data-status")).toBe("400");
      expect(await panel.getAttribute("data-code")).toBe("INVALID_SYMBOL");
      expect(await panel.innerText()).toContain(envelope.error.message);
      const links = page.locator("[data-testid=closest-pairs] a");
      expect(await links.evaluateAll((n) => n.map((a) => a.textContent))).toEqual(envelope.error.details.closest);
      expect(await page.locator("[data-candle]").count()).toBe(0);
      await screenshot(page, "crypto-unknown-pair");
      await links.first().click();
      await page.waitForURL((u) => u.pathname === "/crypto/binance/BTC-USDT", { timeout: 30_000 });
      expect(new URL(page.url()).searchParams.get("start")).toBe("2026-07-01"); // the view is kept
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 30_000 }).toBe(26);
    } finally {
      await page.context().close();
    }

    const okx = await (await api("/api/v1/historical/crypto/okx/BTC-USDT")).json();
    const other = await visit("/crypto/okx/BTC-USDT");
    try {
      const panel = other.page.locator("[data-testid=panel-error]");
      await panel.waitFor({ timeout: 20_000 });
      expect(await panel.getAttribute("data-status")).toBe("400");
      expect(await panel.innerText()).toContain((okx as { error: { message: string } }).error.message);
      expect(await panel.innerText()).toContain("expected one of binance");
    } finally {
      await other.page.context().close();
    }
  });

  it("search offers crypto pairs for btc, BTC/USDT and binance:BTC/USDT; the market list is fetched once", async () => {
    const { page, errors } = await visit("/stock/600519?start=2026-06-01&end=2026-07-26&adjust=&period=daily");
    const marketRequests: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/qdb/api/v1/crypto/markets")) marketRequests.push(request.url());
    });
    try {
      const input = page.locator("[data-testid=search-input]");
      const listbox = page.locator(`#${await input.getAttribute("aria-controls")}`);
      const options = () =>
        listbox
          .locator("[role=option][data-kind=crypto]")
          .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-symbol")));

      await input.fill("");
      await input.pressSequentially("btc");
      const btc = listbox.locator("[role=option][data-symbol='binance:BTC/USDT']");
      await btc.waitFor({ state: "visible", timeout: 30_000 });
      // the pairs with base BTC, highest 24 h quote volume first (from the API's market list)
      const markets = (await (await api("/api/v1/crypto/markets?exchange=binance")).json()) as {
        markets: { symbol: string; base: string; active: boolean }[];
      };
      const btcPairs = markets.markets.filter((m) => m.base === "BTC" && m.active).map((m) => `binance:${m.symbol}`);
      expect((await options()).slice(0, btcPairs.length)).toEqual(btcPairs);
      expect(await btc.innerText()).toContain("binance");
      await screenshot(page, "search-crypto");

      for (const text of ["BTC/USDT", "binance:BTC/USDT"]) {
        await input.fill("");
        await input.pressSequentially(text);
        await expect.poll(options, { timeout: 20_000 }).toEqual(["binance:BTC/USDT"]);
      }
      // unknown exchange typed: said so, nothing offered
      await input.fill("");
      await input.pressSequentially("okx:btc");
      await page.locator("[data-testid=search-error]").first().waitFor({ timeout: 20_000 });
      expect(await page.locator(".search-status").innerText()).toContain("does not serve okx");
      expect(await options()).toEqual([]);

      // pick with the keyboard: the chart view's range is kept, daily bars
      await input.fill("");
      await input.pressSequentially("eth/usdt");
      await listbox.locator("[role=option][data-symbol='binance:ETH/USDT']").waitFor({ timeout: 20_000 });
      await input.press("ArrowDown");
      await input.press("Enter");
      await page.waitForURL((url) => url.pathname === "/crypto/binance/ETH-USDT", { timeout: 30_000 });
      const url = new URL(page.url());
      expect([url.searchParams.get("start"), url.searchParams.get("timeframe")]).toEqual(["2026-06-01", "1d"]);
      const eth = await history("ETH-USDT", "2026-06-01", "2026-07-26", "1d");
      await expect.poll(() => page.locator("[data-candle]").count(), { timeout: 30_000 }).toBe(eth.data.length);

      // binance's list once, plus at most one 400 (the exchange after binance) that tells which are served
      const binance = marketRequests.filter((u) => u.endsWith("exchange=binance"));
      expect(binance.length).toBe(1);
      expect(marketRequests.length - binance.length).toBeLessThanOrEqual(1);
      expect(errors.filter(isExchangeProbe).length).toBeLessThanOrEqual(1);
      expect(errors.filter((e) => !isExchangeProbe(e))).toEqual([]);

      // another page of the same browser: the list and the exchanges served come from localStorage
      const second = await page.context().newPage();
      const before = marketRequests.length;
      second.on("request", (request) => {
        if (request.url().includes("/qdb/api/v1/crypto/markets")) marketRequests.push(request.url());
      });
      await second.goto(`${dashboard!.webUrl}/stock/600519`, { waitUntil: "load" });
      const again = second.locator("[data-testid=search-input]");
      await again.fill("");
      await again.pressSequentially("binance:eth");
      await second.locator("[role=option][data-symbol='binance:ETH/USDT']").waitFor({ timeout: 20_000 });
      expect(marketRequests.length).toBe(before);
      // typed without a pick, Enter opens that pair
      await again.fill("binance:btc-usdt");
      await again.press("Escape"); // close the list: nothing highlighted
      await again.press("Enter");
      await second.waitForURL((u) => u.pathname === "/crypto/binance/BTC-USDT", { timeout: 30_000 });
    } finally {
      await page.context().close();
    }
  }, 150_000);

  it("watchlist: a pair's row shows its live ticker from the stream; a pair without one its error", async () => {
    const { page, errors } = await visit("/watchlist");
    try {
      const rows = () =>
        page
          .locator("[data-testid=watchlist] tbody tr")
          .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-symbol")));
      await expect.poll(async () => (await rows()).length, { timeout: 20_000 }).toBeGreaterThan(0);
      const before = await rows();
      await page.locator("[data-testid=watchlist-input]").fill("Binance:btc-usdt"); // stored as binance:BTC/USDT
      await page.locator("[data-testid=watchlist-add]").click();
      const row = page.locator("[data-testid=watchlist] tr[data-symbol='binance:BTC/USDT']");
      await row.waitFor({ timeout: 20_000 });
      // the row's figures are the stream's: the replay's ticker moves with every poll, so the price changes
      const price = row.locator("[data-testid=watchlist-price]");
      await price.waitFor({ timeout: 20_000 });
      const first = await price.innerText();
      expect(numberIn(first)).toBeGreaterThan(0);
      expect(first).toContain("USDT");
      await expect.poll(() => price.innerText(), { timeout: 30_000 }).not.toBe(first);
      const text = await row.innerText();
      expect(text).toMatch(/[+-]?\d+\.\d{2}%/);
      expect(text).toContain("BTC/USDT · binance");
      expect(text).toMatch(/ BTC\b/); // volume in the base currency
      expect(await row.locator("a").getAttribute("href")).toBe("/crypto/binance/BTC-USDT");
      // quotes come live from the stream: crypto trades around the clock
      const crypto = page.locator("[data-testid=watchlist-live] [data-testid=live-indicator][data-market=CRYPTO]");
      await expect.poll(() => crypto.getAttribute("data-state"), { timeout: 30_000 }).toBe("live");
      expect(await crypto.innerText()).toBe("CRYPTO · Live");

      // the replay derives tickers from recorded daily bars: XRP/USDT is listed but has none
      await page.locator("[data-testid=watchlist-input]").fill("binance:XRP/USDT");
      await page.locator("[data-testid=watchlist-add]").click();
      const xrp = page.locator("[data-testid=watchlist] tr[data-symbol='binance:XRP/USDT']");
      await xrp.waitFor({ timeout: 20_000 });
      await expect.poll(() => xrp.innerText(), { timeout: 20_000 }).toContain("UPSTREAM_INVALID");
      await screenshot(page, "watchlist-crypto");

      await page.reload({ waitUntil: "load" });
      await expect.poll(rows, { timeout: 20_000 }).toEqual([...before, "binance:BTC/USDT", "binance:XRP/USDT"]);
      await row.locator("[data-testid=watchlist-price]").waitFor({ timeout: 20_000 });
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("compare overlays a crypto pair's rebased closes with a stock's, saying the dates differ in kind", async () => {
    const range = { start: "2026-06-01", end: "2026-07-26" };
    const query = new URLSearchParams({ symbols: "600519,binance:BTC/USDT", ...range, adjust: "" });
    const stockAnswer = await api(`/api/v1/historical/stock/600519?start_date=${range.start}&end_date=${range.end}`);
    const stock = (await stockAnswer.json()) as { data: { date: string; close: number }[] };
    const pair = await history("BTC-USDT", range.start, range.end, "1d");
    expect(stock.data.length).toBeGreaterThan(20);
    const { page, errors } = await visit(`/compare?${query}`);
    try {
      const chart = page.locator("[data-testid=compare-chart]");
      await chart.waitFor({ state: "visible", timeout: 30_000 });
      await expect.poll(() => chart.locator(".recharts-line-curve").count(), { timeout: 20_000 }).toBe(2);
      expect(await page.locator("[data-testid=compare-time-note]").innerText()).toContain("UTC days");
      const cell = (a: string, b: string) =>
        page.locator(`[data-testid=correlation-table] [data-pair="${a}|${b}"]`).innerText();
      expect((await cell("binance:BTC/USDT", "binance:BTC/USDT")).trim()).toBe("1.00");
      const expected = returnsCorrelation({ bars: stock.data }, { bars: pair.data });
      expect(expected).not.toBeNull();
      expect((await cell("600519", "binance:BTC/USDT")).trim()).toBe(expected!.toFixed(2));
      expect(await page.locator("[data-testid=panel-error]").count()).toBe(0);
      await screenshot(page, "compare-crypto");
      expect(errors).toEqual([]);
    } finally {
      await page.context().close();
    }

    // a pair the exchange does not list: its own error, the other symbols still compared
    const bad = await visit(`/compare?${new URLSearchParams({ symbols: "600519,binance:BTC/USDX", ...range })}`);
    try {
      const panel = bad.page.locator("[data-testid=panel-error]");
      await panel.waitFor({ timeout: 20_000 });
      expect(await panel.innerText()).toContain("binance:BTC/USDX");
      expect(await panel.getAttribute("data-status")).toBe("400");
      expect(await bad.page.locator("[data-testid=compare-chart]").getAttribute("data-series")).toBe("1");
    } finally {
      await bad.page.context().close();
    }
  });

  // Last: stops the API for good.
  it("a pair page shows the error state once the API is stopped", async () => {
    await stop(dashboard!.api);
    const page = await dashboard!.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      const response = await page.goto(
        `${dashboard!.webUrl}${pairPath("BTC-USDT", "2026-07-01", "2026-07-26", "1d")}`,
        {
          waitUntil: "load",
          timeout: 60_000,
        },
      );
      expect(response, "the web server still answers").not.toBeNull();
      await page.locator("[data-testid=panel-error]").waitFor({ state: "visible", timeout: 20_000 });
      expect(await page.locator("[data-testid=api-unreachable]").count()).toBe(1);
      expect(await page.locator("[data-candle]").count()).toBe(0);
      await screenshot(page, "crypto-api-down");
    } finally {
      await page.context().close();
    }
  });
});
