import Link from "next/link";
import { MARKETS, type CalendarMarket, type CalendarSession, type TradingCalendar } from "@quantdb/sdk";
import { serverClient } from "../../lib/client.ts";
import { errorInfo } from "../../components/ErrorPanel.tsx";
import { addMonths, DEFAULT_TIME_ZONE, todayLocal } from "../../lib/dates.ts";

const DOW = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function monthDays(month: string): string[] {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: last }, (_, i) => `${month}-${String(i + 1).padStart(2, "0")}`);
}

function MonthGrid({
  market,
  month,
  calendar,
  today,
}: {
  market: CalendarMarket;
  month: string;
  calendar: TradingCalendar;
  today: string;
}) {
  const sessions = new Map<string, CalendarSession>(calendar.sessions.map((s) => [s.date, s]));
  const days = monthDays(month);
  const first = new Date(`${days[0]}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  const lead = (first + 6) % 7;
  return (
    <section className="panel" aria-label={`${market} calendar`} data-testid={`calendar-${market}`}>
      <h2>
        {MARKETS.find((m) => m.id === market)?.name ?? market} · {month} · {calendar.timezone}
      </h2>
      <p className="muted" style={{ marginTop: 0 }}>
        <span data-testid={`sessions-count-${market}`}>{calendar.sessions.length}</span> sessions,{" "}
        {calendar.sessions.filter((s) => s.half_day).length} half days · known through{" "}
        <span data-testid={`known-through-${market}`}>{calendar.known_through}</span>
      </p>
      <div className="cal">
        {DOW.map((d) => (
          <div key={d} className="dow">
            {d}
          </div>
        ))}
        {Array.from({ length: lead }, (_, i) => (
          <div key={`l${i}`} />
        ))}
        {days.map((date) => {
          const s = sessions.get(date);
          const unknown = date > calendar.known_through;
          const cls = [
            "day",
            s ? "session" : "",
            s?.half_day ? "half" : "",
            date === today ? "today" : "",
            unknown ? "out" : "",
          ].join(" ");
          return (
            <div
              key={date}
              className={cls}
              data-date={date}
              data-session={s ? "true" : "false"}
              data-half-day={s?.half_day ? "true" : undefined}
              data-today={date === today ? "true" : undefined}
            >
              <strong>{Number(date.slice(8))}</strong>
              {s ? (
                <div className="muted">
                  {s.open}–{s.close}
                  {s.half_day ? " half" : ""}
                </div>
              ) : unknown ? (
                <div className="muted">unknown</div>
              ) : null}
            </div>
          );
        })}
      </div>
    </section>
  );
}

export default async function CalendarPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const today = todayLocal();
  const raw = typeof params.month === "string" && /^\d{4}-\d{2}$/.test(params.month) ? params.month : today.slice(0, 7);
  const month = raw;
  const days = monthDays(month);
  const client = serverClient({ timeoutMs: 10_000 });
  const markets = MARKETS.map((m) => m.id as CalendarMarket);
  const results = await Promise.allSettled(
    markets.map((m) => client.getCalendar(m, { start: days[0]!, end: days[days.length - 1]! })),
  );
  const prev = addMonths(`${month}-01`, -1).slice(0, 7);
  const next = addMonths(`${month}-01`, 1).slice(0, 7);
  return (
    <>
      <h1 style={{ fontSize: 20, margin: "0 0 8px" }}>Trading calendar</h1>
      <div className="row" style={{ marginBottom: 12 }}>
        <Link href={`/calendar?month=${prev}`} data-testid="month-prev">
          ← {prev}
        </Link>
        <strong data-testid="month">{month}</strong>
        <Link href={`/calendar?month=${next}`} data-testid="month-next">
          {next} →
        </Link>
        <span className="muted">
          Today ({DEFAULT_TIME_ZONE}): {today}. Outlined: today; shaded: half day; hours exchange-local.
        </span>
      </div>
      <div className="grid2">
        {results.map((r, i) =>
          r.status === "fulfilled" ? (
            <MonthGrid key={markets[i]} market={markets[i]!} month={month} calendar={r.value} today={today} />
          ) : (
            <section key={markets[i]} className="panel">
              <div className="error" data-testid="panel-error">
                {errorInfo(r.reason).message}
              </div>
            </section>
          ),
        )}
      </div>
    </>
  );
}
