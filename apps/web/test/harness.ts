/**
 * What the end-to-end suites share: the API in replay mode (real recorded market data, offline) on a
 * fresh embedded database, `next start` on this package's build talking to it, and Debian's
 * Chromium (playwright-core); opening pages with their console errors collected; screenshots.
 *
 * Needs `next build` (turbo runs it first), `apps/api/dist` (the API's build) and a Chromium at
 * CHROMIUM_PATH or /usr/bin/chromium (`.ci/run` installs Debian's). Screenshots go to
 * `<repo>/test-results/` (a CI artifact).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page, type Request } from "playwright-core";
import { expect } from "vitest";

export const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const repoDir = resolve(webDir, "../..");
export const screenshotDir = join(repoDir, "test-results");
const apiEntry = join(repoDir, "apps/api/dist/index.mjs");
const nextBin = createRequire(join(webDir, "package.json")).resolve("next/dist/bin/next");

export interface Child {
  name: string;
  process: ChildProcess;
  output: string[];
}

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
  return { name, process: child, output };
}

export async function stop(child: Child): Promise<void> {
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
    if (child.process.exitCode !== null)
      throw new Error(`${child.name} exited with ${child.process.exitCode}:\n${child.output.join("")}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms:\n${child.output.join("")}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** The running system of a suite. */
export interface Dashboard {
  apiUrl: string;
  webUrl: string;
  browser: Browser;
  api: Child;
  /** Stop everything and remove the database. */
  close(): Promise<void>;
}

/**
 * Start the API (replay upstream, fresh embedded database, QUANTDB_AUTH=admin), `next start` and
 * Chromium. `apiEnv` adds to the API's environment. `beforeApi` runs with the API's environment
 * before the API starts (the embedded database is opened by one process at a time), e.g. to make API
 * keys with the CLI.
 */
export async function startDashboard(
  options: { apiEnv?: NodeJS.ProcessEnv; beforeApi?: (env: NodeJS.ProcessEnv) => Promise<void> } = {},
): Promise<Dashboard> {
  mkdirSync(screenshotDir, { recursive: true });
  if (!existsSync(apiEntry))
    throw new Error(`${apiEntry} is missing: build the API first (turbo runs @quantdb/api#build before this suite)`);
  if (!existsSync(join(webDir, ".next/BUILD_ID")))
    throw new Error("apps/web/.next is missing: run `next build` first (turbo runs it before this suite)");

  const dataDir = mkdtempSync(join(tmpdir(), "quantdb-web-e2e-"));
  const children: Child[] = [];
  let browser: Browser | undefined;
  const close = async () => {
    try {
      await browser?.close(); // closes every context and page
    } finally {
      for (const child of children.splice(0).reverse()) await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    const apiPort = await freePort();
    // QUANTDB_AUTH=admin (the server default): data endpoints are open, admin operations need an admin key
    const apiEnv: NodeJS.ProcessEnv = {
      ...process.env,
      QUANTDB_UPSTREAM: "replay",
      QUANTDB_DATA_DIR: dataDir,
      PORT: String(apiPort),
      HOST: "127.0.0.1",
      QUANTDB_AUTH: "admin",
      ...options.apiEnv,
    };
    delete apiEnv.DATABASE_URL; // the PostgreSQL half of `pnpm test` is for the other suites
    await options.beforeApi?.(apiEnv);
    const api = start("api", [apiEntry], { cwd: repoDir, env: apiEnv });
    children.push(api);
    const apiUrl = `http://127.0.0.1:${apiPort}`;

    // `next start` by its own entry point, so the PID we stop is the server (toolchain G19).
    const webPort = await freePort();
    const web = start("next start", [nextBin, "start", "-H", "127.0.0.1", "-p", String(webPort)], {
      cwd: webDir,
      env: { ...process.env, QUANTDB_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    });
    children.push(web);
    const webUrl = `http://127.0.0.1:${webPort}`;

    const launching = chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
    await Promise.all([waitFor(`${apiUrl}/health`, api), waitFor(`${webUrl}/`, web)]);
    browser = await launching;
    return { apiUrl, webUrl, browser, api, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface Visit {
  page: Page;
  errors: string[];
}

/**
 * Open `path` in a page of its own browser context (fresh cache and storage, so every page requests
 * its favicon and assets itself), collecting console errors and uncaught page errors. Close it with
 * `page.context().close()`.
 */
export async function visit(dashboard: Dashboard | undefined, path: string): Promise<Visit> {
  if (!dashboard) throw new Error("the dashboard did not start");
  const page = await (await dashboard.browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  trackRequests(page);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console.error: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  const response = await page.goto(dashboard.webUrl + path, { waitUntil: "load", timeout: 60_000 });
  expect(response, path).not.toBeNull();
  expect(response!.status(), `HTTP status of ${path}`).toBeLessThan(400);
  await settle(page);
  return { page, errors };
}

/** The live-quote stream: open for as long as its page, so never "finished". */
const isLiveStream = (request: Request) => request.url().includes("/qdb/api/v1/stream/");

/** Requests in flight per page (the live-quote stream aside), kept from when {@link trackRequests} was called. */
const inFlight = new WeakMap<Page, Set<Request>>();

/** Keep count of `page`'s requests in flight from now on, for {@link settle}. */
function trackRequests(page: Page): Set<Request> {
  const known = inFlight.get(page);
  if (known) return known;
  const requests = new Set<Request>();
  page.on("request", (request) => {
    if (!isLiveStream(request)) requests.add(request);
  });
  page.on("requestfinished", (request) => requests.delete(request));
  page.on("requestfailed", (request) => requests.delete(request));
  inFlight.set(page, requests);
  return requests;
}

/**
 * Let client-side fetches finish: no request in flight for 500 ms (at most 5 s), the live-quote
 * stream aside (it stays open, so Playwright's "networkidle" would wait out the 5 s on every page
 * that shows live quotes). Requests are counted from the page's creation when {@link visit} made it,
 * else from this call. Not `waitUntil: "networkidle"`: `<Link>` prefetches of other routes (which
 * may wait on the API) can keep the network busy for as long as the API takes.
 */
export async function settle(page: Page): Promise<void> {
  const requests = trackRequests(page);
  const deadline = Date.now() + 5_000;
  let idleSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
    if (requests.size > 0) idleSince = Date.now();
    else if (Date.now() - idleSince >= 500) return;
  }
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** The first number in a displayed figure ("HK$1,234.50" → 1234.5). */
export function numberIn(text: string): number {
  const match = text.replace(/[,\s\u00a0]/g, "").match(/[-−]?\d+(\.\d+)?/);
  if (!match) throw new Error(`no number in ${JSON.stringify(text)}`);
  return Number(match[0].replace("−", "-"));
}
