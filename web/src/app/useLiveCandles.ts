import { useEffect, useState } from "react";
import type { CandlePublic } from "../api/contract";
import { appendCandle, foldLiveSymbol, noLiveSymbolCandles, type LiveSymbolCandles } from "../lib/chartData";
import { stream } from "./live";

const NONE: CandlePublic[] = [];

/**
 * The stream's `candles:<feed>:<SYMBOL>` topic folded into a state from the moment of subscribing
 * (`enabled` false: `initial`, and no subscription). `fold` and `initial` must be stable.
 */
function useCandleTopic<S>(feed: string, symbol: string, enabled: boolean, initial: S, fold: (state: S, candle: CandlePublic) => S): S {
  const [state, setState] = useState<S>(initial);
  useEffect(() => {
    setState(initial);
    if (!enabled || !feed || !symbol) return;
    return stream.subscribe(`candles:${feed}:${symbol}`, (m) => {
      const c = m.data as CandlePublic | undefined;
      if (c && typeof c.t === "number") setState((prev) => fold(prev, c));
    });
  }, [feed, symbol, enabled, initial, fold]);
  return state;
}

/** The live 1-second candles of one symbol (the newest hour at most). */
export function useLiveCandles(feed: string, symbol: string, enabled = true): CandlePublic[] {
  return useCandleTopic(feed, symbol, enabled, NONE, appendCandle);
}

/** The live candles of one symbol both as 1-second candles and folded into 1-minute candles (for a chart on the 1-minute history). */
export function useLiveSymbolCandles(feed: string, symbol: string, enabled = true): LiveSymbolCandles {
  return useCandleTopic(feed, symbol, enabled, noLiveSymbolCandles, foldLiveSymbol);
}
