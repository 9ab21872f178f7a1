/**
 * Decoder for Sina's A-share trading-date list, `klc_td_sh.txt`
 * (`https://finance.sina.com.cn/realstock/company/klc_td_sh.txt`, the source of AKShare's
 * `tool_trade_date_hist_sina`). The body is `var datelist="…";var KLC_TD_SH=datelist;` where `…`
 * is a bit stream in Sina's chart encoding, format 139: a run-length list of weekdays. See
 * `docs/upstream-spec.md` §8.1 for the algorithm this file implements.
 */
import { UpstreamError } from "../errors.ts";
import type { IsoDate } from "../dates.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const SYMBOL_VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Format id of the date-list branch (`_139` in Sina's decoder). */
const FORMAT_DATE_LIST = 139;
/** Day index 0 is 1990-12-19 (a Wednesday), 7657 days after 1970-01-01. */
const EPOCH_OFFSET = 7657;

/**
 * Trading dates the Sina list omits although the exchanges traded: only 1992-05-04. AKShare adds it
 * after decoding (`tool_trade_date_hist_sina`), and it is a session in the bundled CN calendar.
 */
export const SINA_MISSING_TRADE_DATES: readonly IsoDate[] = Object.freeze(["1992-05-04"]);

function invalid(message: string, details?: Record<string, unknown>): UpstreamError {
  return new UpstreamError("UPSTREAM_INVALID", `Sina trade-date list is invalid: ${message}`, details);
}

/** LSB-first bit reader over 6-bit symbols, as Sina's decoder reads them. */
class BitReader {
  #pos = 0;
  #bit = 0;
  readonly #symbols: readonly number[];

  constructor(symbols: readonly number[]) {
    this.#symbols = symbols;
  }

  get exhausted(): boolean {
    return this.#pos >= this.#symbols.length;
  }

