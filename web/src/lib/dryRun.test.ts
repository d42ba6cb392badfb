import { expect, it } from "vitest";
import { marketsByCount, rulesBelowFloor } from "./dryRun";
import { defaultSettings, newOverride, newStrategy, type SettingsDoc } from "./settingsDoc";

function doc(patch: Partial<SettingsDoc>): SettingsDoc {
  return { ...defaultSettings(), ...patch };
}

it("names the enabled rules that ask for less than the replayed history keeps", () => {
  const base = defaultSettings();
  const group = { ...base.thresholds![0]!, name: null, exchange: "binance" as const, market: "futures" as const, quote: "*", min_delta_pct: 0.5 };
  const muted = { ...group, exchange: "okx" as const, enabled: false };
  const named = { ...group, exchange: "bybit" as const, name: "fast", min_delta_pct: 3 };
  const strategy = { ...newStrategy([], "Scalp"), use_global_thresholds: false, conditions: [{ type: "delta" as const, min_pct: 0.2, max_pct: null }] };
  const global = { ...newStrategy([], "Global"), conditions: [] };
  const d = doc({ thresholds: [group, muted, named], overrides: [{ ...newOverride("ETH"), min_delta_pct: 0.9 }], strategies: [strategy, global] });
  expect(rulesBelowFloor(d, 1)).toEqual(["binance·futures·*", "ETH", "Scalp"]);
  expect(rulesBelowFloor(d, 0.1)).toEqual([]);
  expect(rulesBelowFloor(d, 0)).toEqual([]);
});

it("a stand-alone strategy without a minimum delta is below any floor", () => {
  const s = { ...newStrategy([], "Any"), use_global_thresholds: false, conditions: [{ type: "direction" as const, direction: "up" as const }] };
  expect(rulesBelowFloor(doc({ thresholds: [], strategies: [s] }), 0.5)).toEqual(["Any"]);
});

it("orders markets by alerts and drops the empty ones", () => {
  const by = [
    { exchange: "okx", market: "spot", alerts: 2 },
    { exchange: "binance", market: "futures", alerts: 9 },
    { exchange: "bybit", market: "spot", alerts: 0 },
    { exchange: "binance", market: "spot", alerts: 2 },
  ];
  expect(marketsByCount({ by_market: by }).map((m) => `${m.exchange}_${m.market}`)).toEqual(["binance_futures", "binance_spot", "okx_spot"]);
});
