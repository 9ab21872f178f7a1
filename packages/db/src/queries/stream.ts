/**
 * Live-quote polling shared by the replicas on one PostgreSQL server: the `QuoteRelay` port of
 * `@quantdb/core/stream`.
 *
 * - Election: the replica holding the session-level advisory lock `quantdb:stream:<market>` polls that
 *   market. The lock lives on one dedicated connection of the coordination pool; a replica that dies
 *   (even by SIGKILL) loses that connection, PostgreSQL releases the lock, and the next replica to try
 *   (every poll interval) takes over.
 * - Interest: each replica upserts the symbols its subscribers want in `stream_interest`, with an
 *   expiry it renews every interval; the polling replica polls the union of the rows not expired.
 * - Publication: after each poll the polling replica sends every polled quote on `NOTIFY
 *   quantdb_stream_quotes`, in payloads under PostgreSQL's 8000-byte limit; every replica listens.
 */
import { randomUUID } from "node:crypto";
import type { QuoteRelay, RelayedEvent, RelayMessage, StreamMarket } from "@quantdb/core/stream";
import { and, eq, gt, lt, sql } from "drizzle-orm";
import type pg from "pg";
import type { DatabaseHandle } from "../client.ts";
import { streamInterest } from "../schema/index.ts";
import type { CoordinationPool } from "./locks.ts";

/** The NOTIFY channel polled quotes travel on; the payload is a JSON {@link RelayMessage} (one chunk of a poll). */
export const STREAM_QUOTES_CHANNEL = "quantdb_stream_quotes";

/** Largest payload sent, bytes: PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;

const MARKETS: readonly StreamMarket[] = ["CN", "HK", "CRYPTO"];

const lockName = (market: StreamMarket) => `quantdb:stream:${market}`;

/** A {@link QuoteRelay} on PostgreSQL, with the listening end and `close`. */
export interface PostgresQuoteRelay extends QuoteRelay {
  /** Receive the messages other replicas publish; resolves once listening, with the unsubscribe. */
  listen(onMessage: (message: RelayMessage) => void): Promise<() => Promise<void>>;
  /** Give up every market's election (their locks) and return the lock connection. */
  close(): Promise<void>;
}

/**
 * Split a poll's events into messages whose JSON stays under {@link MAX_PAYLOAD_BYTES}. An event that
 * alone exceeds it (none does: a quote is about 300 bytes) is dropped rather than refused by PostgreSQL.
 */
export function relayPayloads(message: RelayMessage): string[] {
  const head = `{"from":${JSON.stringify(message.from)},"market":${JSON.stringify(message.market)},"events":[`;
  const tail = "]}";
  const payloads: string[] = [];
  let parts: string[] = [];
  let bytes = Buffer.byteLength(head) + tail.length;
  const flush = () => {
    if (parts.length > 0) payloads.push(head + parts.join(",") + tail);
    parts = [];
    bytes = Buffer.byteLength(head) + tail.length;
  };
  for (const event of message.events) {
    const json = JSON.stringify(event);
    const size = Buffer.byteLength(json) + 1;
    if (Buffer.byteLength(head) + tail.length + size > MAX_PAYLOAD_BYTES) continue;
    if (bytes + size > MAX_PAYLOAD_BYTES) flush();
    parts.push(json);
    bytes += size;
  }
  flush();
  return payloads;
}

/** A received payload as a message, or null when it is not one (another version's format, garbage). */
function parseMessage(payload: string): RelayMessage | null {
  try {
    const value = JSON.parse(payload) as Partial<RelayMessage>;
    if (typeof value.from !== "string" || !MARKETS.includes(value.market as StreamMarket)) return null;
    if (!Array.isArray(value.events)) return null;
    const events = value.events.filter(
      (e: RelayedEvent) =>
        (e?.kind === "quote" && typeof e.key === "string" && typeof e.quote === "object" && e.quote !== null) ||
        (e?.kind === "unknown" && typeof e.key === "string") ||
        (e?.kind === "status" && typeof e.status === "object" && e.status !== null),
    );
    return { from: value.from, market: value.market as StreamMarket, events };
  } catch {
    return null;
  }
}

