/**
 * `GET /api/v1/ws` (live quotes over a WebSocket) through the replay on PGlite and PostgreSQL, over real HTTP on
 * loopback: subscribe brings the status and the quotes, a second subscribe only what is new, unsubscribe stops that
 * symbol while another goes on, a bad message gets an error event on a socket that stays open, the server's pings
 * are answered (and a socket that never answers is cut), and every socket is closed with 1001 when the hub ends.
 * Poll intervals run in real time (100 ms); the tests wait for events and counters, never for a duration.
 */
import { ManualClock } from "@quantdb/core/clock";
import { testDrivers } from "@quantdb/db/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { type ServedApi, serveSystem, systemSuite } from "./harness.ts";

/** Friday 2026-11-20, 10:00 in Shanghai: the CN market trades. */
const CN_OPEN = "2026-11-20T02:00:00Z";
/** Saturday 2026-11-21, 10:00 in Shanghai: nothing is polled. */
const CN_WEEKEND = "2026-11-21T02:00:00Z";

interface ServerMessage {
  event: string;
  id?: string;
  data: any;
}

/** A WebSocket client that records every message, ping and the close. */
interface Client {
  ws: WebSocket;
  messages: ServerMessage[];
  pings: number;
  /** Resolves with the close code once the socket closed. */
  closed: Promise<number>;
  send(message: unknown): void;
  /** The next message after those already read by `next`. */
  next(): Promise<ServerMessage>;
}

const clients: Client[] = [];

async function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
  const ws = new WebSocket(url.replace(/^http/, "ws"), options);
  const messages: ServerMessage[] = [];
  let wake: (() => void) | null = null;
  let read = 0;
  const client: Client = {
    ws,
    messages,
    pings: 0,
    closed: new Promise((resolve) => ws.once("close", (code) => resolve(code))),
    send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)),
    async next() {
      while (read >= messages.length) await new Promise<void>((resolve) => (wake = resolve));
      return messages[read++]!;
    },
  };
  ws.on("message", (data) => {
    messages.push(JSON.parse(String(data)));
    wake?.();
  });
  ws.on("ping", () => client.pings++);
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return client;
}

const quotesOf = (messages: ServerMessage[], symbol: string) =>
  messages.filter((m) => m.event === "quote" && m.data.symbol === symbol);

