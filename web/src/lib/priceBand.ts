// Price-band alerts (`kind` above_max / below_min): a price that left the band of one of the
// user's price alerts. Their `delta_pct` is only the distance past the edge and `rule` names the
// edge (`max 110000`), so they are shown by the edge they crossed, never as a spike. Pure.

import type { AlertPublic } from "../api/contract";
import { formatPrice } from "./format";

export type PriceBandKind = "above_max" | "below_min";

/** The band edge an alert crossed, or null for a spike (frames without `kind` are spikes). */
export function priceBandKind(alert: Pick<AlertPublic, "kind">): PriceBandKind | null {
  return alert.kind === "above_max" || alert.kind === "below_min" ? alert.kind : null;
}

export function isPriceBand(alert: Pick<AlertPublic, "kind">): boolean {
  return priceBandKind(alert) !== null;
}

/** The crossed edge from the rule (`max 110000` → `110,000` in `locale`); the rule as is when it has no number. */
export function bandEdge(rule: string, locale: string): string {
  const edge = rule.trim().split(/\s+/).slice(1).join(" ");
  if (edge === "") return rule.trim();
  return Number.isFinite(Number(edge)) ? formatPrice(edge, locale) : edge;
}

/** The locale key of the "above your max {edge}" text (the Telegram message's wording). */
export function bandCrossedKey(kind: PriceBandKind): "alert.band.aboveMax" | "alert.band.belowMin" {
  return kind === "above_max" ? "alert.band.aboveMax" : "alert.band.belowMin";
}

/** The locale key of the short "above" / "below" of the feed's Δ column. */
export function bandShortKey(kind: PriceBandKind): "alert.band.above" | "alert.band.below" {
  return kind === "above_max" ? "alert.band.above" : "alert.band.below";
}

export const BAND_ICON = "🔔";
