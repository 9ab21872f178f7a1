/**
 * The Node server's WebSocket side (`GET /api/v1/ws`, routes/stream/ws.ts): the `ws` server that completes the
 * upgrades `@hono/node-server` hands it (pass it as `serve({ websocket: { server } })`), and closing its connections
 * at shutdown. `ws` is loaded here only, when a server starts: the embedded mode never loads it.
 */
import type { WebSocketServer } from "ws";

/** Largest client message accepted, bytes (a subscribe naming 200 symbols is about 5 KB); larger closes with 1009. */
const MAX_MESSAGE_BYTES = 64 * 1024;

/** A `ws` server in no-server mode for `@hono/node-server`'s upgrades, with a bounded message size. */
export async function createWebSocketServer(): Promise<WebSocketServer> {
  const { WebSocketServer } = await import("ws");
  return new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
}

/**
 * Close every connection of `wss` with 1001 (going away) and wait until they are closed; a connection still open
 * after `graceMs` (its client never answered the close) is terminated.
 * @returns how many connections had to be terminated
 */
export async function closeWebSockets(wss: WebSocketServer, graceMs: number): Promise<number> {
  const open = [...wss.clients];
  if (open.length === 0) return 0;
  const closed = Promise.all(
    open.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          ws.once("close", () => resolve());
          ws.close(1001, "server shutting down");
        }),
    ),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), graceMs);
  });
  const outcome = await Promise.race([closed.then(() => "closed" as const), expired]);
  clearTimeout(timer);
  if (outcome === "closed") return 0;
  const left = open.filter((ws) => ws.readyState !== ws.CLOSED);
  for (const ws of left) ws.terminate();
  return left.length;
}
