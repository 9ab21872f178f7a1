/**
 * A subscriber's undelivered events, bounded: only the latest event per symbol (quotes, errors) and per
 * market (status) is kept, so a slow reader skips intermediate quotes instead of growing a backlog, and
 * the hub never waits for it.
 */
import type { StreamEvent, StreamSubscriber } from "./hub.ts";

function slot(event: StreamEvent): string {
  return event.event === "status" ? `status:${event.data.market}` : `${event.event}:${event.data.symbol}`;
}

/** Latest-per-key event queue; `take` empties it in arrival order, `next` waits for something to take. */
export class LatestQueue implements StreamSubscriber {
  readonly #pending = new Map<string, StreamEvent>();
  #wake: (() => void) | null = null;
  #closed = false;

  /** Keep `event`, replacing an undelivered one for the same symbol or market. */
  deliver(event: StreamEvent): void {
    const key = slot(event);
    this.#pending.delete(key); // re-insert: the newest goes last
    this.#pending.set(key, event);
    this.#wake?.();
    this.#wake = null;
  }

  /** Undelivered events now held (at most one per symbol and market). */
  get size(): number {
    return this.#pending.size;
  }

  /** Every undelivered event, oldest first; the queue is empty afterwards. */
  take(): StreamEvent[] {
    const events = [...this.#pending.values()];
    this.#pending.clear();
    return events;
  }

  /** True once closed (the connection ended, or the hub shut down). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The hub is shutting down: close, so the transport ends the connection. */
  end(): void {
    this.close();
  }

  /** Wake a waiting `next` for good (the connection ended); later calls return at once. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
    this.#wake = null;
  }

  /** Wake a waiting `next` without an event (e.g. time for a keep-alive); `take` then returns nothing. */
  nudge(): void {
    this.#wake?.();
    this.#wake = null;
  }

  /**
   * Resolves when an event is held (at once if one is), after `timeoutMs` (none: no timer, only an
   * event, {@link LatestQueue.nudge} or `close` wake it), or once closed.
   */
  next(timeoutMs?: number): Promise<void> {
    if (this.#pending.size > 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      if (timeoutMs === undefined) {
        this.#wake = resolve;
        return;
      }
      const timer = setTimeout(resolve, timeoutMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