/**
 * The relay over `database` (interest table, LISTEN/NOTIFY) and `coordination` (the lock connection).
 * @param options.replica this process's id; default a random UUID
 */
export function createPostgresQuoteRelay(
  database: Pick<DatabaseHandle, "db" | "listen">,
  coordination: CoordinationPool,
  options: { replica?: string } = {},
): PostgresQuoteRelay {
  const replica = options.replica ?? randomUUID();
  const { db } = database;
  const held = new Set<StreamMarket>();
  let client: pg.PoolClient | null = null;
  let connecting: Promise<pg.PoolClient> | null = null;

  const drop = (broken: boolean) => {
    const c = client;
    client = null;
    held.clear();
    c?.release(broken);
  };

  /** The lock connection; losing it loses every lock on it. */
  const lockClient = async (): Promise<pg.PoolClient> => {
    if (client) return client;
    connecting ??= coordination.pool.connect().then((c) => {
      const lost = () => {
        if (client === c) drop(true);
      };
      c.on("error", lost);
      c.on("end", lost);
      client = c;
      return c;
    });
    try {
      return await connecting;
    } finally {
      connecting = null;
    }
  };

  return {
    replica,
    async lead(market) {
      if (held.has(market) && client) return true;
      const c = await lockClient();
      try {
        const { rows } = await c.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtextextended($1, 0)) as ok", [
          lockName(market),
        ]);
        if (rows[0]?.ok) held.add(market);
      } catch (error) {
        drop(true);
        throw error;
      }
      return held.has(market);
    },
    async resign(market) {
      if (!held.has(market) || !client) return;
      held.delete(market);
      try {
        await client.query("select pg_advisory_unlock(hashtextextended($1, 0))", [lockName(market)]);
      } catch {
        drop(true); // the connection is gone, and its locks with it
        return;
      }
      if (held.size === 0) drop(false);
    },
    async announce(market, keys, ttlMs) {
      if (keys.length === 0) {
        await db
          .delete(streamInterest)
          .where(and(eq(streamInterest.replica, replica), eq(streamInterest.market, market)));
        return;
      }
      const expiresAt = sql`now() + ${Math.max(1, Math.round(ttlMs))} * interval '1 millisecond'`;
      await db
        .insert(streamInterest)
        .values({ replica, market, symbols: [...keys], expiresAt })
        .onConflictDoUpdate({
          target: [streamInterest.replica, streamInterest.market],
          set: { symbols: [...keys], expiresAt },
        });
    },
    async wanted(market) {
      // Rows of replicas that died without withdrawing: gone once expired.
      await db.delete(streamInterest).where(lt(streamInterest.expiresAt, sql`now()`));
      const rows = await db
        .select({ symbols: streamInterest.symbols })
        .from(streamInterest)
        .where(and(eq(streamInterest.market, market), gt(streamInterest.expiresAt, sql`now()`)));
      return [...new Set(rows.flatMap((r) => r.symbols))];
    },
    async publish(message) {
      const payloads = relayPayloads(message);
      if (payloads.length === 0) return;
      // One round trip; notifications from one statement arrive in order.
      await coordination.pool.query("select pg_notify($1, p) from unnest($2::text[]) as p", [
        STREAM_QUOTES_CHANNEL,
        payloads,
      ]);
    },
    listen(onMessage) {
      return database.listen(STREAM_QUOTES_CHANNEL, (payload) => {
        const message = parseMessage(payload);
        if (message && message.from !== replica) onMessage(message);
      });
    },
    async close() {
      const c = client;
      if (!c) return;
      try {
        for (const market of held)
          await c.query("select pg_advisory_unlock(hashtextextended($1, 0))", [lockName(market)]);
        drop(false);
      } catch {
        drop(true);
      }
    },
  };
}
