/**
 * Graceful shutdown of the HTTP server: stop accepting connections, let the requests in flight
 * finish (within a grace period), then let the caller close the database. Built on Node's own
 * `server.close()` / `closeIdleConnections()` / `closeAllConnections()`; what is added here is the
 * count of requests in flight and `Connection: close` on their answers, so keep-alive clients do
 * not hold the process open after their answer.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";

/** How a {@link RequestTracker.drain} ended. */
interface DrainOutcome {
  /** True when every request in flight finished within the grace period. */
  drained: boolean;
  /** Requests in flight when draining started. */
  inFlightAtStart: number;
  /** Requests still in flight when the grace period ended (their connections were closed). */
  abandoned: number;
}

/** Requests in flight on one server, and the drain. */
export interface RequestTracker {
  /** Requests received and not yet answered (or whose connection has not closed). */
  readonly inFlight: number;
  /**
   * Stop accepting connections (new ones are refused), close idle keep-alive connections, answer
   * the requests in flight with `Connection: close`, and wait until they are done, at most
   * `graceMs`; then close whatever connection is left. Resolves once the server is closed.
   */
  drain(graceMs: number): Promise<DrainOutcome>;
}

/** Start counting `server`'s requests in flight (call before it accepts connections). */
export function trackRequests(server: Server): RequestTracker {
  const active = new Set<ServerResponse>();
  let draining = false;
  let onIdle: (() => void) | undefined;

  server.on("request", (_request: IncomingMessage, response: ServerResponse) => {
    active.add(response);
    if (draining && !response.headersSent) response.setHeader("Connection", "close");
    response.once("close", () => {
      active.delete(response);
      if (!draining) return;
      server.closeIdleConnections();
      if (active.size === 0) onIdle?.();
    });
  });

  return {
    get inFlight() {
      return active.size;
    },
    async drain(graceMs) {
      draining = true;
      const inFlightAtStart = active.size;
      for (const response of active) if (!response.headersSent) response.setHeader("Connection", "close");
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idle = active.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onIdle = resolve));
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<"expired">((resolve) => (timer = setTimeout(() => resolve("expired"), graceMs)));
      const outcome = await Promise.race([idle.then(() => "idle" as const), expired]);
      clearTimeout(timer);
      const abandoned = outcome === "expired" ? active.size : 0;
      // Answered connections close on their own (Connection: close); anything left is cut now.
      if (outcome === "expired") server.closeAllConnections();
      else server.closeIdleConnections();
      // A connection that never sent a request does not count as idle everywhere: cut it shortly.
      const straggler = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(straggler);
      return { drained: abandoned === 0, inFlightAtStart, abandoned };
    },
  };
}
