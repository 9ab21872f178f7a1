/**
 * The client's IP: the socket's remote address, or — only behind trusted proxies — the address
 * the outermost trusted proxy saw in X-Forwarded-For (counting `trustProxy` hops from the right,
 * so a client cannot spoof it by sending its own header).
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import "./types.ts";

/** The client IP of a request; undefined when there is no socket (in-process `app.request`). */
function clientIpOf(c: Context, trustProxy: number): string | undefined {
  if (trustProxy > 0) {
    const forwarded = c.req.header("x-forwarded-for");
    if (forwarded) {
      const hops = forwarded
        .split(",")
        .map((h) => h.trim())
        .filter((h) => h !== "");
      if (hops.length > 0) return hops[Math.max(0, hops.length - trustProxy)];
    }
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/** Sets `clientIp` for the rest of the chain. */
export function clientIp(trustProxy: number): MiddlewareHandler {
  return async (c, next) => {
    c.set("clientIp", clientIpOf(c, trustProxy));
    await next();
  };
}
