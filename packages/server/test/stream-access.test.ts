/**
 * Who may open a live-quote stream, over real HTTP on loopback with the replay, on PGlite and PostgreSQL: open
 * streams per client (SSE and WebSocket together; per key, else per IP) limited with 429 TOO_MANY_STREAMS before the
 * stream starts and freed when one closes; under QUANTDB_AUTH=all the key header or a short-lived stream token from
 * POST /api/v1/stream/tokens (expiry on an injected clock, refused once expired, revoked, tampered with, used
 * elsewhere or replaced by a key in the URL), accepted by another replica on the same database, and never logged.
 */
import { ManualClock } from "@quantdb/core/clock";
import { createApiKeyStore } from "@quantdb/db";
import { testDrivers } from "@quantdb/db/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { bearer, createKey, guardedSuite, isEnvelope, startGuardedApi } from "./security-harness.ts";

/** Saturday 2026-11-21, 10:00 in Shanghai: every stream gets its status at once, and nothing is polled. */
const WEEKEND = "2026-11-21T02:00:00Z";

/** Streams opened by the running test, closed after it (before its APIs close). */
const closers: Array<() => void> = [];

/** Open a server-sent-event stream; for a 200, resolves once its first event (the status snapshot) arrived. */
async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; close: () => void }> {
  const controller = new AbortController();
  closers.push(() => controller.abort());
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200)
    return { status: response.status, body: await response.json(), close: () => controller.abort() };
  const reader = response.body!.getReader();
  let text = "";
  while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  expect(text).toMatch(/^event: status\ndata: \{"market":/);
  return { status: 200, body: undefined, close: () => controller.abort() };
}

/** Open a WebSocket: resolves with the HTTP status of a refused upgrade, or 101 and the open socket. */
function openWs(url: string, headers: Record<string, string> = {}): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, "ws"), { headers });
    closers.push(() => ws.terminate());
    ws.once("unexpected-response", (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      response.resume();
      ws.terminate();
    });
    ws.once("open", () => resolve({ status: 101, ws }));
    ws.once("error", reject);
  });
}

