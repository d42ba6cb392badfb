// Editing the user settings document (detection/schemas.py UserSettings) in the browser.

import type { components } from "../api/settings-schema";
import detection from "../api/detection.json";

type S = components["schemas"];
export type SettingsDoc = S["UserSettings"];
export type ThresholdGroup = S["ThresholdGroup"];
export type SymbolOverride = S["SymbolOverride"];
export type Strategy = S["Strategy"];
export type Condition = NonNullable<Strategy["conditions"]>[number];
export type ConditionType = Condition["type"];
export type ChannelKind = "telegram" | "email" | "webhook" | "browser";

export const EXCHANGE_MARKETS: string[] = detection.exchanges.flatMap((e) => detection.markets.map((m) => `${e}_${m}`));
export const CHANNEL_KINDS: ChannelKind[] = ["browser", "telegram", "email", "webhook"];
export const CONDITION_TYPES: ConditionType[] = ["delta", "volume", "wick", "direction", "symbols", "markets", "series"];

/** The document a new user starts with (detection.schemas.default_settings). */
export function defaultSettings(): SettingsDoc {
  return structuredClone(detection.default_settings) as SettingsDoc;
}

/** Key-order-independent comparison, for the unsaved-changes guard. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export function isDirty(a: unknown, b: unknown): boolean {
  return stableStringify(a) !== stableStringify(b);
}

/**
 * A coin (`btc` → `BTC`) or full symbol (`ethusdt@binance_futures` → `ETHUSDT@binance_futures`),
 * as the server normalises it; null when the server would refuse it.
 */
export function normalizeSymbolRef(value: string): string | null {
  const text = value.trim();
  if (!text || text.length > 64 || /\s/.test(text)) return null;
  const at = text.lastIndexOf("@");
  if (at > 0) {
    // a Hyperliquid spot index name keeps its own "@": @107@hyperliquid_spot
    const where = text.slice(at + 1).toLowerCase();
    const symbol = text.slice(0, at);
    if (!EXCHANGE_MARKETS.includes(where) || symbol.lastIndexOf("@") > 0) return null;
    return `${symbol.toUpperCase()}@${where}`;
  }
  if (at === 0) return null;
  return text.toUpperCase();
}

/** A free-text list (commas, spaces, new lines) → normalised unique refs and the rejected words. */
export function parseSymbolList(text: string): { refs: string[]; invalid: string[] } {
  const refs: string[] = [];
  const invalid: string[] = [];
  for (const word of text.split(/[\s,;]+/)) {
    if (!word) continue;
    const ref = normalizeSymbolRef(word);
    if (ref === null) invalid.push(word);
    else if (!refs.includes(ref)) refs.push(ref);
  }
  return { refs, invalid };
}

export function newThresholdGroup(existing: ThresholdGroup[]): ThresholdGroup {
  // the first free exchange × market × quote, so a new row never duplicates another
  const taken = new Set(existing.map((g) => `${g.exchange}/${g.market}/${g.quote}`));
  for (const exchange of ["*", ...detection.exchanges] as ThresholdGroup["exchange"][]) {
    for (const market of ["*", ...detection.markets] as ThresholdGroup["market"][]) {
      if (!taken.has(`${exchange}/${market}/*`)) {
        return { name: null, exchange, market, quote: "*", min_delta_pct: 3, min_volume_usd: 20000, min_wick_pct: 0, window_s: 5, chart: true, enabled: true };
      }
    }
  }
  return { name: null, exchange: "*", market: "*", quote: "USDT", min_delta_pct: 3, min_volume_usd: 20000, min_wick_pct: 0, window_s: 5, chart: true, enabled: true };
}

export function newOverride(symbol: string): SymbolOverride {
  return { symbol, min_delta_pct: 3, min_volume_usd: 0, min_wick_pct: 0, window_s: 1, chart: true, enabled: true };
}

export function newStrategy(existing: Strategy[], baseName: string): Strategy {
  let name = baseName;
  for (let i = 2; existing.some((s) => s.name === name); i++) name = `${baseName} ${i}`;
  return {
    name,
    enabled: true,
    use_global_thresholds: true,
    window_s: 1,
    conditions: [{ type: "direction", direction: "down" }],
    template: null,
    destinations: ["browser"],
    cooldown_s: null,
    chart: true,
  };
}

export function newCondition(type: ConditionType): Condition {
  switch (type) {
    case "delta":
      return { type, min_pct: 3, max_pct: null };
    case "volume":
      return { type, min_usd: 50000 };
    case "wick":
      return { type, min_pct: 30 };
    case "direction":
      return { type, direction: "up" };
    case "symbols":
      return { type, symbols: ["BTC"] };
    case "markets":
      return { type, markets: ["binance_futures"] };
    case "series":
      return { type, count: 3, within_s: 3600 };
  }
}

/**
 * Server validation errors (`{"field": "body.document.thresholds.1.min_delta_pct", "reason"}`)
 * keyed by document path (`thresholds.1.min_delta_pct`).
 */
export function errorsByPath(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(details)) return out;
  for (const d of details as { field?: unknown; reason?: unknown }[]) {
    if (!d || typeof d.field !== "string") continue;
    const path = d.field.replace(/^body\./, "").replace(/^(document|settings)\./, "");
    const reason = String(d.reason ?? "");
    const known = out[path];
    out[path] = known === undefined ? reason : known.split("; ").includes(reason) ? known : `${known}; ${reason}`;
  }
  return out;
}

/** The first index of `path` below `prefix` (`thresholds.3.quote` → 3), or null. */
function indexUnder(path: string, prefix: string): { index: number; rest: string } | null {
  const m = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)(?:\\.(.*))?$`).exec(path);
  return m ? { index: Number(m[1]), rest: m[2] ?? "" } : null;
}

/**
 * Whether the settings editor shows the error of `path` next to what it is about. This mirrors
 * the sections (General, Thresholds, Lists, Strategies, the template editor): keep them in step.
 */
export function isErrorShown(path: string, doc: SettingsDoc): boolean {
  if (["cooldown_s", "timezone", "message_template", "blacklist", "whitelist", "thresholds", "strategies"].includes(path)) return true;
  const group = indexUnder(path, "thresholds");
  if (group) return group.index < (doc.thresholds ?? []).length; // the row is marked
  const override = indexUnder(path, "overrides");
  if (override) return override.index < (doc.overrides ?? []).length;
  const strategy = indexUnder(path, "strategies");
  if (strategy) {
    const s = (doc.strategies ?? [])[strategy.index];
    if (!s) return false;
    if (["", "name", "conditions"].includes(strategy.rest)) return true;
    if (strategy.rest === "template") return s.template !== null;
    const condition = indexUnder(strategy.rest, "conditions");
    return condition !== null && condition.index < (s.conditions ?? []).length;
  }
  return false;
}

/**
 * The reasons of a refused save that no field shows: those about the whole document (`body`,
 * e.g. too many rules, a strategy named like a threshold rule) or about a part without its own
 * place in the editor. The save bar shows them.
 */
export function unshownErrors(errors: Record<string, string>, doc: SettingsDoc): string[] {
  return Object.entries(errors)
    .filter(([path]) => !isErrorShown(path, doc))
    .map(([, reason]) => reason)
    .filter((reason, i, all) => reason && all.indexOf(reason) === i);
}
