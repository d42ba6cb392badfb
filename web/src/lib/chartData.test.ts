import { describe, expect, it } from "vitest";
import type { CandlePublic } from "../api/contract";
import { makeAlert } from "../test/alerts";
import { aggregateBars, alertChartSource, appendCandle, movingAverage, spikeMarker, toBars, toVolume } from "./chartData";

describe("toBars", () => {
  it("converts ms to seconds, sorts, de-duplicates and drops bad rows", () => {
    const bars = toBars([
      { t: 3000, o: "3", h: "4", l: "2", c: "3.5" },
      { t: 1000, o: 1, h: 2, l: 0.5, c: 1.5 },
      { t: 3000, o: "3", h: "5", l: "2", c: "4" },
      { t: 2000, o: "x", h: 1, l: 1, c: 1 },
    ]);
    expect(bars).toEqual([
      { time: 1, open: 1, high: 2, low: 0.5, close: 1.5 },
      { time: 3, open: 3, high: 5, low: 2, close: 4 },
    ]);
  });
  it("colours volume by candle direction", () => {
    const v = toVolume([{ t: 1000, o: 1, h: 1, l: 1, c: 2, v: "10" }, { t: 2000, o: 2, h: 2, l: 1, c: 1 }]);
    expect(v.map((x) => [x.time, x.value])).toEqual([[1, 10], [2, 0]]);
    expect(v[0]!.color).not.toBe(v[1]!.color);
  });
});

describe("spikeMarker", () => {
  const bars = [10, 11, 12, 14].map((time) => ({ time, open: 1, high: 1, low: 1, close: 1 }));
  it("marks the spike's candle above for up moves", () => {
    expect(spikeMarker(makeAlert({ ts_ms: 11_400, direction: "up" }), bars, "+3%")).toMatchObject({ time: 11, position: "aboveBar", shape: "arrowDown", text: "+3%" });
  });
  it("marks below for down moves and snaps to the nearest bar", () => {
    expect(spikeMarker(makeAlert({ ts_ms: 16_000, direction: "down" }), bars, "")).toMatchObject({ time: 14, position: "belowBar", shape: "arrowUp" });
  });
  it("has nothing to mark without bars", () => {
    expect(spikeMarker(makeAlert(), [], "")).toBeNull();
  });
});

it("computes a simple moving average", () => {
  expect(movingAverage([1, 2, 3, 4, 5], 3)).toEqual([null, null, 2, 3, 4]);
  expect(movingAverage([], 3)).toEqual([]);
});

it("merges bars into longer ones", () => {
  const bars = [0, 60, 120, 300, 360].map((time, i) => ({ time, open: i + 1, high: i + 5, low: i, close: i + 2 }));
  expect(aggregateBars(bars, 300)).toEqual([
    { time: 0, open: 1, high: 7, low: 0, close: 4 },
    { time: 300, open: 4, high: 9, low: 3, close: 6 },
  ]);
  expect(aggregateBars([], 60)).toEqual([]);
});

describe("live candles of brand-new alerts", () => {
  const c = (t: number, close = 1) => ({ t, o: 1, h: 2, l: 0.5, c: close });
  it("keeps the newest candles, a second's update replacing it", () => {
    let list: CandlePublic[] = [c(1000), c(2000)];
    list = appendCandle(list, c(2000, 5));
    expect(list.map((x) => [x.t, x.c])).toEqual([[1000, 1], [2000, 5]]);
    list = appendCandle(list, c(3000), 3);
    expect(list.map((x) => x.t)).toEqual([1000, 2000, 3000]);
    expect(appendCandle(list, c(4000), 3).map((x) => x.t)).toEqual([4000]);
  });
  it("shows stored candles when there are any, else the live ones", () => {
    expect(alertChartSource([c(1000)], [c(5000)])).toEqual({ mode: "stored", candles: [c(1000)] });
    expect(alertChartSource([], [c(5000)])).toEqual({ mode: "live", candles: [c(5000)] });
    expect(alertChartSource(undefined, [])).toEqual({ mode: "waiting", candles: [] });
  });
  it("marks the spike only on a candle near it", () => {
    const bars = toBars([c(60_000), c(61_000)]);
    const alert = { ts_ms: 10_000, direction: "up" as const, delta_pct: 3 };
    expect(spikeMarker(alert, bars, "+3%", 5)).toBeNull();
    expect(spikeMarker({ ...alert, ts_ms: 58_000 }, bars, "+3%", 5)?.time).toBe(60);
  });
});
