import { describe, expect, it } from "vitest";
import type { MarketStatus } from "../api/contract";
import { FEEDS, health, mergeStatus } from "./markets";

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
