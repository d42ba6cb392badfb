import { describe, expect, it } from "vitest";
import type { CandlePublic } from "../api/contract";
import { makeAlert } from "../test/alerts";
import { aggregateBars, aggregateMinutes, alertChartSource, appendCandle, foldSecond, liveMinuteCandles, minuteOf, movingAverage, noLiveMinutes, spikeMarker, toBars, toVolume, withLiveMinutes, type LiveMinutes } from "./chartData";

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

describe("live 1-second candles on the 1-minute chart", () => {
  const M = 1_768_480_020_000; // a minute's start
  const sec = (t: number, o: number, h: number, l: number, c: number, v = 1): CandlePublic => ({ t, o, h, l, c, v });
  const fold = (candles: CandlePublic[], state: LiveMinutes = noLiveMinutes, keep?: number) => candles.reduce((s, c) => foldSecond(s, c, keep), state);

  it("finds the minute of a time", () => {
    expect(minuteOf(M)).toBe(M);
    expect(minuteOf(M + 59_999)).toBe(M);
    expect(minuteOf(M + 60_000)).toBe(M + 60_000);
  });
  it("merges seconds into minutes: first open, extremes, last close, summed volume", () => {
    expect(aggregateMinutes([sec(M, 10, 11, 9, 10.5, 2), sec(M + 1000, 10.5, 13, 10, 12, 3), sec(M + 59_000, 12, 12, 8, 9, 1), sec(M + 60_000, 9, 9.5, 8.5, 9.2, 4)])).toEqual([
      { t: M, o: 10, h: 13, l: 8, c: 9, v: 6 },
      { t: M + 60_000, o: 9, h: 9.5, l: 8.5, c: 9.2, v: 4 },
    ]);
    expect(aggregateMinutes([{ t: M, o: "1.5", h: "2", l: "1", c: "1.75" }])).toEqual([{ t: M, o: 1.5, h: 2, l: 1, c: 1.75, v: 0 }]);
  });
  it("forms the newest minute second by second and starts a new one at each minute boundary", () => {
    let s = fold([sec(M + 5000, 10, 11, 9, 10), sec(M + 6000, 10, 12, 10, 11.5)]);
    expect(liveMinuteCandles(s)).toEqual([{ t: M, o: 10, h: 12, l: 9, c: 11.5, v: 2 }]);
    // a later copy of a second replaces it (volume counted once)
    s = foldSecond(s, sec(M + 6000, 10, 12.5, 10, 12, 3));
    expect(liveMinuteCandles(s)).toEqual([{ t: M, o: 10, h: 12.5, l: 9, c: 12, v: 4 }]);
    s = fold([sec(M + 60_000, 12, 12, 11, 11)], s);
    expect(liveMinuteCandles(s).map((c) => [c.t, c.o, c.c])).toEqual([[M, 10, 12], [M + 60_000, 12, 11]]);
    // a late second of the previous minute still counts
    s = foldSecond(s, sec(M + 59_000, 12, 14, 12, 12.5));
    expect(liveMinuteCandles(s)[0]).toEqual({ t: M, o: 10, h: 14, l: 9, c: 12.5, v: 5 });
    // two minutes on, the first is over: kept as a minute candle, its seconds no longer held
    s = fold([sec(M + 120_000, 11, 11, 10, 10)], s);
    expect(s.closed).toEqual([{ t: M, o: 10, h: 14, l: 9, c: 12.5, v: 5 }]);
    expect(s.seconds.map((c) => c.t)).toEqual([M + 60_000, M + 120_000]);
    expect(foldSecond(s, sec(M + 30_000, 1, 99, 1, 1))).toBe(s); // too late for a closed minute
    expect(liveMinuteCandles(s).map((c) => c.t)).toEqual([M, M + 60_000, M + 120_000]);
  });
  it("keeps a bounded number of closed minutes", () => {
    const s = fold(Array.from({ length: 10 }, (_, i) => sec(M + i * 60_000, 1, 1, 1, 1)), noLiveMinutes, 3);
    expect(liveMinuteCandles(s).map((c) => (c.t - M) / 60_000)).toEqual([5, 6, 7, 8, 9]); // 3 closed, 2 still open
  });
  it("continues the 1-minute history with the live minutes, never with seconds", () => {
    const history = [0, 1, 2].map((i) => ({ t: M + i * 60_000, o: "1", h: "2", l: "1", c: "2", v: "5" }));
    const live = liveMinuteCandles(fold([sec(M + 180_000, 2, 3, 2, 3), sec(M + 181_000, 3, 4, 1, 3.5), sec(M + 240_000, 3.5, 3.5, 3, 3)]));
    const all = withLiveMinutes(history, live);
    expect(all.map((c) => (c.t - M) / 60_000)).toEqual([0, 1, 2, 3, 4]);
    expect(all[3]).toEqual({ t: M + 180_000, o: 2, h: 4, l: 1, c: 3.5, v: 2 });
    // a minute the history has is its own (whole) candle
    expect(withLiveMinutes(history, [{ t: M + 120_000, o: 9, h: 9, l: 9, c: 9, v: 1 }])).toEqual(history);
    expect(toBars(all).every((b) => b.time % 60 === 0)).toBe(true);
  });
});
