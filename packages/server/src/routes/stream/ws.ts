/**
 * `GET /api/v1/ws`: live quotes over a WebSocket, in server mode only (the Node server upgrades the connection,
 * `../../websocket.ts`). The embedded mode and the dashboard's `/qdb` proxy use server-sent events
 * (`GET /api/v1/stream/quotes`, ./quotes.ts); an in-process or plain HTTP request here is answered 426.
 *
 * Client messages (text frames, JSON): `{"op":"subscribe","symbols":[…]}` and `{"op":"unsubscribe","symbols":[…]}`,
 * symbols as the SSE route takes them (stock codes, crypto `exchange:BASE-QUOTE` or `BASE/QUOTE`), at most 200
 * held per connection. Server messages: the SSE route's events as JSON objects, `{"event":"quote","id":"…",
 * "data":{…}}`, `{"event":"status",…}`, `{"event":"error",…}`; each subscribe first brings the snapshot of what is
 * new to the connection (status of newly subscribed markets, latest held quotes of newly subscribed symbols). A bad
 * message (not JSON, unknown op, malformed symbol, more than 200) gets `{"event":"error","data":{"code":
 * "VALIDATION_ERROR"|"INVALID_SYMBOL","message":"…"}}` and the socket stays open. The rules are core's
 * (`StreamSession`, `parseStreamMessage`); this file is the transport.
 *
 * Delivery never waits for a slow socket: each connection drains its own `LatestQueue` (only the latest undelivered
 * quote per symbol waits); a connection whose writes stall longer than `QUANTDB_STREAM_STALL_MS` is terminated. The
 * server pings every 15 s and terminates a connection that did not answer the previous ping. When the hub ends
 * (shutdown) every connection is closed with 1001 (going away). Counted with the SSE streams against
 * `QUANTDB_STREAM_MAX_PER_CLIENT` (429 `TOO_MANY_STREAMS` before the upgrade); under `QUANTDB_AUTH=all` the upgrade
 * request carries the key in `Authorization` or a stream token in `?token=`.
 */
import type { IncomingMessage } from "node:http";
import { upgradeWebSocket } from "@hono/node-server";
import { QuantDbError } from "@quantdb/core/errors";
import { LatestQueue, parseStreamMessage, StreamSession, type QuoteHub, type StreamEvent } from "@quantdb/core/stream";
import type { Context, Hono } from "hono";
import type { WebSocket } from "ws";
import type { AppEnv } from "../../context.ts";
import { errorResponse } from "../../errors.ts";
import { takeStreamSlot } from "./slots.ts";

/** Close code sent when the server shuts down (RFC 6455: going away). */
const GOING_AWAY = 1001;

/** Bytes a socket may hold unsent before replies to its messages are skipped (its quotes wait in its queue). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Options of {@link registerStreamWebSocket}. */
export interface StreamWebSocketOptions {
  /** Interval of the server's pings, ms; a connection that did not answer the previous one is terminated. */
  pingIntervalMs: number;
}

/** The `ws` socket under hono's WebSocket context. */
function rawSocket(raw: unknown): WebSocket {
  // safe because the Node server is given a `ws` WebSocketServer (websocket.ts), whose sockets these are
  return raw as WebSocket;
}

/** One connection: its session on the hub, its queue, the writer that drains it, the keep-alive. */
class Connection {
  readonly #ws: WebSocket;
  readonly #hub: QuoteHub;
  readonly #stallMs: number;
  readonly #queue = new LatestQueue();
  readonly #session: StreamSession | undefined;
  readonly #ping: ReturnType<typeof setInterval> | undefined;
  #alive = true;
  #closed = false;

