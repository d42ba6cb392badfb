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
