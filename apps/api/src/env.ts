/**
 * The API's configuration: the only place that reads `process.env`. Validated at start-up; a bad
 * value stops the process with a message naming the variable.
 */
import { z } from "zod";

/** Empty strings count as unset, so `DATABASE_URL= pnpm start` means "embedded". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema);

const envSchema = z.object({
  /** HTTP port of the API. */
  PORT: optional(z.coerce.number().int().min(0).max(65535).default(8000)),
  /** Interface to listen on; all interfaces when unset. */
  HOST: optional(z.string().optional()),
  /** PostgreSQL URL; when unset the embedded PGlite database in QUANTDB_DATA_DIR is used. */
  DATABASE_URL: optional(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  /** Directory of the embedded database. */
  QUANTDB_DATA_DIR: optional(z.string().default("./.quantdb")),
  /** `live` calls the real upstream sites; `replay` starts the bundled replay upstream (real recorded data, offline). */
  QUANTDB_UPSTREAM: optional(z.enum(["live", "replay"]).default("live")),
  /** Base URL of Eastmoney's push2his host (or the full kline endpoint URL). */
  QUANTDB_EASTMONEY_HISTORY_URL: optional(z.url().default("https://push2his.eastmoney.com")),
  /** Base URL of Eastmoney's push2 host for the stock list (or the full `/api/qt/clist/get` URL); company info uses QUANTDB_EASTMONEY_QUOTE_URL's host. */
  QUANTDB_EASTMONEY_LIST_URL: optional(z.url().default("https://push2.eastmoney.com")),
  /** Base URL of Eastmoney's push2 host for realtime quotes (or the full `/api/qt/ulist.np/get` URL). */
  QUANTDB_EASTMONEY_QUOTE_URL: optional(z.url().default("https://push2.eastmoney.com")),
  /** Seconds a realtime quote is reused while its exchange trades. */
  QUANTDB_REALTIME_TTL_SECONDS: optional(z.coerce.number().min(0).max(3600).default(15)),
  /** Base URL of Eastmoney's datacenter host (financial reports: `/securities/api/data/get`, `/securities/api/data/v1/get`). */
  QUANTDB_EASTMONEY_DATACENTER_URL: optional(z.url().default("https://datacenter.eastmoney.com")),
  /** Sina's A-share trading-date list, used to extend the A-share calendar. */
  QUANTDB_SINA_CALENDAR_URL: optional(z.url().default("https://finance.sina.com.cn/realstock/company/klc_td_sh.txt")),
  /** Per-call upstream timeout in milliseconds. */
  QUANTDB_UPSTREAM_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(60_000).default(8000)),
  /** Port of the replay upstream in replay mode (0 = any free port). */
  QUANTDB_REPLAY_PORT: optional(z.coerce.number().int().min(0).max(65535).default(0)),
});

/** Validated configuration. */
export type Env = z.infer<typeof envSchema>;

/**
 * Read and validate the configuration.
 * @throws {Error} naming every invalid variable.
 */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}
