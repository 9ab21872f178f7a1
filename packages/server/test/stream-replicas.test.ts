/**
 * Live quotes across replicas on one PostgreSQL server (issue 19): one replica per market polls, for the
 * symbols every replica's subscribers want, and the others receive its quotes through NOTIFY; two
 * replicas make the upstream calls of one; when the polling replica's lock connection dies or the replica
 * leaves, another takes over; a follower's realtime endpoint reads the relayed quotes. Real
 * HTTP on loopback, the replay upstream (moving quotes), 100-ms poll intervals in real time; the tests
 * wait for events and counters, never for a duration.
 */
import { ManualClock } from "@quantdb/core/clock";
import { openCoordinationPool, relayPayloads, type DatabaseHandle } from "@quantdb/db";
import { openTestDatabase, testDrivers } from "@quantdb/db/testing";
import { startReplay, type ReplayServer } from "@quantdb/replay";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ServedApi, serveSystem } from "./harness.ts";
import { opened, openStream } from "./sse.ts";

const ULIST = "/api/qt/ulist.np/get";
/** Friday 2026-11-20, 10:00 in Shanghai: the CN market trades. */
const CN_OPEN = "2026-11-20T02:00:00Z";

it("splits a poll's events into NOTIFY payloads under 8000 bytes, in order", () => {
  const quote = (i: number) => ({
    kind: "quote" as const,
    key: String(600000 + i),
    quote: {
      symbol: String(600000 + i),
      market: "SH",
      name: "贵州茅台".repeat(5),
      price: 1500 + i,
      change: 1,
      pct_change: 0.1,
      open: 1,
      high: 2,
      low: 0.5,
      prev_close: 1,
      volume: 1e6,
      amount: 1e9,
      time: "2026-11-20T10:00:00+08:00",
    },
  });
  const events = Array.from({ length: 200 }, (_, i) => quote(i));
  const payloads = relayPayloads({ from: "r1", market: "CN", events });
  expect(payloads.length).toBeGreaterThan(5);
  for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(8000);
  const back = payloads.flatMap((p) => JSON.parse(p).events);
  expect(back).toEqual(events);
  expect(relayPayloads({ from: "r1", market: "CN", events: [] })).toEqual([]);
});

