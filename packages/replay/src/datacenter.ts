/**
 * Replay of Eastmoney's datacenter report endpoints, for the financial summary:
 * - `GET /securities/api/data/get` (classic form: `type`, `sty`, `filter`, `p`, `ps`, `sr`, `st`);
 * - `GET /securities/api/data/v1/get` (v1 form: `reportName`, `columns`, `filter`, `pageNumber`,
 *   `pageSize`, `sortTypes`, `sortColumns`).
 * Reports served: `RPT_F10_FINANCE_MAINFINADATA`, `RPT_DMSK_FN_BALANCE`, `RPT_DMSK_FN_CASHFLOW`, from
 * `fixtures/datacenter/financials.json`.
 *
 * **No real recording exists**: the fixture's keys are real (cited in `fixtures/README.md`), its
 * values are illustrative. Rows are filtered by `(SECUCODE="600519.SH")` in `filter`, and by an
 * "as of" date: a row is served only if its NOTICE_DATE is on or before it (default
 * {@link DEFAULT_AS_OF}, the test harness's day), so tests can make a new report "appear".
 *
 * Answers use the datacenter envelope `{version, result: {pages, data, count}, success, message,
 * code}`; no rows: `{version: null, result: null, success: false, message: "返回数据为空", code: 9201}`;
 * an unknown report name: `result: null` with code 9501 "报表配置不存在".
 *
 * Control: `POST /__replay/datacenter/as-of` with `{"date": "YYYY-MM-DD"}` (or `null` for the
 * default); `GET` returns the current one. Requests are logged in the replay's request log (with
 * `path` and `query`); faults apply as for klines, and a fault's `secid` filter is matched against
 * the report name (`{kind: "http500", secid: "RPT_DMSK_FN_CASHFLOW"}` fails only that report).
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ReplayRequest } from "./index.ts";

/** Classic-form path of the datacenter query endpoint. */
const DATACENTER_PATH = "/securities/api/data/get";
/** v1-form path of the datacenter query endpoint. */
const DATACENTER_V1_PATH = "/securities/api/data/v1/get";
/** Control endpoint for the "as of" date. */
const DATACENTER_AS_OF_PATH = "/__replay/datacenter/as-of";
/** Rows published after this day are hidden until the as-of date is moved (Friday 2026-11-20). */
export const DEFAULT_AS_OF = "2026-11-20";

type Row = Record<string, unknown>;

/** What the datacenter replay needs from the replay server it is mounted in. */
export interface DatacenterHost {
  /** Append to the server's request log. */
  log(entry: ReplayRequest): void;
  /** Take the first active fault matching a request to `path` for `key` (the report name), if any. */
  takeFault(key: string | undefined, path: string): { kind: string; delayMs: number } | undefined;
  /** Wait `ms` unless the response closes or the server shuts down (false then). */
  wait(ms: number, res: ServerResponse): Promise<boolean>;
  /** Fixed extra latency on every response. */
  latencyMs(): number;
}

/** The datacenter replay as mounted in a replay server. */
export interface DatacenterReplay {
  /** Whether a path is one of the datacenter's (data or control). */
  handles(pathname: string): boolean;
  /** Answer a request for one of {@link handles}' paths. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** Back to the default as-of date. */
  reset(): void;
}

let cached: Record<string, Row[]> | undefined;

/** The fixture's rows by report name (loaded once per process). */
function datacenterFixture(): Record<string, Row[]> {
  if (!cached) {
    const dir = join(
      dirname(createRequire(import.meta.url).resolve("@quantdb/replay/package.json")),
      "fixtures",
      "datacenter",
    );
    const json = JSON.parse(readFileSync(join(dir, "financials.json"), "utf8")) as Record<string, unknown>;
    cached = {};
    for (const [name, rows] of Object.entries(json))
      if (name.startsWith("RPT_") && Array.isArray(rows)) cached[name] = rows as Row[];
  }
  return cached;
}

const EMPTY = { version: null, result: null, success: false, message: "返回数据为空", code: 9201 };
const NO_REPORT = { version: null, result: null, success: false, message: "报表配置不存在", code: 9501 };
/** A synthetic slider-captcha page (not a recorded Eastmoney page), for the "captcha" fault. */
const CAPTCHA_HTML =
  '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>安全验证</title></head><body><div ' +
  'class="slider-captcha">请完成安全验证</div></body></html>\n';

function dateOf(value: unknown): string {
  return typeof value === "string" ? value.slice(0, 10) : "";
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": bytes.length });
  res.end(bytes);
}

