// The live spike feed: a bounded, newest-first, de-duplicated list of alerts, and its filters.
// Pure functions (a reducer and a predicate), so ordering, limits and filtering are unit-tested.

import type { AlertPublic } from "../api/contract";

export const FEED_LIMIT = 5000;

export interface FeedState {
  /** Newest first (by ts_ms, then id). */
  alerts: AlertPublic[];
  ids: ReadonlySet<number>;
  /** Alerts that arrived while the user was not looking (cleared by "mark seen"). */
  unseen: number;
}

export const emptyFeed: FeedState = { alerts: [], ids: new Set(), unseen: 0 };

export type FeedAction =
  | { type: "received"; alerts: AlertPublic[]; live: boolean }
  | { type: "seen" }
  | { type: "clear" };

function newerFirst(a: AlertPublic, b: AlertPublic): number {
  return b.ts_ms - a.ts_ms || b.id - a.id;
}

export function feedReducer(state: FeedState, action: FeedAction, limit = FEED_LIMIT): FeedState {
  switch (action.type) {
    case "clear":
      return emptyFeed;
    case "seen":
      return state.unseen === 0 ? state : { ...state, unseen: 0 };
    case "received": {
      const fresh = action.alerts.filter((a) => !state.ids.has(a.id));
      if (fresh.length === 0) return state;
      // de-duplicate within the batch too
      const batch = new Map<number, AlertPublic>();
      for (const a of fresh) batch.set(a.id, a);
      const incoming = [...batch.values()].sort(newerFirst);
      let alerts: AlertPublic[];
      const newest = state.alerts[0];
      if (!newest || newerFirst(incoming[incoming.length - 1]!, newest) < 0) {
        alerts = incoming.concat(state.alerts); // the common case: all newer than what we have
      } else {
        alerts = state.alerts.concat(incoming).sort(newerFirst);
      }
      if (alerts.length > limit) alerts = alerts.slice(0, limit);
      const ids = new Set(alerts.map((a) => a.id));
      return { alerts, ids, unseen: state.unseen + (action.live ? incoming.length : 0) };
    }
  }
}

/** The highest id held: where the REST gap-fill after a reconnect starts. */
export function lastAlertId(state: FeedState): number | null {
  let max: number | null = null;
  for (const a of state.alerts) if (max === null || a.id > max) max = a.id;
  return max;
}

export interface FeedFilters {
  exchanges: string[]; // empty = all
  markets: string[]; // empty = all
  direction: "any" | "up" | "down";
  minDeltaPct: number | null;
  minVolumeUsd: number | null;
  symbol: string; // substring, case-insensitive
}

export const defaultFilters: FeedFilters = {
  exchanges: [],
  markets: [],
  direction: "any",
  minDeltaPct: null,
  minVolumeUsd: null,
  symbol: "",
};

export function matchesFilters(alert: AlertPublic, f: FeedFilters): boolean {
  if (f.exchanges.length > 0 && !f.exchanges.includes(alert.exchange)) return false;
  if (f.markets.length > 0 && !f.markets.includes(alert.market)) return false;
  if (f.direction !== "any" && alert.direction !== f.direction) return false;
  if (f.minDeltaPct !== null && Math.abs(alert.delta_pct) < f.minDeltaPct) return false;
  if (f.minVolumeUsd !== null && Number(alert.volume_usd) < f.minVolumeUsd) return false;
  if (f.symbol) {
    const q = f.symbol.trim().toUpperCase();
    if (q && !alert.symbol.toUpperCase().includes(q) && !alert.base.toUpperCase().includes(q)) return false;
  }
  return true;
}

export function filterAlerts(alerts: AlertPublic[], f: FeedFilters): AlertPublic[] {
  const active =
    f.exchanges.length > 0 || f.markets.length > 0 || f.direction !== "any" || f.minDeltaPct !== null || f.minVolumeUsd !== null || f.symbol.trim() !== "";
  return active ? alerts.filter((a) => matchesFilters(a, f)) : alerts;
}

/** Filters ⇄ URL query (`?ex=binance,okx&mkt=futures&dir=down&d=3&v=50000&q=PEPE`), so a view can be bookmarked. */
export function filtersToQuery(f: FeedFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.exchanges.length) p.set("ex", f.exchanges.join(","));
  if (f.markets.length) p.set("mkt", f.markets.join(","));
  if (f.direction !== "any") p.set("dir", f.direction);
  if (f.minDeltaPct !== null) p.set("d", String(f.minDeltaPct));
  if (f.minVolumeUsd !== null) p.set("v", String(f.minVolumeUsd));
  if (f.symbol.trim()) p.set("q", f.symbol.trim());
  return p;
}

function num(value: string | null): number | null {
  if (value === null || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export function filtersFromQuery(p: URLSearchParams): FeedFilters {
  const list = (key: string) => (p.get(key) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const dir = p.get("dir");
  return {
    exchanges: list("ex"),
    markets: list("mkt"),
    direction: dir === "up" || dir === "down" ? dir : "any",
    minDeltaPct: num(p.get("d")),
    minVolumeUsd: num(p.get("v")),
    symbol: p.get("q") ?? "",
  };
}