describe.each(testDrivers().filter((driver) => driver === "postgres"))(
  "live quotes across replicas on %s",
  (driver) => {
    let database: DatabaseHandle & { url?: string };
    let replay: ReplayServer;

    beforeAll(async () => {
      database = await openTestDatabase(driver);
      replay = await startReplay({ movingQuotes: true });
    }, 60_000);
    afterAll(async () => {
      await replay?.close();
      await database?.close();
    });

    const replica = (): Promise<ServedApi> =>
      serveSystem({
        database,
        replay,
        clock: new ManualClock(CN_OPEN),
        stream: { intervalMs: 100 },
        coordinationUrl: database.url!,
      });

    it("two replicas make the calls of one; every replica's subscribers get quotes; one takes over", async () => {
      const a = await replica();
      const b = await replica();
      const stopped = new Set<ServedApi>();
      const ulist = () => replay.requestCount({ path: ULIST });
      try {
        const onA = await openStream(`${a.url}/api/v1/stream/quotes?symbols=600519,000001`);
        const onB = await openStream(`${b.url}/api/v1/stream/quotes?symbols=600519,000001,300750`);
        // both get quotes of every symbol, 300750 (wanted only on B) included whichever replica polls
        const seenOnB = new Set<string>();
        while (seenOnB.size < 3) {
          const e = await onB.next();
          if (e.event === "quote") seenOnB.add(e.data.symbol);
        }
        const seenOnA = new Set<string>();
        while (seenOnA.size < 2) {
          const e = await onA.next();
          if (e.event === "quote") seenOnA.add(e.data.symbol);
        }
        expect([...seenOnA].sort()).toEqual(["000001", "600519"]);

        const leaders = () => [a, b].filter((api) => api.services.stream.stats().leading.includes("CN"));
        /** Exactly one replica polls; over 5 of its polls, every upstream call is its own, one per poll. */
        const oneLeader = async () => {
          expect(leaders()).toHaveLength(1);
          const [l] = leaders();
          const f = l === a ? b : a;
          const start = { l: l!.services.stream.stats(), f: f.services.stream.stats(), calls: ulist() };
          await vi.waitFor(
            () => {
              const ls = l!.services.stream.stats();
              const fs = f.services.stream.stats();
              expect(ls.polls.CN - start.l.polls.CN).toBeGreaterThanOrEqual(5);
              // every upstream call of the window is the leader's, one per poll (3 secids fit one call)
              expect(ulist() - start.calls).toBe(ls.calls.CN - start.l.calls.CN);
              expect(ls.calls.CN - start.l.calls.CN).toBe(ls.polls.CN - start.l.polls.CN);
              expect(fs.polls.CN).toBe(start.f.polls.CN);
              expect(fs.ticks.CN).toBeGreaterThan(start.f.ticks.CN);
            },
            { timeout: 20_000, interval: 20 },
          );
          return { leader: l!, follower: f };
        };
        await oneLeader();

        // The polling replica's lock connection dies (as when its process is killed): PostgreSQL releases
        // the lock, and within a tick or two one replica polls again, alone.
        const admin = openCoordinationPool(database.url!);
        try {
          const killed = await admin.pool.query(
            "select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted",
          );
          expect(killed.rowCount).toBe(1);
        } finally {
          await admin.close();
        }
        const ticks = () => [a, b].map((api) => api.services.stream.stats().ticks.CN);
        const [ta, tb] = ticks();
        await vi.waitFor(
          () => {
            const [na, nb] = ticks();
            expect(na! - ta!).toBeGreaterThanOrEqual(3);
            expect(nb! - tb!).toBeGreaterThanOrEqual(3);
            expect(leaders()).toHaveLength(1);
          },
          { timeout: 20_000, interval: 20 },
        );
        const { leader, follower } = await oneLeader();

        // the follower's subscribers keep receiving changed quotes the leader polled
        const followerStream = follower === a ? onA : onB;
        const moreQuotes = async (count: number) => {
          const prices: number[] = [];
          while (prices.length < count) {
            const e = await followerStream.next();
            if (e.event === "quote" && e.data.symbol === "600519") prices.push(e.data.price);
          }
          return prices;
        };
        expect(await moreQuotes(3)).toHaveLength(3);
        // the follower's realtime endpoint reads the relayed quote: no upstream call of its own
        const realtime = await follower.get("/api/v1/realtime/stock/600519");
        expect(realtime.status).toBe(200);
        expect(realtime.body).toMatchObject({ symbol: "600519", cache: { hit: true, upstream_requests: 0 } });

        // the leader leaves: the other replica takes over within an interval and its subscribers go on
        await (leader === a ? onA : onB).close();
        await leader!.stop();
        stopped.add(leader!);
        await vi.waitFor(() => expect(follower.services.stream.stats().leading).toEqual(["CN"]), {
          timeout: 20_000,
          interval: 20,
        });
        const taken = { f: follower.services.stream.stats(), calls: ulist() };
        await vi.waitFor(
          () => {
            const f = follower.services.stream.stats();
            expect(f.polls.CN - taken.f.polls.CN).toBeGreaterThanOrEqual(3);
            expect(ulist() - taken.calls).toBe(f.calls.CN - taken.f.calls.CN);
          },
          { timeout: 20_000, interval: 20 },
        );
        const prices = await moreQuotes(3);
        expect(prices.every((p, i) => i === 0 || p !== prices[i - 1])).toBe(true);
      } finally {
        await Promise.all(opened.splice(0).map((stream) => stream.close()));
        for (const api of [a, b]) if (!stopped.has(api)) await api.stop();
      }
    });
  },
);