  constructor(ws: WebSocket, hub: QuoteHub, options: { stallMs: number; pingIntervalMs: number }) {
    this.#ws = ws;
    this.#hub = hub;
    this.#stallMs = options.stallMs;
    try {
      this.#session = new StreamSession(hub, this.#queue);
    } catch {
      // The hub is shutting down.
      ws.close(GOING_AWAY, "server shutting down");
      return;
    }
    ws.on("pong", () => {
      this.#alive = true;
    });
    this.#ping = setInterval(() => {
      if (!this.#alive) {
        ws.terminate();
        return;
      }
      this.#alive = false;
      ws.ping();
    }, options.pingIntervalMs);
    this.#ping.unref?.();
    void this.#pump();
  }

  /** A client message: change the subscription, or answer an error event. */
  message(data: unknown): void {
    if (this.#closed || !this.#session) return;
    try {
      if (typeof data !== "string")
        throw new QuantDbError("VALIDATION_ERROR", "Messages are JSON text frames, not binary ones");
      const message = parseStreamMessage(data, this.#hub.exchanges);
      if (message.op === "subscribe")
        for (const event of this.#session.subscribe(message.symbols)) this.#queue.deliver(event);
      else this.#session.unsubscribe(message.symbols);
    } catch (error) {
      const known = error instanceof QuantDbError;
      this.#reply({
        event: "error",
        data: { code: known ? error.code : "INTERNAL_ERROR", message: known ? error.message : "Internal error" },
      });
    }
  }

  /** The socket closed: leave the hub, stop the writer and the pings. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ping);
    this.#session?.close();
    this.#queue.close();
  }

  /** Send a reply at once, unless the socket already holds more than it can take (then the reply is skipped). */
  #reply(message: { event: "error"; data: { code: string; message: string } }): void {
    if (this.#ws.readyState !== this.#ws.OPEN || this.#ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
    this.#ws.send(JSON.stringify(message));
  }

  /** Drain the queue into the socket, one batch at a time, each write bounded by the stall limit. */
  async #pump(): Promise<void> {
    const ws = this.#ws;
    while (!this.#closed) {
      await this.#queue.next(60_000);
      if (this.#closed) return;
      if (this.#queue.closed && this.#queue.size === 0) {
        // The hub ended (shutdown): what was held has been sent.
        ws.close(GOING_AWAY, "server shutting down");
        return;
      }
      const events = this.#queue.take();
      if (events.length === 0) continue;
      if (!(await this.#write(events))) {
        ws.terminate();
        return;
      }
    }
  }

  /** Write `events`; false when the socket did not take them within the stall limit. */
  async #write(events: StreamEvent[]): Promise<boolean> {
    let written: Promise<void> = Promise.resolve();
    for (const event of events)
      written = new Promise((resolve) => this.#ws.send(JSON.stringify(event), () => resolve()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#stallMs);
    });
    const outcome = await Promise.race([written.then(() => true as const), stalled]);
    clearTimeout(timer);
    return outcome;
  }
}

/** Whether `c` is an upgrade request that the Node server can complete (it was given a WebSocket server). */
function isUpgrade(c: Context<AppEnv>): boolean {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: unknown; wss?: unknown } | undefined;
  return (
    env?.wss !== undefined &&
    env.incoming !== undefined &&
    env.outgoing === undefined &&
    c.req.header("upgrade")?.toLowerCase() === "websocket"
  );
}

/**
 * Register `GET /api/v1/ws` (see the module comment).
 * @param options.pingIntervalMs interval of the keep-alive pings, ms
 */
export function registerStreamWebSocket(app: Hono<AppEnv>, options: StreamWebSocketOptions): void {
  app.get("/api/v1/ws", async (c) => {
    if (!isUpgrade(c)) {
      c.header("Upgrade", "websocket");
      return errorResponse(
        c,
        "VALIDATION_ERROR",
        "GET /api/v1/ws is the server's WebSocket endpoint: connect with a WebSocket client " +
          "(ws://<host>/api/v1/ws). Server-sent events (GET /api/v1/stream/quotes) serve the same events everywhere, " +
          "the embedded mode and the dashboard's proxy included.",
        426,
      );
    }
    const { stream: hub, streamStallMs } = c.get("services");
    const release = takeStreamSlot(c);
    // The slot is held as long as the TCP connection, upgraded or not (a failed handshake frees it too).
    (c.env as { incoming: IncomingMessage }).incoming.socket.once("close", release);
    let connection: Connection | undefined;
    return upgradeWebSocket(c, {
      onOpen: (_event, ws) => {
        connection = new Connection(rawSocket(ws.raw), hub, {
          stallMs: streamStallMs,
          pingIntervalMs: options.pingIntervalMs,
        });
      },
      onMessage: (event) => connection?.message(event.data),
      onClose: () => {
        connection?.close();
        release();
      },
    });
  });
}
