// Turning API candles into lightweight-charts series, and the spike marker. Pure, unit-tested.

import type { AlertPublic, CandlePublic } from "../api/contract";

export interface Bar {
  time: number; // seconds since epoch (UTCTimestamp)
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface VolumeBar {
  time: number;
  value: number;
  color: string;
}

export const UP_COLOR = "#1fc77e";
export const DOWN_COLOR = "#f0475c";

/** Sorted by time, one bar per second (a later duplicate replaces an earlier one), bad rows dropped. */
export function toBars(candles: CandlePublic[]): Bar[] {
  const byTime = new Map<number, Bar>();
  for (const c of candles) {
    const bar = {
      time: Math.floor(Number(c.t) / 1000),
      open: Number(c.o),
      high: Number(c.h),
      low: Number(c.l),
      close: Number(c.c),
    };
    if (![bar.time, bar.open, bar.high, bar.low, bar.close].every(Number.isFinite)) continue;
    byTime.set(bar.time, bar);
  }
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

export function toVolume(candles: CandlePublic[]): VolumeBar[] {
  const byTime = new Map<number, VolumeBar>();
  for (const c of candles) {
    const time = Math.floor(Number(c.t) / 1000);
    const value = Number(c.v ?? 0);
    if (!Number.isFinite(time) || !Number.isFinite(value)) continue;
    byTime.set(time, { time, value, color: Number(c.c) >= Number(c.o) ? UP_COLOR + "66" : DOWN_COLOR + "66" });
  }
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

export interface SpikeMarker {
  time: number;
  position: "aboveBar" | "belowBar";
  shape: "arrowDown" | "arrowUp";
  color: string;
  text: string;
}

/**
 * The marker of the spike: on the last candle of the alert's window, above the bar pointing down
 * for an up move (the wick is on top), below pointing up for a down move. Snapped to the nearest
 * bar that exists so it is always drawn.
 */
export function spikeMarker(alert: Pick<AlertPublic, "ts_ms" | "direction" | "delta_pct">, bars: Bar[], text: string, maxGapS = Infinity): SpikeMarker | null {
  if (bars.length === 0) return null;
  const target = Math.floor(alert.ts_ms / 1000);
  let best = bars[0]!.time;
  for (const b of bars) if (Math.abs(b.time - target) < Math.abs(best - target)) best = b.time;
  if (Math.abs(best - target) > maxGapS) return null; // live candles that begin after the spike
  const up = alert.direction === "up";
  return { time: best, position: up ? "aboveBar" : "belowBar", shape: up ? "arrowDown" : "arrowUp", color: up ? UP_COLOR : DOWN_COLOR, text };
}

/** Simple moving average of `period` points (null until enough points). */
export function movingAverage(values: number[], period: number): (number | null)[] {
  const out: (number | null)[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= period) sum -= values[i - period]!;
    out.push(i >= period - 1 ? sum / period : null);
  }
  return out;
}

/** Bars merged into `seconds`-long buckets (1-minute history shown as 5m / 1h …). */
export function aggregateBars(bars: Bar[], seconds: number): Bar[] {
  const out: Bar[] = [];
  for (const b of bars) {
    const time = b.time - (b.time % seconds);
    const last = out[out.length - 1];
    if (last && last.time === time) {
      last.high = Math.max(last.high, b.high);
      last.low = Math.min(last.low, b.low);
      last.close = b.close;
    } else {
      out.push({ ...b, time });
    }
  }
  return out;
}

/** Live candles kept by a chart: the newest `keep` (a later copy of a second replaces it). */
export function appendCandle(prev: CandlePublic[], candle: CandlePublic, keep = 3600): CandlePublic[] {
  const last = prev[prev.length - 1];
  const next = last && last.t === candle.t ? prev.slice(0, -1).concat(candle) : prev.concat(candle);
  return next.length > keep ? next.slice(next.length - Math.floor(keep / 2)) : next;
}

/**
 * What an alert's chart shows: its stored candles when the server has them; otherwise (an alert
 * seconds old: the history is written once a minute) the live 1-second candles of its symbol.
 */
export function alertChartSource(stored: CandlePublic[] | undefined, live: CandlePublic[]): { mode: "stored" | "live" | "waiting"; candles: CandlePublic[] } {
  if (stored && stored.length > 0) return { mode: "stored", candles: stored };
  if (live.length > 0) return { mode: "live", candles: live };
  return { mode: "waiting", candles: [] };
}

// --- live 1-second candles on a 1-minute chart -----------------------------------------------

export const MINUTE_MS = 60_000;

/** Start of the minute holding `tMs` (UTC-aligned, as the stored 1-minute history). */
export function minuteOf(tMs: number): number {
  return tMs - (((tMs % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
}

function num(v: number | string | undefined): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/**
 * 1-second candles (oldest first, one per second) merged into 1-minute candles: the open of the
 * first second, the extremes, the close of the last second and the summed volume.
 */
export function aggregateMinutes(seconds: readonly CandlePublic[]): CandlePublic[] {
  const out: { t: number; o: number; h: number; l: number; c: number; v: number }[] = [];
  for (const s of seconds) {
    const t = minuteOf(Number(s.t));
    const [o, h, l, c] = [Number(s.o), Number(s.h), Number(s.l), Number(s.c)];
    if (![t, o, h, l, c].every(Number.isFinite)) continue;
    const last = out[out.length - 1];
    if (last && last.t === t) {
      last.h = Math.max(last.h, h);
      last.l = Math.min(last.l, l);
      last.c = c;
      last.v += num(s.v);
    } else {
      out.push({ t, o, h, l, c, v: num(s.v) });
    }
  }
  return out;
}

/**
 * The live candles of a 1-minute chart: the minutes already over, and the 1-second candles of the
 * newest two minutes (a late copy of a second of the previous minute still counts; older ones are
 * dropped). The newest minute changes with each second, as the exchange's own chart.
 */
export interface LiveMinutes {
  closed: CandlePublic[];
  seconds: CandlePublic[];
}

export const noLiveMinutes: LiveMinutes = { closed: [], seconds: [] };

/** `state` with one more live 1-second candle (a later copy of a second replaces it); at most `keep` closed minutes. */
export function foldSecond(state: LiveMinutes, candle: CandlePublic, keep = 1440): LiveMinutes {
  const t = Number(candle.t);
  if (!Number.isFinite(t)) return state;
  const secs = state.seconds;
  const newest = secs.length > 0 ? minuteOf(Number(secs[secs.length - 1]!.t)) : null;
  if (newest !== null && minuteOf(t) < newest - MINUTE_MS) return state; // its minute is closed
  let seconds: CandlePublic[];
  const last = secs[secs.length - 1];
  if (!last || Number(last.t) < t) seconds = secs.concat(candle);
  else if (Number(last.t) === t) seconds = secs.slice(0, -1).concat(candle);
  else {
    // out of order (rare): into its place
    const rest = secs.filter((s) => Number(s.t) !== t);
    const at = rest.findIndex((s) => Number(s.t) > t);
    seconds = at < 0 ? rest.concat(candle) : [...rest.slice(0, at), candle, ...rest.slice(at)];
  }
  // minutes before the previous one are over: kept as minute candles
  const open = Math.max(newest ?? minuteOf(t), minuteOf(t)) - MINUTE_MS;
  const over = seconds.findIndex((s) => minuteOf(Number(s.t)) >= open);
  if (over === 0) return { closed: state.closed, seconds };
  const done = over < 0 ? seconds : seconds.slice(0, over);
  let closed = state.closed.concat(aggregateMinutes(done));
  if (closed.length > keep) closed = closed.slice(closed.length - keep);
  return { closed, seconds: over < 0 ? [] : seconds.slice(over) };
}

/** The live minute candles of `state`, oldest first (the newest one still forming). */
export function liveMinuteCandles(state: LiveMinutes): CandlePublic[] {
  return state.closed.concat(aggregateMinutes(state.seconds));
}

/**
 * The stored 1-minute history continued by the live minutes: a minute the history has is taken from
 * it (it stores closed minutes, whole), the live ones after it. Oldest first; never mixes candle sizes.
 */
export function withLiveMinutes(history: readonly CandlePublic[], live: readonly CandlePublic[]): CandlePublic[] {
  const stored = new Set(history.map((c) => Number(c.t)));
  const out = history.concat(live.filter((c) => !stored.has(Number(c.t))));
  return out.sort((a, b) => Number(a.t) - Number(b.t));
}

/** What the live chart of a symbol keeps: the raw seconds (shown when there is no minute history) and their minutes. */
export interface LiveSymbolCandles {
  seconds: CandlePublic[];
  minutes: LiveMinutes;
}

export const noLiveSymbolCandles: LiveSymbolCandles = { seconds: [], minutes: noLiveMinutes };

export function foldLiveSymbol(state: LiveSymbolCandles, candle: CandlePublic): LiveSymbolCandles {
  return { seconds: appendCandle(state.seconds, candle), minutes: foldSecond(state.minutes, candle) };
}
