// The settings dry run ("what would these settings have sent me?"): pure helpers, unit-tested.

import type { DryRunResult } from "../api/contract";
import type { SettingsDoc } from "./settingsDoc";

/**
 * The enabled rules of `doc` that ask for smaller moves than `floorPct`, the smallest spike the
 * replayed history keeps: the dry run cannot show what they would have added. Labels as the
 * settings page shows them (group name or exchange·market·quote, the override's symbol, the
 * strategy's name).
 */
export function rulesBelowFloor(doc: SettingsDoc, floorPct: number): string[] {
  if (!(floorPct > 0)) return [];
  const out: string[] = [];
  for (const g of doc.thresholds ?? []) {
    if (g.enabled !== false && g.min_delta_pct < floorPct) out.push(g.name || `${g.exchange}·${g.market}·${g.quote}`);
  }
  for (const o of doc.overrides ?? []) {
    if (o.enabled !== false && o.min_delta_pct < floorPct) out.push(o.symbol);
  }
  for (const s of doc.strategies ?? []) {
    if (s.enabled === false || s.use_global_thresholds) continue; // the groups above decide
    const delta = (s.conditions ?? []).find((c) => c.type === "delta");
    const min = delta && delta.type === "delta" ? delta.min_pct : null;
    if (min === null || min < floorPct) out.push(s.name);
  }
  return out;
}

/** Markets by how many alerts they would have sent, most first; empty markets left out. */
export function marketsByCount(result: Pick<DryRunResult, "by_market">): DryRunResult["by_market"] {
  return result.by_market.filter((m) => m.alerts > 0).sort((a, b) => b.alerts - a.alerts || `${a.exchange}_${a.market}`.localeCompare(`${b.exchange}_${b.market}`));
}
