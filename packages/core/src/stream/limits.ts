/**
 * Open streams per client (issue 19): server-sent-event streams and WebSocket connections together, counted per
 * client (an API key, or the client IP for callers without one) in this process's memory.
 */
import { QuantDbError } from "../errors.ts";

/** Counts each client's open streams against a limit. */
export class StreamSlots {
  readonly #open = new Map<string, number>();

  /** @param max open streams per client; `undefined` counts without limit */
  constructor(readonly max: number | undefined) {}

  /** Open streams of `client` now. */
  openBy(client: string): number {
    return this.#open.get(client) ?? 0;
  }

  /**
   * Take a slot for one stream of `client` (e.g. `key:3`, `ip:203.0.113.7`). Call before the stream starts; call
   * the returned `release` once it ended (later calls do nothing).
   * @throws {QuantDbError} `TOO_MANY_STREAMS` (HTTP 429) when `client` already holds `max` streams
   */
  acquire(client: string): () => void {
    const open = this.openBy(client);
    if (this.max !== undefined && open >= this.max)
      throw new QuantDbError(
        "TOO_MANY_STREAMS",
        `Too many open streams: at most ${this.max} per client (server-sent-event streams and WebSocket ` +
          `connections together); close one first, or subscribe to more symbols on one stream.`,
        { max_streams: this.max, open },
      );
    this.#open.set(client, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.openBy(client) - 1;
      if (left > 0) this.#open.set(client, left);
      else this.#open.delete(client);
    };
  }
}
