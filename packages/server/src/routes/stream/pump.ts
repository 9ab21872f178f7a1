/**
 * Writing one server-sent-event stream: the snapshot, then each wake-up's pending events, with a
 * keep-alive comment when idle and a cut when the client stops reading (`QUANTDB_STREAM_STALL_MS`).
 * The route (./quotes.ts) gives it a {@link Sink}: the Node response itself ({@link nodeSink}) on the
 * server, Hono's stream in the embedded mode.
 */
import type { LatestQueue, StreamEvent } from "@quantdb/core/stream";
import type { Writable } from "node:stream";

/** Keep-alive comment interval, ms: a comment line at least this often keeps proxies from closing the connection. */
export const KEEP_ALIVE_MS = 15_000;

/**
 * An event's wire form, made once per event however many subscribers get it (the hub hands every
 * subscriber the same object). JSON has no raw line breaks, so `data` is one line.
 */
const wire = new WeakMap<StreamEvent, string>();
function encode(event: StreamEvent): string {
  let text = wire.get(event);
  if (text === undefined) {
    text = `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\nid: ${event.id}\n\n`;
    wire.set(event, text);
  }
  return text;
}

/** Where a stream's text goes: the Node response itself, or Hono's stream (embedded mode). */
export interface Sink {
  /** Write `text`; `undefined` when written at once, else a promise of the moment it may continue. */
  write(text: string): Promise<void> | undefined;
  /** End the response normally (the hub closed). */
  end(): void;
  /** Cut the connection (stalled). */
  cut(): void;
  onClose(listener: () => void): void;
}

/**
 * A {@link Sink} over a Node writable (the server's `ServerResponse`): a write the socket cannot take at
 * once (`write` returned false) continues at `drain`, or at `close` if the client leaves first; cutting
 * destroys the socket.
 */
export function nodeSink(outgoing: Writable): Sink {
  return {
    write: (text) =>
      outgoing.write(text)
        ? undefined
        : new Promise<void>((resolve) => {
            // One of the two fires; the other is removed, so a long stream's many waits add no listeners.
            const done = () => {
              outgoing.off("drain", done);
              outgoing.off("close", done);
              resolve();
            };
            outgoing.on("drain", done);
            outgoing.on("close", done);
          }),
    end: () => outgoing.end(),
    cut: () => outgoing.destroy(),
    onClose: (listener) => outgoing.once("close", listener),
  };
}

/**
 * Write the snapshot, then every wake-up's pending events in one write, until the client leaves, the hub
 * ends the queue, or a write stays pending longer than `stallMs` (then the sink is cut). One watchdog per
 * connection (not a timer per write or per wait: 1,000 subscribers would make thousands a second) cuts a
 * stalled connection and wakes an idle one for its keep-alive comment. `unsubscribe` is called once the
 * stream is over, however it ended (more calls must be harmless).
 */
export async function pump(
  sink: Sink,
  snapshot: readonly StreamEvent[],
  queue: LatestQueue,
  stallMs: number,
  unsubscribe: () => void,
): Promise<void> {
  let closed = false;
  let writingSince = 0;
  let lastWrite = Date.now();
  let cutStalled = () => {};
  // Resolves when the watchdog cuts the connection: a write that never completes is not awaited forever.
  const cut = new Promise<void>((resolve) => (cutStalled = resolve));
  const close = () => {
    closed = true;
    unsubscribe();
    queue.close();
  };
  sink.onClose(close);
  const tick = Math.max(50, Math.min(stallMs / 4, KEEP_ALIVE_MS / 3));
  // The keep-alive goes at the last tick before KEEP_ALIVE_MS is up (waiting for the first tick past it would
  // leave an idle stream up to a tick longer than KEEP_ALIVE_MS without a line).
  const watchdog = setInterval(() => {
    const now = Date.now();
    if (writingSince !== 0 && now - writingSince >= stallMs) {
      cutStalled();
      sink.cut();
      close();
    } else if (writingSince === 0 && now - lastWrite + tick > KEEP_ALIVE_MS) queue.nudge();
  }, tick);
  watchdog.unref?.();
  const send = async (text: string) => {
    const pending = sink.write(text);
    if (pending) {
      writingSince = Date.now();
      await Promise.race([pending, cut]);
      writingSince = 0;
    }
    lastWrite = Date.now();
  };
  try {
    if (snapshot.length > 0) await send(snapshot.map(encode).join(""));
    while (!closed) {
      await queue.next();
      if (closed) break; // the client left (or was cut)
      // Closed by the hub at shutdown: send what is held, then end the response.
      if (queue.closed && queue.size === 0) break;
      const events = queue.take();
      // Everything pending in one write (one chunk), however many symbols moved.
      await send(events.length === 0 ? ": keep-alive\n\n" : events.map(encode).join(""));
    }
  } finally {
    clearInterval(watchdog);
    unsubscribe();
    queue.close();
    if (!closed) sink.end();
  }
}
