import { describe, expect, it } from "vitest";
import { makeAlert } from "../test/alerts";
import { defaultFilters, emptyFeed, feedReducer, isSeen, type FeedState, filterAlerts, filtersFromQuery, filtersToQuery, lastAlertId, matchesFilters } from "./feed";

describe("feedReducer", () => {
  it("keeps newest first and counts what the server has as unread", () => {
    const a = makeAlert({ id: 1, ts_ms: 1000, seen: true });
    const b = makeAlert({ id: 2, ts_ms: 2000, seen: false });
    let s = feedReducer(emptyFeed, { type: "received", alerts: [a] });
    expect(s.unseen).toBe(0);
    s = feedReducer(s, { type: "received", alerts: [b, makeAlert({ id: 3, ts_ms: 3000 })] }); // a frame without `seen` is unread
    expect(s.alerts.map((x) => x.id)).toEqual([3, 2, 1]);
    expect(s.unseen).toBe(2);
  });
  it("drops duplicates (stream and REST gap-fill overlap)", () => {
    const a = makeAlert({ id: 10 });
    let s = feedReducer(emptyFeed, { type: "received", alerts: [a, a] });
    const same = feedReducer(s, { type: "received", alerts: [a] });
    expect(same).toBe(s);
    expect(s.alerts).toHaveLength(1);
    s = feedReducer(s, { type: "received", alerts: [a, makeAlert({ id: 11, ts_ms: a.ts_ms + 1 })] });
    expect(s.alerts.map((x) => x.id)).toEqual([11, 10]);
  });
  it("merges older history below newer alerts", () => {
    let s = feedReducer(emptyFeed, { type: "received", alerts: [makeAlert({ id: 5, ts_ms: 5000 })] });
    s = feedReducer(s, { type: "received", alerts: [makeAlert({ id: 3, ts_ms: 3000 }), makeAlert({ id: 7, ts_ms: 7000 })] });
    expect(s.alerts.map((x) => x.id)).toEqual([7, 5, 3]);
    expect(lastAlertId(s)).toBe(7);
  });
  it("orders alerts of the same second by id", () => {
    const s = feedReducer(emptyFeed, { type: "received", alerts: [makeAlert({ id: 1, ts_ms: 1 }), makeAlert({ id: 2, ts_ms: 1 })] });
    expect(s.alerts.map((x) => x.id)).toEqual([2, 1]);
  });
  it("is bounded, dropping the oldest", () => {
    const many = Array.from({ length: 30 }, (_, i) => makeAlert({ id: 100 + i, ts_ms: i }));
    const s = feedReducer(emptyFeed, { type: "received", alerts: many }, 10);
    expect(s.alerts).toHaveLength(10);
    expect(s.alerts[9]!.id).toBe(120);
    expect(s.ids.has(100)).toBe(false);
  });
  it("takes 1,000 alerts one by one quickly", () => {
    let s = emptyFeed;
    const started = performance.now();
    for (let i = 0; i < 1000; i++) s = feedReducer(s, { type: "received", alerts: [makeAlert({ id: 10_000 + i, ts_ms: i })] });
    expect(s.alerts).toHaveLength(1000);
    expect(performance.now() - started).toBeLessThan(2000);
  });
  it("does not count alerts the limit dropped", () => {
    let s = feedReducer(emptyFeed, { type: "received", alerts: [makeAlert({ id: 1, ts_ms: 1, seen: false }), makeAlert({ id: 2, ts_ms: 2, seen: true })] }, 2);
    s = feedReducer(s, { type: "received", alerts: [makeAlert({ id: 3, ts_ms: 3, seen: true })] }, 2);
    expect(s.alerts.map((x) => x.id)).toEqual([3, 2]);
    expect(s.unseen).toBe(0);
  });
  it("clears", () => {
    const s = feedReducer(emptyFeed, { type: "received", alerts: [makeAlert()] });
    expect(feedReducer(s, { type: "clear" })).toBe(emptyFeed);
    expect(lastAlertId(emptyFeed)).toBeNull();
  });
});

describe("seen state", () => {
  const unread = (...ids: number[]) => ids.map((id) => makeAlert({ id, ts_ms: id * 1000, seen: false }));
  const seenIds = (s: FeedState) => s.alerts.filter(isSeen).map((a) => a.id);

  it("a read-all marks everything up to its id and leaves newer alerts unread", () => {
    let s = feedReducer(emptyFeed, { type: "received", alerts: unread(1, 2, 3, 4) });
    expect(s.unseen).toBe(4);
    s = feedReducer(s, { type: "seen", upToId: 3 });
    expect(seenIds(s)).toEqual([3, 2, 1]);
    expect(s.unseen).toBe(1);
    expect(s.readUpTo).toBe(3);
  });
  it("a late stream frame of an alert the read-all covered arrives seen", () => {
    let s = feedReducer(emptyFeed, { type: "received", alerts: unread(5) });
    s = feedReducer(s, { type: "seen", upToId: 5 });
    s = feedReducer(s, { type: "received", alerts: unread(4, 6) });
    expect(seenIds(s)).toEqual([5, 4]);
    expect(s.unseen).toBe(1);
  });
  it("marks single alerts and keeps untouched rows as the same objects", () => {
    let s = feedReducer(emptyFeed, { type: "received", alerts: unread(1, 2, 3) });
    const before = s.alerts;
    s = feedReducer(s, { type: "seen", ids: [2] });
    expect(seenIds(s)).toEqual([2]);
    expect(s.unseen).toBe(2);
    expect(s.alerts[0]).toBe(before[0]);
    expect(s.alerts[1]).not.toBe(before[1]);
    expect(feedReducer(s, { type: "seen", ids: [2] })).toBe(s);
  });
  it("takes what another tab read from the server's unread list, within the range it covered", () => {
    let s = feedReducer(emptyFeed, { type: "received", alerts: unread(1, 2, 3, 4, 5) });
    // the answer listed 4 and 5 as unread and went back to id 2 (truncated): 2 and 3 were read elsewhere, 1 is unknown
    s = feedReducer(s, { type: "synced", unread: [4, 5], fromId: 2, toId: 5 });
    expect(seenIds(s)).toEqual([3, 2]);
    expect(s.unseen).toBe(3);
    // nothing listed as unread any more: all read
    s = feedReducer(s, { type: "synced", unread: [], fromId: 0, toId: 5 });
    expect(s.unseen).toBe(0);
  });
});

