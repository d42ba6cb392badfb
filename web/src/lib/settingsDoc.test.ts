import { describe, expect, it } from "vitest";
import { defaultSettings, errorsByPath, isDirty, newCondition, newOverride, newStrategy, newThresholdGroup, normalizeSymbolRef, parseSymbolList, stableStringify, unshownErrors, CONDITION_TYPES } from "./settingsDoc";

describe("symbol references (schemas.normalize_symbol_ref)", () => {
  it("normalises coins and full symbols", () => {
    expect(normalizeSymbolRef(" btc ")).toBe("BTC");
    expect(normalizeSymbolRef("ethusdt@BINANCE_futures")).toBe("ETHUSDT@binance_futures");
    expect(normalizeSymbolRef("@107@hyperliquid_spot")).toBe("@107@hyperliquid_spot");
  });
  it("refuses what the server refuses", () => {
    expect(normalizeSymbolRef("")).toBeNull();
    expect(normalizeSymbolRef("two words")).toBeNull();
    expect(normalizeSymbolRef("ETHUSDT@kraken_spot")).toBeNull();
    expect(normalizeSymbolRef("@binance_spot")).toBeNull();
    expect(normalizeSymbolRef("@107")).toBeNull();
    expect(normalizeSymbolRef("a@b@binance_spot")).toBeNull();
    expect(normalizeSymbolRef("x".repeat(65))).toBeNull();
  });
  it("parses free-text lists", () => {
    expect(parseSymbolList("luna, pepe\nLUNA; ustcusdt@binance_spot  bad@where")).toEqual({ refs: ["LUNA", "PEPE", "USTCUSDT@binance_spot"], invalid: ["bad@where"] });
  });
});

describe("document editing", () => {
  it("starts from the server's default document", () => {
    const d = defaultSettings();
    expect(d.schema_version).toBe(1);
    expect(d.thresholds?.[0]).toMatchObject({ exchange: "*", market: "*", quote: "*" });
    expect(defaultSettings()).not.toBe(defaultSettings());
  });
  it("adds groups that never duplicate an existing one", () => {
    const groups = [newThresholdGroup([])];
    groups.push(newThresholdGroup(groups));
    groups.push(newThresholdGroup(groups));
    const keys = groups.map((g) => `${g.exchange}/${g.market}/${g.quote}`);
    expect(new Set(keys).size).toBe(3);
    expect(keys[0]).toBe("*/*/*");
  });
  it("names new strategies uniquely", () => {
    const a = newStrategy([], "Strategy");
    const b = newStrategy([a], "Strategy");
    expect([a.name, b.name]).toEqual(["Strategy", "Strategy 2"]);
  });
  it("builds a valid default for every condition type", () => {
    for (const type of CONDITION_TYPES) expect(newCondition(type).type).toBe(type);
  });
  it("detects changes regardless of key order", () => {
    expect(stableStringify({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(isDirty({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(isDirty({ a: 1 }, { a: 2 })).toBe(true);
    expect(isDirty({ a: 1, u: undefined }, { a: 1 })).toBe(false);
  });
  it("maps 422 details to document paths", () => {
    expect(errorsByPath([{ field: "body.document.thresholds.1.min_delta_pct", reason: "too small" }, { field: "body.timezone", reason: "unknown" }, null])).toEqual({
      "thresholds.1.min_delta_pct": "too small",
      timezone: "unknown",
    });
    expect(errorsByPath("nope")).toEqual({});
  });
});

describe("refused saves", () => {
  it("keeps every reason of one path", () => {
    expect(errorsByPath([{ field: "body", reason: "a" }, { field: "body", reason: "b" }, { field: "body", reason: "b" }])).toEqual({ body: "a; b" });
  });
  it("finds the reasons no field shows: the whole document, parts without a place, rows that are gone", () => {
    const doc = { ...defaultSettings(), overrides: [newOverride("BTC")], strategies: [newStrategy([], "S")] };
    const errors = errorsByPath([
      { field: "body", reason: "Value error, these settings make up to 60,000 rules" },
      { field: "body.timezone", reason: "unknown time zone" },
      { field: "body.thresholds.0.quote", reason: "bad quote" },
      { field: "body.overrides.0.min_delta_pct", reason: "too small" },
      { field: "body.overrides", reason: "overrides[1] duplicates overrides[0] (BTC)" },
      { field: "body.thresholds.5.quote", reason: "no such row" },
      { field: "body.strategies.0", reason: "the strategy" },
      { field: "body.strategies.0.conditions.0.direction", reason: "bad direction" },
      { field: "body.strategies.0.window_s", reason: "window" },
      { field: "body.switches.binance", reason: "switch" },
    ]);
    expect(unshownErrors(errors, doc)).toEqual([
      "Value error, these settings make up to 60,000 rules",
      "overrides[1] duplicates overrides[0] (BTC)",
      "no such row",
      "window",
      "switch",
    ]);
    expect(unshownErrors({ timezone: "unknown" }, doc)).toEqual([]);
  });
});
