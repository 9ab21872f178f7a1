/**
 * Time as a dependency. Everything in QuantDB that asks "what time is it" (today's date on an
 * exchange, whether a session has closed) asks a {@link Clock}, so tests can move time at will.
 */

/** A source of the current instant. */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock that stands still until told otherwise; for tests.
 * @example const clock = new ManualClock("2026-11-20T08:00:00Z"); clock.set("2026-11-20T09:00:00Z");
 */
export class ManualClock implements Clock {
  #now: Date;
  constructor(start: Date | string) {
    this.#now = new Date(start);
  }
  now(): Date {
    return new Date(this.#now);
  }
  /** Jump to an instant. */
  set(instant: Date | string): void {
    this.#now = new Date(instant);
  }
  /** Move forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.#now = new Date(this.#now.getTime() + ms);
  }
}