const json = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, "application/json; charset=utf-8", JSON.stringify(value));

/** Mount the datacenter replay in a replay server. */
export function createDatacenterReplay(host: DatacenterHost): DatacenterReplay {
  const fixture = datacenterFixture();
  let asOf = DEFAULT_AS_OF;

  /** The envelope for a query, or null for "no rows". */
  function answer(query: Record<string, string>): unknown {
    const report = query.reportName ?? query.type ?? "";
    const rows = fixture[report];
    if (!rows) return NO_REPORT;
    const secucode = /SECUCODE\s*=\s*"([^"]+)"/.exec(query.filter ?? "")?.[1];
    if (!secucode) return EMPTY;
    const sortColumn = query.sortColumns ?? query.st ?? "REPORT_DATE";
    const descending = (query.sortTypes ?? query.sr ?? "-1") === "-1";
    const matched = rows
      .filter((row) => row.SECUCODE === secucode && dateOf(row.NOTICE_DATE) <= asOf)
      .sort((a, b) => {
        const [x, y] = [String(a[sortColumn] ?? ""), String(b[sortColumn] ?? "")];
        return (x < y ? -1 : x > y ? 1 : 0) * (descending ? -1 : 1);
      });
    if (matched.length === 0) return EMPTY;
    const pageSize = Math.max(1, Number(query.pageSize ?? query.ps ?? "50") || 50);
    const page = Math.max(1, Number(query.pageNumber ?? query.p ?? "1") || 1);
    const columns = query.columns && query.columns !== "ALL" ? query.columns.split(",") : null;
    const data = matched
      .slice((page - 1) * pageSize, page * pageSize)
      .map((row) => (columns ? Object.fromEntries(columns.map((c) => [c, row[c] ?? null])) : row));
    if (data.length === 0) return EMPTY;
    return {
      version: "9b6c5e1d3f2a4b7c",
      result: { pages: Math.ceil(matched.length / pageSize), data, count: matched.length },
      success: true,
      message: "ok",
      code: 0,
    };
  }

  async function handleData(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const query: Record<string, string> = Object.fromEntries(url.searchParams);
    host.log({ at: Date.now(), path: url.pathname, query });
    const fault = host.takeFault(query.reportName ?? query.type, url.pathname);
    const delay = host.latencyMs() + (fault?.kind === "slow" ? fault.delayMs : 0);
    if (!(await host.wait(delay, res))) return;
    switch (fault?.kind) {
      case "reset":
        req.socket.destroy();
        return;
      case "http500":
        send(res, 500, "text/plain; charset=utf-8", "Internal Server Error\n");
        return;
      case "captcha":
        send(res, 200, "text/html; charset=utf-8", CAPTCHA_HTML);
        return;
      case "data-null":
        json(res, 200, EMPTY);
        return;
    }
    let body = answer(query);
    if (fault?.kind === "bad-row" && body && typeof body === "object" && "result" in body && body.result) {
      const result = body.result as { data: Row[] };
      body = { ...body, result: { ...result, data: [...result.data.slice(0, -1), "not a row"] } };
    }
    const text = JSON.stringify(body);
    if (fault?.kind === "malformed")
      send(res, 200, "application/json; charset=utf-8", text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    else send(res, 200, "application/json; charset=utf-8", text);
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === "GET") return json(res, 200, { as_of: asOf });
    if (req.method !== "POST") return json(res, 405, { ok: false, error: "GET or POST" });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { date?: unknown };
      if (body.date === null || body.date === undefined) asOf = DEFAULT_AS_OF;
      else if (typeof body.date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(body.date)) asOf = body.date;
      else throw new Error("date must be YYYY-MM-DD or null");
      json(res, 200, { ok: true, as_of: asOf });
    } catch (error) {
      json(res, 400, { ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  return {
    handles: (pathname) =>
      pathname === DATACENTER_PATH || pathname === DATACENTER_V1_PATH || pathname === DATACENTER_AS_OF_PATH,
    async handle(req, res, url) {
      try {
        if (url.pathname === DATACENTER_AS_OF_PATH) return await handleControl(req, res);
        if (req.method !== "GET" && req.method !== "HEAD")
          return send(res, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
        await handleData(req, res, url);
      } catch (error) {
        send(res, 500, "text/plain; charset=utf-8", `replay error: ${String(error)}\n`);
      }
    },
    reset() {
      asOf = DEFAULT_AS_OF;
    },
  };
}