describe.each(testDrivers())("live-quote stream access on %s", (driver) => {
  const suite = guardedSuite(driver);
  // Registered after the suite's hooks, so it runs before them: streams end before their API closes.
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it("limits open streams per client, SSE and WebSocket together: 429 at limit+1, freed when one closes", async () => {
    const api = await suite.start({ auth: "admin" }, { clock: new ManualClock(WEEKEND), stream: { maxPerClient: 2 } });
    const slots = api.services.streamSlots;
    const quotes = `${api.url}/api/v1/stream/quotes?symbols=600519`;
    const first = await openSse(quotes);
    expect(first.status).toBe(200);
    const socket = await openWs(`${api.url}/api/v1/ws`);
    expect(socket.status).toBe(101);
    expect(slots.openBy("ip:127.0.0.1")).toBe(2);

    const refused = await openSse(quotes);
    expect(refused.status).toBe(429);
    expect(isEnvelope(refused.body, 429)).toBe(true);
    expect(refused.body.error).toMatchObject({
      code: "TOO_MANY_STREAMS",
      message: expect.stringMatching(/at most 2 per client/),
      details: { max_streams: 2, open: 2 },
    });
    expect((await openWs(`${api.url}/api/v1/ws`)).status).toBe(429);

    // A key is a client of its own, whatever its address.
    const read = await createKey(suite.system, "read");
    const keyed = await openSse(quotes, { authorization: `Bearer ${read.key}` });
    expect(keyed.status).toBe(200);
    expect(slots.openBy(`key:${read.id}`)).toBe(1);

    // Closing a stream frees its slot; so does closing a WebSocket.
    first.close();
    await vi.waitFor(() => expect(slots.openBy("ip:127.0.0.1")).toBe(1), { timeout: 10_000 });
    expect((await openSse(quotes)).status).toBe(200);
    expect((await openWs(`${api.url}/api/v1/ws`)).status).toBe(429);
    socket.ws!.close();
    await vi.waitFor(() => expect(slots.openBy("ip:127.0.0.1")).toBe(1), { timeout: 10_000 });
    expect((await openWs(`${api.url}/api/v1/ws`)).status).toBe(101);
    expect(slots.openBy("ip:127.0.0.1")).toBe(2);
  });

  it("QUANTDB_AUTH=all: key header or fresh stream token; expired, revoked and misplaced ones refused", async () => {
    const tokenClock = new ManualClock("2026-11-21T02:00:00Z");
    const api = await suite.start(
      { auth: "all", streamTokenClock: tokenClock },
      { captureLog: true, clock: new ManualClock(WEEKEND) },
    );
    const read = await createKey(suite.system, "read");
    const quotes = `${api.url}/api/v1/stream/quotes?symbols=600519,binance:BTC-USDT`;

    const anonymous = await openSse(quotes);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(/token=/) });
    expect((await openWs(`${api.url}/api/v1/ws`)).status).toBe(401);
    expect((await openSse(quotes, { authorization: `Bearer ${read.key}` })).status).toBe(200);
    expect((await openWs(`${api.url}/api/v1/ws`, { authorization: `Bearer ${read.key}` })).status).toBe(101);

    expect((await api.get("/api/v1/stream/tokens", { method: "POST" })).status).toBe(401);
    const issued = await api.get("/api/v1/stream/tokens", bearer(read.key, { method: "POST" }));
    expect(issued.status).toBe(200);
    expect(issued.headers.get("cache-control")).toBe("no-store");
    expect(issued.body).toEqual({
      token: expect.stringMatching(/^qst_\d+\.\d+\.[\w-]{43}$/),
      expires_at: "2026-11-21T02:01:00.000Z",
    });
    const token: string = issued.body.token;
    expect(token).not.toContain(read.key.slice(4));

    expect((await openSse(`${quotes}&token=${token}`)).status).toBe(200);
    const viaToken = await openWs(`${api.url}/api/v1/ws?token=${token}`);
    expect(viaToken.status).toBe(101);
    // Single-purpose: another endpoint does not take it.
    expect((await api.get(`/api/v1/version?token=${token}`)).status).toBe(401);
    // A key in the URL is refused, and told where keys go.
    const keyInUrl = await openSse(`${quotes}&token=${read.key}`);
    expect(keyInUrl.status).toBe(401);
    expect(keyInUrl.body.error.message).toMatch(/never go in URLs/);
    const tampered = `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`;
    expect((await openSse(`${quotes}&token=${tampered}`)).status).toBe(401);

    // Another replica on the same database accepts it (the signing secret is the key's stored hash).
    const replica = await startGuardedApi(
      suite.system,
      { auth: "all", streamTokenClock: tokenClock },
      {
        clock: new ManualClock(WEEKEND),
      },
    );
    try {
      const other = await openSse(`${replica.url}/api/v1/stream/quotes?symbols=600519&token=${token}`);
      expect(other.status).toBe(200);
      other.close();
    } finally {
      await replica.close();
    }

    // Expired on the injected clock.
    tokenClock.advance(59_000);
    expect((await openSse(`${quotes}&token=${token}`)).status).toBe(200);
    tokenClock.advance(1_000);
    const expired = await openSse(`${quotes}&token=${token}`);
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);

    // Refused once its key is revoked.
    const fresh = (await api.get("/api/v1/stream/tokens", bearer(read.key, { method: "POST" }))).body.token as string;
    expect((await openSse(`${quotes}&token=${fresh}`)).status).toBe(200);
    await createApiKeyStore(suite.system.database.db).revoke(read.id, new Date());
    expect((await openSse(`${quotes}&token=${fresh}`)).status).toBe(401);

    // The request log attributes token streams to the key (its public prefix), and never holds a token or the key.
    await vi.waitFor(
      () => {
        const streams = api.logLines.filter((l) => l.msg === "request" && l.route === "/api/v1/stream/quotes");
        expect(streams.filter((l) => l.status === 200 && l.key === read.prefix).length).toBeGreaterThanOrEqual(4);
      },
      { timeout: 10_000 },
    );
    const log = JSON.stringify(api.logLines);
    for (const secret of [token, fresh, token.split(".")[2]!, read.key, read.key.slice(12)])
      expect(log).not.toContain(secret);
  });
});