describe.each(testDrivers())("GET /api/v1/ws on %s", (driver) => {
  const system = systemSuite(driver);
  let api: ServedApi | undefined;

  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await api?.stop();
    api = undefined;
  });

  async function serve(now: string, webSocketPingMs?: number): Promise<ServedApi> {
    api = await serveSystem({
      database: system.database,
      replay: system.replay,
      clock: new ManualClock(now),
      stream: { intervalMs: 100 },
      ...(webSocketPingMs ? { http: { webSocketPingMs } } : {}),
    });
    return api;
  }

  it("subscribe brings status and quotes; unsubscribe stops that symbol while the other goes on", async () => {
    // Moving quotes: every poll answers the next of the last recorded bars, so every poll brings a change.
    system.replay.setMovingQuotes(true);
    const { url, services } = await serve(CN_OPEN);
    const client = await connect(`${url}/api/v1/ws`);
    client.send({ op: "subscribe", symbols: ["600519"] });
    expect(await client.next()).toMatchObject({
      event: "status",
      id: expect.any(String),
      data: { market: "CN", state: "open", next_open: null },
    });
    await vi.waitFor(() => expect(quotesOf(client.messages, "600519").length).toBeGreaterThanOrEqual(2), {
      timeout: 20_000,
      interval: 20,
    });
    const quote = quotesOf(client.messages, "600519")[0]!;
    expect(quote.data).toMatchObject({ symbol: "600519", market: "SH", name: "贵州茅台", price: expect.any(Number) });
    expect(quote.data.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);

    // A second symbol of the same market: no second status, its quotes join.
    const before = client.messages.length;
    client.send({ op: "subscribe", symbols: ["000001", "600519"] });
    await vi.waitFor(() => expect(quotesOf(client.messages.slice(before), "000001").length).toBeGreaterThanOrEqual(2), {
      timeout: 20_000,
      interval: 20,
    });
    expect(client.messages.slice(before).filter((m) => m.event === "status")).toEqual([]);
    expect(services.stream.stats().subscribers).toBe(1);

    // Unsubscribe 600519; a bad message right after it marks when the server had handled it (messages are handled
    // in order, and the error is answered at once).
    client.send({ op: "unsubscribe", symbols: ["600519"] });
    client.send("sync");
    await vi.waitFor(() => expect(client.messages.some((m) => m.event === "error")).toBe(true), { timeout: 10_000 });
    const sync = client.messages.findIndex((m) => m.event === "error");
    // The positive control keeps coming: three more quotes of 000001.
    await vi.waitFor(() => expect(quotesOf(client.messages.slice(sync), "000001").length).toBeGreaterThanOrEqual(3), {
      timeout: 20_000,
      interval: 20,
    });
    // At most the one 600519 quote already queued when the unsubscribe arrived goes out, in the next batch; none
    // after the second 000001 quote that followed.
    const after = client.messages.slice(sync);
    const second = after.indexOf(quotesOf(after, "000001")[1]!);
    expect(quotesOf(after.slice(second), "600519")).toEqual([]);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("answers a bad message with an error event and keeps the socket open; 426 without an upgrade", async () => {
    const { url, get } = await serve(CN_WEEKEND);
    const client = await connect(`${url}/api/v1/ws`);
    const bad: Array<[unknown, string, RegExp]> = [
      ["not json", "VALIDATION_ERROR", /not JSON/],
      [{ op: "watch", symbols: ["600519"] }, "VALIDATION_ERROR", /Unknown op "watch"/],
      [{ op: "subscribe", symbols: "600519" }, "VALIDATION_ERROR", /array of strings/],
      [{ op: "subscribe", symbols: ["600519", "60O519"] }, "INVALID_SYMBOL", /60O519/],
      [
        { op: "subscribe", symbols: Array.from({ length: 201 }, (_, i) => String(600000 + i)) },
        "VALIDATION_ERROR",
        /at most 200/,
      ],
    ];
    for (const [message, code, text] of bad) {
      client.send(message);
      const answer = await client.next();
      expect(answer).toEqual({ event: "error", data: { code, message: expect.stringMatching(text) } });
    }
    expect(client.ws.readyState).toBe(WebSocket.OPEN);

    // 200 held, then one more is refused and nothing changes; a valid subscribe still works.
    client.send({ op: "subscribe", symbols: Array.from({ length: 199 }, (_, i) => String(600000 + i)) });
    client.send({ op: "subscribe", symbols: ["00700", "300750"] });
    const statuses: ServerMessage[] = [];
    let refused: ServerMessage | undefined;
    while (!refused || statuses.length < 1) {
      const message = await client.next();
      if (message.event === "status") statuses.push(message);
      if (message.event === "error") refused = message;
    }
    expect(statuses.map((m) => m.data.market)).toEqual(["CN"]);
    expect(refused.data).toMatchObject({ code: "VALIDATION_ERROR", message: expect.stringMatching(/201 symbols/) });
    client.send({ op: "unsubscribe", symbols: ["600000"] });
    client.send({ op: "subscribe", symbols: ["00700"] });
    expect(await client.next()).toMatchObject({
      event: "status",
      data: { market: "HK", state: "closed", next_open: "2026-11-23T09:30:00+08:00" },
    });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    // nothing is polled while the markets are closed
    expect(system.replay.requestCount({ path: "/api/qt/ulist.np/get" })).toBe(0);

    const plain = await get("/api/v1/ws");
    expect(plain.status).toBe(426);
    expect(plain.headers.get("upgrade")).toBe("websocket");
    expect(plain.body.error).toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/stream\/quotes/),
    });
  });

  it("pings every interval; a socket that answers stays, one that never answers is cut", async () => {
    const { url, services } = await serve(CN_WEEKEND, 250);
    const answering = await connect(`${url}/api/v1/ws`);
    const silent = await connect(`${url}/api/v1/ws`, { autoPong: false });
    answering.send({ op: "subscribe", symbols: ["600519"] });
    silent.send({ op: "subscribe", symbols: ["600519"] });
    expect((await answering.next()).event).toBe("status");
    expect((await silent.next()).event).toBe("status");
    expect(services.stream.stats().subscribers).toBe(2);
    // Cut after missing one pong: the client sees an abnormal close (no close frame).
    expect(await silent.closed).toBe(1006);
    await vi.waitFor(() => expect(services.stream.stats().subscribers).toBe(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(answering.pings).toBeGreaterThanOrEqual(4), { timeout: 10_000, interval: 20 });
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
  });

  it("closes every socket with 1001 when the hub ends, subscribed or not", async () => {
    const { url, services } = await serve(CN_WEEKEND);
    const subscribed = await connect(`${url}/api/v1/ws`);
    const idle = await connect(`${url}/api/v1/ws`);
    subscribed.send({ op: "subscribe", symbols: ["600519", "binance:BTC/USDT"] });
    expect((await subscribed.next()).event).toBe("status");
    await vi.waitFor(() => expect(services.stream.stats().subscribers).toBe(2), { timeout: 10_000 });
    services.stream.close();
    expect(await subscribed.closed).toBe(1001);
    expect(await idle.closed).toBe(1001);
  });
});
