// The live spike feed: a bounded, newest-first, de-duplicated list of alerts, and its filters.
// Pure functions (a reducer and a predicate), so ordering, limits and filtering are unit-tested.

import type { AlertPublic } from "../api/contract";
import { isPriceBand } from "../lib/priceBand";

export const FEED_LIMIT = 5000;

export interface FeedState {
  /** Newest first (by ts_ms, then id). */
  alerts: AlertPublic[];
  ids: ReadonlySet<number>;
  /** Alerts of the feed the server has as unread (`seen` false): the counter in the tab title and the menu. */
  unseen: number;
  /** Every alert up to this id is read on the server (a "read all" this tab sent), including stream frames of
   * older alerts that arrive after it. */
  readUpTo: number;
}

export const emptyFeed: FeedState = { alerts: [], ids: new Set(), unseen: 0, readUpTo: 0 };

export type FeedAction =
  | { type: "received"; alerts: AlertPublic[] }
  /** The server marked these read (`POST /alerts/read-all?up_to_id=`, `POST /alerts/{id}/read`). */
  | { type: "seen"; upToId?: number; ids?: readonly number[] }
  /** `GET /alerts?unread=true` answered: alerts with ids in [fromId, toId] are read unless listed in `unread`
   * (another tab or device may have read them). */
  | { type: "synced"; unread: readonly number[]; fromId: number; toId: number }
  | { type: "clear" };

function newerFirst(a: AlertPublic, b: AlertPublic): number {
  return b.ts_ms - a.ts_ms || b.id - a.id;
}

/** Whether the user has seen the alert (the server's `seen`; frames without it count as unseen). */
export function isSeen(alert: AlertPublic): boolean {
  return alert.seen === true;
}

function countUnseen(alerts: readonly AlertPublic[]): number {
  let n = 0;
  for (const a of alerts) if (a.seen !== true) n++;
  return n;
}

/** The alerts with `seen` set as `seenOf` says; the same array when nothing changes (rows keep their objects). */
function withSeen(alerts: AlertPublic[], seenOf: (a: AlertPublic) => boolean | undefined): AlertPublic[] {
  let out: AlertPublic[] | null = null;
  for (let i = 0; i < alerts.length; i++) {
    const a = alerts[i]!;
    const seen = seenOf(a);
    if (seen === undefined || seen === isSeen(a)) continue;
    out ??= alerts.slice();
    out[i] = { ...a, seen };
  }
  return out ?? alerts;
}

export function feedReducer(state: FeedState, action: FeedAction, limit = FEED_LIMIT): FeedState {
  switch (action.type) {
    case "clear":
      return emptyFeed;
    case "seen": {
      const upTo = Math.max(state.readUpTo, action.upToId ?? 0);
      const ids = new Set(action.ids ?? []);
      const alerts = withSeen(state.alerts, (a) => (a.id <= upTo || ids.has(a.id) ? true : undefined));
      if (alerts === state.alerts && upTo === state.readUpTo) return state;
      return { ...state, alerts, unseen: countUnseen(alerts), readUpTo: upTo };
    }
    case "synced": {
      const unread = new Set(action.unread);
      const alerts = withSeen(state.alerts, (a) => {
        if (a.id < action.fromId || a.id > action.toId) return undefined;
        return !unread.has(a.id) || a.id <= state.readUpTo;
      });
      return alerts === state.alerts ? state : { ...state, alerts, unseen: countUnseen(alerts) };
    }
    case "received": {
      const fresh = action.alerts.filter((a) => !state.ids.has(a.id));
      if (fresh.length === 0) return state;
      // de-duplicate within the batch too; a frame of an alert a "read all" already covered is seen
      const batch = new Map<number, AlertPublic>();
      for (const a of fresh) batch.set(a.id, a.id <= state.readUpTo && !isSeen(a) ? { ...a, seen: true } : a);
      const incoming = [...batch.values()].sort(newerFirst);
      let alerts: AlertPublic[];
      const newest = state.alerts[0];
      if (!newest || newerFirst(incoming[incoming.length - 1]!, newest) < 0) {
        alerts = incoming.concat(state.alerts); // the common case: all newer than what we have
      } else {
        alerts = state.alerts.concat(incoming).sort(newerFirst);
      }
      let unseen = state.unseen + countUnseen(incoming);
      if (alerts.length > limit) {
        unseen -= countUnseen(alerts.slice(limit));
        alerts = alerts.slice(0, limit);
      }
      const ids = new Set(alerts.map((a) => a.id));
      return { alerts, ids, unseen, readUpTo: state.readUpTo };
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
  // the size filters are the spike's: a price-band alert's delta_pct is only the distance past its edge
  // and it has no volume, so it passes them (the user asked for that price, whatever the move)
  const spike = !isPriceBand(alert);
  if (spike && f.minDeltaPct !== null && Math.abs(alert.delta_pct) < f.minDeltaPct) return false;
  if (spike && f.minVolumeUsd !== null && Number(alert.volume_usd) < f.minVolumeUsd) return false;
  if (f.symbol) {
    const q = f.symbol.trim().toUpperCase();
    if (q && !alert.symbol.toUpperCase().includes(q) && !alert.base.toUpperCase().includes(q)) return false;
  }
  return true;
}

/** Whether any filter is set (the feed then shows only part of the alerts). */
export function filtersActive(f: FeedFilters): boolean {
  return f.exchanges.length > 0 || f.markets.length > 0 || f.direction !== "any" || f.minDeltaPct !== null || f.minVolumeUsd !== null || f.symbol.trim() !== "";
}

export function filterAlerts(alerts: AlertPublic[], f: FeedFilters): AlertPublic[] {
  return filtersActive(f) ? alerts.filter((a) => matchesFilters(a, f)) : alerts;
}

/**
 * What the Live page marks seen while the user looks at it (shown and focused). The whole feed at
 * its top without filters: everything up to the newest alert, like opening an inbox. Otherwise
 * (filtered, or scrolled down to older alerts): only the unread rows on screen, so alerts the
 * filters hide or that arrived above the visible part stay unread.
 */
export function seenOnScreen(
  feed: FeedState,
  shown: readonly AlertPublic[],
  filtered: boolean,
  atTop: boolean,
  range: { startIndex: number; endIndex: number } | null,
): { upToId: number } | { ids: number[] } | null {
  if (feed.unseen === 0) return null;
  if (!filtered && atTop) {
    const newest = lastAlertId(feed);
    return newest !== null && newest > feed.readUpTo ? { upToId: newest } : null;
  }
  if (!range) return null;
  const ids = shown
    .slice(range.startIndex, range.endIndex + 1)
    .filter((a) => !isSeen(a))
    .map((a) => a.id);
  return ids.length ? { ids } : null;
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
