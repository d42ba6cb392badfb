import { useEffect, useState } from "react";
import type { CandlePublic } from "../api/contract";
import { appendCandle } from "../lib/chartData";
import { stream } from "./live";

/**
 * The live 1-second candles of one symbol from the stream's `candles:<feed>:<SYMBOL>` topic,
 * from the moment of subscribing (`enabled` false: none, and no subscription).
 */
export function useLiveCandles(feed: string, symbol: string, enabled = true): CandlePublic[] {
  const [live, setLive] = useState<CandlePublic[]>([]);
  useEffect(() => {
    setLive([]);
    if (!enabled || !feed || !symbol) return;
    return stream.subscribe(`candles:${feed}:${symbol}`, (m) => {
      const c = m.data as CandlePublic | undefined;
      if (c && typeof c.t === "number") setLive((prev) => appendCandle(prev, c));
    });
  }, [feed, symbol, enabled]);
  return live;
}
