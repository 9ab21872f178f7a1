"use client";

import { useEffect, useReducer } from "react";
import { storedApiKey } from "./api-key.ts";
import {
  applyStreamMessage,
  INITIAL_LIVE_STATE,
  type LiveMode,
  LiveQuoteStream,
  type LiveState,
  type SseMessage,
} from "./live-quotes.ts";

type Action = { type: "reset" } | { type: "message"; message: SseMessage } | { type: "mode"; mode: LiveMode };

function reducer(state: LiveState, action: Action): LiveState {
  if (action.type === "reset") return INITIAL_LIVE_STATE;
  if (action.type === "message") return applyStreamMessage(state, action.message);
  return state.mode === action.mode ? state : { ...state, mode: action.mode };
}

/**
 * Live quotes and market states of `symbols` (as the API accepts them; empty: none) from the API's
 * stream through the `/qdb` proxy, with the tab's API key when one is saved. `mode` says whether the
 * stream delivers (`streaming`), is being (re)established (`connecting`), or failed so that the caller
 * should poll (`polling`; the stream is tried again later and takes over when it answers).
 */
export function useLiveQuotes(symbols: readonly string[]): LiveState {
  const [state, dispatch] = useReducer(reducer, INITIAL_LIVE_STATE);
  const list = symbols.join(",");
  useEffect(() => {
    dispatch({ type: "reset" });
    if (list === "") return;
    const stream = new LiveQuoteStream({
      url: `${location.origin}/qdb/api/v1/stream/quotes?${new URLSearchParams({ symbols: list })}`,
      headers: (): Record<string, string> => {
        const key = storedApiKey();
        return key ? { authorization: `Bearer ${key}` } : {};
      },
      onMessage: (message) => dispatch({ type: "message", message }),
      onMode: (mode) => dispatch({ type: "mode", mode }),
    });
    stream.start();
    return () => stream.stop();
  }, [list]);
  return state;
}