  /** One bit; 0 once the stream is exhausted. */
  readBit(): number {
    if (this.exhausted) return 0;
    const b = ((this.#symbols[this.#pos] as number) >> this.#bit) & 1;
    this.#advance(1);
    return b;
  }

  /**
   * An unsigned `width`-bit integer, least significant bits first, mirroring Sina's `w()`: width 0
   * consumes nothing and gives 0; otherwise `undefined` if the stream is exhausted before the first
   * bit; a negative width consumes nothing and gives 0; bits past the end mid-read count as 0; a
   * width above 30 is read as a 30-bit low part plus the rest (`undefined` if the rest finds the
   * stream exhausted, where Sina's decoder computes `NaN`).
   */
  readUint(width: number): number | undefined {
    if (width === 0) return 0;
    if (this.exhausted) return undefined;
    if (width < 0) return 0;
    if (width > 30) {
      const low = this.readUint(30) as number;
      const high = this.readUint(width - 30);
      return high === undefined ? undefined : low + high * 2 ** 30;
    }
    let value = 0;
    let remaining = width;
    while (remaining > 0) {
      const take = Math.min(6 - this.#bit, remaining);
      const symbol = this.#symbols[this.#pos] ?? 0;
      value |= ((symbol >> this.#bit) & ((1 << take) - 1)) << (width - remaining);
      this.#advance(take);
      remaining -= take;
    }
    return value;
  }

  /** Sign bit (1 = positive), then a unary count of 1-bits: ±(1 + count). */
  readSignedUnary(): number {
    const positive = this.readBit() === 1;
    let magnitude = 1;
    while (this.readBit() === 1) magnitude++;
    return positive ? magnitude : -magnitude;
  }

  #advance(bits: number): void {
    this.#bit += bits;
    if (this.#bit >= 6) {
      this.#bit -= 6;
      this.#pos++;
    }
  }
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * Day index → ISO date by integer arithmetic on the proleptic Gregorian calendar (H. Hinnant's
 * `civil_from_days`), so no time zone is involved; several times faster than formatting a `Date`.
 */
function dateOfDayIndex(n: number): IsoDate {
  const z = EPOCH_OFFSET + n + 719_468; // days since 0000-03-01
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}`;
}

/** Advance a day index to the next weekday (index mod 7: 3 = Saturday, 4 = Sunday). */
function nextWeekday(n: number): number {
  const next = n + 1;
  const r = next % 7;
  return r === 3 ? next + 2 : r === 4 ? next + 1 : next;
}

/** The payload between the quotes of `var datelist="…"`, after rejecting HTML and empty bodies. */
function extractPayload(body: string): string {
  if (/^\s*</.test(body) || /<(?:!doctype|html|head|body|script)\b/i.test(body)) {
    throw invalid("an HTML page instead of the date list (a captcha or ban page?)", { body_start: body.slice(0, 120) });
  }
  const match = /="([^"]*)"/.exec(body);
  if (match === null) throw invalid('no `="…"` payload in the body', { body_start: body.slice(0, 120) });
  const payload = match[1] as string;
  if (payload.length === 0) throw invalid("empty payload");
  return payload;
}

/**
 * Decode the body of Sina's `klc_td_sh.txt` into the trading dates it encodes.
 *
 * Returns exactly what the payload encodes: Sina's list lacks 1992-05-04, which AKShare adds
 * afterwards; use {@link addSinaMissingTradeDates} for that step. The dates are exchange-local
 * (Asia/Shanghai) `YYYY-MM-DD`, computed from day counts only.
 *
 * A payload truncated after its header (7 characters or more) does not throw: once the bit stream
 * runs out, the weekdays up to the header's last day are filled in as Sina's own decoder does
 * (usually all as trading days: its `NaN` run; all as holidays if the run width was 0 then). Such a
 * list is wrong, so check a decoded list against the known calendar before use, as
 * `cnExtensionFromSinaDates` does.
 *
 * @param body the response text, `var datelist="…";var KLC_TD_SH=datelist;`
 * @returns the encoded trading dates, ascending, without duplicates
 * @throws {UpstreamError} `UPSTREAM_INVALID` (an `Error`) when the body is an HTML page (ban or
 *   captcha), has no `="…"` payload, an empty payload, characters outside the base64 alphabet, a
 *   header cut short (under 7 characters), a format id other than 139 (the date list), or flags
 *   above 1.
 * @example
 * decodeSinaTradeDates(await (await fetch(url)).text()).at(-1); // e.g. "2023-12-29"
 */
export function decodeSinaTradeDates(body: string): IsoDate[] {
  const payload = extractPayload(body);
  const symbols: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    const value = SYMBOL_VALUE.get(payload.charAt(i));
    if (value === undefined) throw invalid(`character ${JSON.stringify(payload.charAt(i))} at ${i} is not base64`);
    symbols.push(value);
  }

  const reader = new BitReader(symbols);
  const format = reader.readUint(12);
  const flagBits = reader.readUint(6);
  const start = reader.readUint(18);
  const lastDay = reader.readUint(18);
  if (format === undefined || flagBits === undefined || start === undefined || lastDay === undefined) {
    throw invalid(`payload of ${payload.length} characters is too short for its header`);
  }
  if (format !== FORMAT_DATE_LIST) throw invalid(`format id ${format}, expected ${FORMAT_DATE_LIST} (a date list)`);
  const flags = 63 ^ flagBits;
  if (flags > 1) throw invalid(`unsupported flags ${flags}`);

  const out: IsoDate[] = [];
  let n = start - 1;
  let width = 0;
  // NaN once the stream is exhausted: `left <= 0` is then never true, so every weekday is a session.
  let left = -1;
  while (n < lastDay) {
    n = nextWeekday(n);
    if (left <= 0) {
      if (reader.readBit() === 1) width += reader.readSignedUnary();
      const run = reader.readUint(3 * width);
      left = run === undefined ? Number.NaN : run + 1;
      if (out.length === 0) {
        // The very first weekday is always a trading day; otherwise this weekday is a holiday.
        out.push(dateOfDayIndex(n));
        left -= 1;
      }
    } else {
      out.push(dateOfDayIndex(n));
    }
    left -= 1;
  }
  return out;
}

/**
 * Add the trading dates Sina's list is known to lack ({@link SINA_MISSING_TRADE_DATES}, i.e.
 * 1992-05-04), as AKShare's `tool_trade_date_hist_sina` does after decoding.
 * @param dates decoded dates, `YYYY-MM-DD` (exchange-local)
 * @returns a new ascending, de-duplicated array; `dates` is not modified
 */
export function addSinaMissingTradeDates(dates: readonly IsoDate[]): IsoDate[] {
  return [...new Set([...dates, ...SINA_MISSING_TRADE_DATES])].sort();
}
