// Builders for tests (never imported by the app).
import type { AlertPublic } from "../api/contract";

let next = 1;

export function makeAlert(patch: Partial<AlertPublic> = {}): AlertPublic {
  const id = patch.id ?? next++;
  return {
    id,
    exchange: "binance",
    market: "futures",
    symbol: "BTCUSDT",
    base: "BTC",
    quote: "USDT",
    ts_ms: 1_768_480_000_000 + id * 1000,
    window_s: 1,
    direction: "up",
    delta_pct: 3.5,
    wick_pct: 20,
    volume_usd: "50000",
    price: "64000.5",
    rule: "group */*/*",
    strategy: null,
    series_count: 1,
    folded_count: 0,
    ...patch,
  };
}
