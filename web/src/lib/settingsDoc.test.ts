import { describe, expect, it } from "vitest";
import { defaultSettings, errorsByPath, isDirty, newCondition, newStrategy, newThresholdGroup, normalizeSymbolRef, parseSymbolList, stableStringify, CONDITION_TYPES } from "./settingsDoc";

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