describe("filters", () => {
  const alerts = [
    makeAlert({ id: 1, exchange: "binance", market: "spot", direction: "up", delta_pct: 2, volume_usd: "1000", symbol: "PEPEUSDT", base: "PEPE" }),
    makeAlert({ id: 2, exchange: "okx", market: "futures", direction: "down", delta_pct: 5, volume_usd: "90000", symbol: "BTC-USDT-SWAP", base: "BTC" }),
    makeAlert({ id: 3, exchange: "bybit", market: "futures", direction: "up", delta_pct: 8, volume_usd: 250000, symbol: "SOLUSDT", base: "SOL" }),
  ];
  const ids = (f: Partial<typeof defaultFilters>) => filterAlerts(alerts, { ...defaultFilters, ...f }).map((a) => a.id);

  it("returns the same array when no filter is set", () => {
    expect(filterAlerts(alerts, defaultFilters)).toBe(alerts);
  });
  it("filters by exchange, market and direction", () => {
    expect(ids({ exchanges: ["okx", "bybit"] })).toEqual([2, 3]);
    expect(ids({ markets: ["spot"] })).toEqual([1]);
    expect(ids({ direction: "down" })).toEqual([2]);
  });
  it("filters by minimum delta and volume (decimal text or number)", () => {
    expect(ids({ minDeltaPct: 5 })).toEqual([2, 3]);
    expect(ids({ minVolumeUsd: 100000 })).toEqual([3]);
  });
  it("applies the Δ and volume filters to spikes only: price-band alerts pass them", () => {
    // a band crossing: delta_pct is only the distance past the edge, no volume
    const above = makeAlert({ id: 4, kind: "above_max", direction: "up", delta_pct: 0.04, wick_pct: 0, volume_usd: null, price: "65026", rule: "max 65000" });
    const below = makeAlert({ id: 5, kind: "below_min", direction: "down", delta_pct: 0.01, wick_pct: 0, volume_usd: null, price: "2999.7", rule: "min 3000", exchange: "okx" });
    const tinySpike = makeAlert({ id: 6, kind: "spike", delta_pct: 0.04, volume_usd: null });
    const all = [...alerts, above, below, tinySpike];
    const pick = (f: Partial<typeof defaultFilters>) => filterAlerts(all, { ...defaultFilters, ...f }).map((a) => a.id);
    expect(pick({ minDeltaPct: 5 })).toEqual([2, 3, 4, 5]);
    expect(pick({ minVolumeUsd: 100000 })).toEqual([3, 4, 5]);
    expect(pick({ minDeltaPct: 1, minVolumeUsd: 1 })).toEqual([1, 2, 3, 4, 5]);
    // the other filters still apply to them
    expect(pick({ minDeltaPct: 5, direction: "down" })).toEqual([2, 5]);
    expect(pick({ minDeltaPct: 5, exchanges: ["okx"] })).toEqual([2, 5]);
    expect(pick({ minDeltaPct: 5, symbol: "eth" })).toEqual([]);
  });
  it("finds symbols by part of the symbol or the coin, any case", () => {
    expect(ids({ symbol: "pepe" })).toEqual([1]);
    expect(ids({ symbol: " btc " })).toEqual([2]);
  });
  it("combines filters with AND", () => {
    expect(matchesFilters(alerts[2]!, { ...defaultFilters, exchanges: ["bybit"], direction: "down" })).toBe(false);
  });
  it("round-trips through the URL query", () => {
    const f = { exchanges: ["binance", "okx"], markets: ["futures"], direction: "down" as const, minDeltaPct: 3, minVolumeUsd: 50000, symbol: "PEPE" };
    const q = filtersToQuery(f);
    expect(q.toString()).toBe("ex=binance%2Cokx&mkt=futures&dir=down&d=3&v=50000&q=PEPE");
    expect(filtersFromQuery(q)).toEqual(f);
    expect(filtersToQuery(defaultFilters).toString()).toBe("");
  });
  it("ignores junk in the URL", () => {
    expect(filtersFromQuery(new URLSearchParams("dir=sideways&d=-1&v=abc"))).toEqual(defaultFilters);
  });
});
