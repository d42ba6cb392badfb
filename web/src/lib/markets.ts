import type { MarketStatus } from "../api/contract";
import detection from "../api/detection.json";

export const FEEDS: { exchange: string; market: string }[] = detection.exchanges.flatMap((exchange) =>
  detection.markets.map((market) => ({ exchange, market })),
);

/** Replace the row of the same exchange × market (or add it), keeping the venues' order. */
export function mergeStatus(rows: MarketStatus[], update: MarketStatus): MarketStatus[] {
  const key = (r: { exchange: string; market: string }) => `${r.exchange}_${r.market}`;
  const next = rows.filter((r) => key(r) !== key(update)).concat(update);
  const order = new Map(FEEDS.map((f, i) => [key(f), i]));
  return next.sort((a, b) => (order.get(key(a)) ?? 99) - (order.get(key(b)) ?? 99) || key(a).localeCompare(key(b)));
}

export type Health = "active" | "degraded" | "down" | "unknown";

/** The feed's state as the collector reports it (market/connectors/status.py: up, degraded,
 * down; "active" is the word for up). */
export function health(status: string | undefined): Health {
  if (status === "up" || status === "active") return "active";
  return status === "degraded" || status === "down" ? status : "unknown";
}
