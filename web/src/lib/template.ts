// Message templates in the browser: the same rules as detection/messages.py (Python str.format
// fields, only known placeholders, `{{`/`}}` for literal braces) so the editor can flag mistakes
// while typing and preview the message exactly as Telegram will get it.

import detection from "../api/detection.json";
import type { AlertPublic } from "../api/contract";
import { EXCHANGE_NAMES, EXCHANGE_SHORT } from "./format";

export const PLACEHOLDERS: readonly string[] = detection.placeholders;
export const DEFAULT_TEMPLATE: string = detection.default_template;

export type TemplatePart = { text: string } | { field: string };
export type TemplateProblem =
  | { kind: "malformed"; at: number }
  | { kind: "unknown"; name: string }
  | { kind: "spec"; name: string };

/** Split a template into literal text and fields; throws a TemplateProblem when malformed. */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = "";
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch === "{") {
      if (template[i + 1] === "{") {
        text += "{";
        i++;
        continue;
      }
      const end = template.indexOf("}", i + 1);
      const inner = end < 0 ? "" : template.slice(i + 1, end);
      if (end < 0 || inner.includes("{")) throw { kind: "malformed", at: i } satisfies TemplateProblem;
      if (text) parts.push({ text });
      text = "";
      parts.push({ field: inner });
      i = end;
    } else if (ch === "}") {
      if (template[i + 1] === "}") {
        text += "}";
        i++;
        continue;
      }
      throw { kind: "malformed", at: i } satisfies TemplateProblem;
    } else {
      text += ch;
    }
  }
  if (text) parts.push({ text });
  return parts;
}

/** The first problem of a template, or null when the server will accept it. */
export function templateProblem(template: string): TemplateProblem | null {
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(template);
  } catch (problem) {
    return problem as TemplateProblem;
  }
  for (const p of parts) {
    if (!("field" in p)) continue;
    const name = p.field.split(/[:!]/)[0]!;
    if (!PLACEHOLDERS.includes(name)) return { kind: "unknown", name: p.field };
    if (p.field !== name) return { kind: "spec", name };
  }
  return null;
}

function clock(tsMs: number, timeZone: string): { local: string; iso: string } {
  const d = new Date(tsMs);
  let local: string;
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" })
        .formatToParts(d)
        .map((p) => [p.type, p.value]),
    );
    local = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
  } catch {
    local = d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }
  return { local, iso: d.toISOString().slice(0, 19) + "Z" };
}

function volume(usd: number): string {
  for (const [limit, suffix] of [
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "K"],
  ] as const) {
    if (usd >= limit) return `$${(usd / limit).toFixed(2)}${suffix}`;
  }
  return `$${usd.toFixed(0)}`;
}

/** The values of every placeholder for an alert (mirrors messages.render). */
export function placeholderValues(a: AlertPublic, timeZone = "UTC"): Record<string, string> {
  const { local, iso } = clock(a.ts_ms, timeZone);
  const futures = a.market === "futures";
  return {
    delta_formatted: `${a.direction === "up" ? "+" : "-"}${a.delta_pct.toFixed(2)}%`,
    direction: a.direction,
    exchange_market: `${EXCHANGE_NAMES[a.exchange] ?? a.exchange} ${a.market.charAt(0).toUpperCase()}${a.market.slice(1)}`,
    exchange_market_short: `${EXCHANGE_SHORT[a.exchange] ?? a.exchange}-${futures ? "F" : "S"}`,
    symbol: a.symbol,
    volume_formatted: volume(Number(a.volume_usd)),
    wick_formatted: `${a.wick_pct.toFixed(1)}%`,
    time: local,
    timestamp: iso,
    price: String(Number(a.price)),
    strategy: a.strategy ?? "",
    series_count: String(a.series_count),
    folded_count: String(a.folded_count),
    link: chartLink(a.exchange, a.market, a.symbol, a.base, a.quote),
  };
}

/** The pair's page on its exchange (mirrors messages.chart_link). */
export function chartLink(exchange: string, market: string, symbol: string, base: string, quote: string): string {
  const futures = market === "futures";
  switch (exchange) {
    case "binance":
      return futures ? `https://www.binance.com/en/futures/${symbol}` : `https://www.binance.com/en/trade/${base}_${quote}?type=spot`;
    case "bybit":
      return `https://www.bybit.com/trade/${futures ? "usdt" : "spot"}/${futures ? symbol : `${base}/${quote}`}`;
    case "okx":
      return `https://www.okx.com/${futures ? "trade-swap" : "trade-spot"}/${symbol.toLowerCase()}`;
    case "bitget":
      return `https://www.bitget.com/${futures ? "futures/usdt" : "spot"}/${base}${quote}`;
    case "gate":
      return `https://www.gate.io/${futures ? "futures/USDT" : "trade"}/${base}_${quote}`;
    case "hyperliquid":
      return `https://app.hyperliquid.xyz/trade/${base}`;
    default:
      return "";
  }
}

/** Render for the preview; a broken template renders up to the problem. */
export function renderTemplate(template: string, alert: AlertPublic, timeZone = "UTC"): string {
  const values = placeholderValues(alert, timeZone);
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(template);
  } catch {
    return template;
  }
  return parts.map((p) => ("text" in p ? p.text : (values[p.field] ?? `{${p.field}}`))).join("");
}

/** The example alert the preview renders (it illustrates the format; it is not market data). */
export const PREVIEW_ALERT: AlertPublic = {
  id: 0,
  exchange: "binance",
  market: "futures",
  symbol: "SOLUSDT",
  base: "SOL",
  quote: "USDT",
  ts_ms: Date.UTC(2026, 0, 15, 12, 34, 56),
  window_s: 5,
  direction: "up",
  delta_pct: 4.27,
  wick_pct: 38.5,
  volume_usd: "1830000",
  price: "187.42",
  rule: "group */*/*",
  strategy: null,
  series_count: 1,
  folded_count: 0,
};
