import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import type { QuoteHub, StreamEvent, StreamSubscriber, StreamSymbol } from "./hub.ts";
import { parseStreamMessage, StreamSession } from "./session.ts";

/** A hub that records subscriptions and answers a snapshot of every status and held quote, as QuoteHub does. */
function fakeHub() {
  const log: string[] = [];
  const live = new Map<StreamSubscriber, StreamSymbol[]>();
  const hub: Pick<QuoteHub, "subscribe"> = {
    subscribe(symbols, subscriber) {
      const id = log.filter((l) => l.startsWith("+")).length;
      log.push(`+${id}:${symbols.map((s) => s.key).join(",")}`);
      live.set(subscriber, [...symbols]);
      const snapshot: StreamEvent[] = [
        ...[...new Set(symbols.map((s) => s.market))].map(
          (market): StreamEvent => ({ id: "s", event: "status", data: { market, state: "open", next_open: null } }),
        ),
        ...symbols.map(
          (s): StreamEvent => ({
            id: "q",
            event: "quote",
            data: {
              symbol: s.key,
              market: s.market,
              name: null,
              price: 1,
              change: null,
              pct_change: null,
              open: null,
              high: null,
              low: null,
              prev_close: null,
              volume: null,
              amount: null,
              time: null,
            },
          }),
        ),
      ];
      return {
        snapshot,
        unsubscribe: () => {
          log.push(`-${id}`);
          live.delete(subscriber);
        },
      };
    },
  };
  return { hub, log, live };
}

const exchanges = ["binance"] as const;
const symbols = (...list: string[]) =>
  parseStreamMessage(JSON.stringify({ op: "subscribe", symbols: list }), exchanges).symbols;
const brief = (events: StreamEvent[]) =>
  events.map((e) => (e.event === "status" ? `status:${e.data.market}` : `${e.event}:${e.data.symbol}`));

describe("StreamSession", () => {
  it("sends only what is new to the connection, and joins the new set before leaving the old", () => {
    const { hub, log, live } = fakeHub();
    const received: StreamEvent[] = [];
    let ended = 0;
    const session = new StreamSession(hub, { deliver: (e) => received.push(e), end: () => ended++ });
    expect(log).toEqual(["+0:"]);
    expect(brief(session.subscribe(symbols("600519")))).toEqual(["status:CN", "quote:600519"]);
    expect(brief(session.subscribe(symbols("600519", "000001", "00700")))).toEqual([
      "status:HK",
      "quote:000001",
      "quote:00700",
    ]);
    expect(session.subscribe(symbols("000001"))).toEqual([]);
    session.unsubscribe(symbols("600519", "300750"));
    expect(session.symbols).toEqual(["000001", "00700"]);
    // each change subscribes the whole new set, then ends the previous subscription
    expect(log).toEqual(["+0:", "+1:600519", "-0", "+2:600519,000001,00700", "-1", "+3:000001,00700", "-2"]);
    // events and the hub's end reach the subscriber through the live subscription
    const [current] = [...live.keys()];
    current!.end?.();
    expect(ended).toBe(1);
    session.close();
    session.close();
    expect(log.at(-1)).toBe("-3");
    expect(live.size).toBe(0);
  });

  it("holds at most 200 symbols, leaving the set as it was when refused", () => {
    const { hub } = fakeHub();
    const session = new StreamSession(hub, { deliver: () => {} });
    const many = Array.from({ length: 199 }, (_, i) => String(600000 + i));
    session.subscribe(symbols(...many));
    expect(() => session.subscribe(symbols("000001", "000002"))).toThrow(/would hold 201 symbols, at most 200/);
    expect(session.symbols).toHaveLength(199);
    expect(brief(session.subscribe(symbols("binance:BTC/USDT")))).toEqual(["status:CRYPTO", "quote:binance:BTC/USDT"]);
  });
});

describe("parseStreamMessage", () => {
  it("takes subscribe and unsubscribe with a list of symbols; refuses anything else with the reason", () => {
    expect(parseStreamMessage('{"op":"unsubscribe","symbols":["sh600519","binance:btc-usdt"]}', exchanges)).toEqual({
      op: "unsubscribe",
      symbols: [
        expect.objectContaining({ key: "600519", market: "CN" }),
        expect.objectContaining({ key: "binance:BTC/USDT", market: "CRYPTO" }),
      ],
    });
    const refusals: Array<[string, string, RegExp]> = [
      ["{", "VALIDATION_ERROR", /not JSON/],
      ["[]", "VALIDATION_ERROR", /JSON object/],
      ['{"op":"list","symbols":[]}', "VALIDATION_ERROR", /Unknown op "list"/],
      ['{"op":"subscribe"}', "VALIDATION_ERROR", /array of strings/],
      ['{"op":"subscribe","symbols":[600519]}', "VALIDATION_ERROR", /array of strings/],
      ['{"op":"subscribe","symbols":[]}', "VALIDATION_ERROR", /empty/],
      ['{"op":"subscribe","symbols":["60O519"]}', "INVALID_SYMBOL", /60O519/],
      ['{"op":"subscribe","symbols":["kraken:BTC-USD"]}', "INVALID_SYMBOL", /kraken/],
    ];
    for (const [text, code, message] of refusals) {
      const error = (() => {
        try {
          parseStreamMessage(text, exchanges);
        } catch (e) {
          return e;
        }
      })();
      expect(error, text).toBeInstanceOf(InputError);
      expect((error as InputError).code, text).toBe(code);
      expect((error as InputError).message, text).toMatch(message);
    }
  });
});
