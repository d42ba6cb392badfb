import type { MarketStatus, SymbolPublic } from "../api/contract";
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

type SymbolRef = Pick<SymbolPublic, "exchange" | "market" | "symbol">;

/**
 * The symbol search's answer: the server's matches (symbols with stored history), then symbols
 * of the live feed that match too but are not stored yet (the history is written once a minute,
 * so a brand-new market or a fresh demo has none) — each exchange × market × symbol once.
 */
export function searchResults(query: string, server: SymbolRef[], feed: (SymbolRef & { base?: string })[], limit = 20): SymbolRef[] {
  const wanted = query.trim().toUpperCase();
  const key = (s: SymbolRef) => `${s.exchange}_${s.market}:${s.symbol}`;
  const seen = new Set<string>();
  const out: SymbolRef[] = [];
  const add = (s: SymbolRef) => {
    if (out.length >= limit || seen.has(key(s))) return;
    seen.add(key(s));
    out.push({ exchange: s.exchange, market: s.market, symbol: s.symbol });
  };
  server.forEach(add);
  if (wanted) for (const a of feed) if (a.symbol.toUpperCase().includes(wanted) || (a.base ?? "").toUpperCase().startsWith(wanted)) add(a);
  return out;
}
