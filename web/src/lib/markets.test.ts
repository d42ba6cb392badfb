import { describe, expect, it } from "vitest";
import type { MarketStatus } from "../api/contract";
import { FEEDS, health, mergeStatus, searchResults } from "./markets";

const row = (exchange: string, market: string, status = "active"): MarketStatus => ({
  exchange, market, status, reason: null, connections_up: 1, connections_total: 1, symbols: 10, reconnects: 0,
  trades_per_s: 1, candles_per_s: 1, lag_p50_ms: 10, lag_p99_ms: 50, last_trade_ms: 1000, gaps: 0, malformed_frames: 0, updated_at: "2026-01-01T00:00:00Z",
});

describe("markets", () => {
  it("lists twelve feeds", () => {
    expect(FEEDS).toHaveLength(12);
  });
  it("replaces a row in place and keeps the venue order", () => {
    let rows = [row("okx", "spot"), row("binance", "futures")];
    rows = mergeStatus(rows, row("binance", "spot"));
    rows = mergeStatus(rows, row("okx", "spot", "down"));
    expect(rows.map((r) => `${r.exchange}_${r.market}:${r.status}`)).toEqual(["binance_spot:active", "binance_futures:active", "okx_spot:down"]);
  });
  it("maps unknown states", () => {
    expect(health("up")).toBe("active");
    expect(health("degraded")).toBe("degraded");
    expect(health("weird")).toBe("unknown");
    expect(health(undefined)).toBe("unknown");
  });
});

describe("searchResults", () => {
  const s = (exchange: string, market: string, symbol: string, base?: string) => ({ exchange, market, symbol, base });
  it("lists the stored symbols first, then matching symbols of the live feed, each once", () => {
    const server = [s("binance", "futures", "SOLUSDT")];
    const feed = [s("binance", "futures", "SOLUSDT", "SOL"), s("okx", "spot", "SOL-USDT", "SOL"), s("okx", "spot", "SOL-USDT", "SOL"), s("bybit", "spot", "BTCUSDT", "BTC")];
    expect(searchResults(" sol ", server, feed).map((x) => `${x.exchange}_${x.market}:${x.symbol}`)).toEqual(["binance_futures:SOLUSDT", "okx_spot:SOL-USDT"]);
    expect(searchResults("sol", [], feed, 1)).toHaveLength(1);
    expect(searchResults("", server, feed)).toEqual([{ exchange: "binance", market: "futures", symbol: "SOLUSDT" }]);
  });
});
