// Message templates in the browser: the same rules and rendering as notify/templates.py (Python
// str.format fields, only known placeholders, `{{`/`}}` for literal braces, Telegram's HTML subset,
// values in the user's language) so the editor flags what the server would refuse while typing and
// previews the message exactly as Telegram gets it. template.golden.json holds the server's own
// renderings; template.test.ts checks these functions against them.
//
// tzAbbr.json: the tz database's zone abbreviations (Python's `%Z`) by zone and UTC offset in
// minutes, for the zones that have named ones (others are shown as `+04`, `+0545`). Made with
// Python's zoneinfo: for every zone of available_timezones(), every 5th day of 2024–2028,
// {utcoffset in minutes: tzname()} without the numeric names.

import detection from "../api/detection.json";
import type { AlertPublic } from "../api/contract";
import { EXCHANGE_NAMES, EXCHANGE_SHORT, VOLUME_UNITS } from "./format";
import TZ_ABBR from "./tzAbbr.json";

export const PLACEHOLDERS: readonly string[] = detection.placeholders;
export const DEFAULT_TEMPLATE: string = detection.default_template;

export type TemplatePart = { text: string } | { field: string };
export type TemplateProblem =
  | { kind: "malformed"; at: number }
  | { kind: "unknown"; name: string }
  | { kind: "spec"; name: string }
  /** Not valid Telegram HTML (templates.telegram_html_problem). */
  | { kind: "html"; problem: HtmlProblem }
  /** A placeholder in an unquoted attribute (`<a href={link}>`): a value with a space or "=" breaks the tag. */
  | { kind: "unquoted"; at: number; tag: string };

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

/** Fields and doubled braces of a template (templates._FIELD). */
const FIELD = /\{\{|\}\}|\{[^{}]*\}/g;
/** The stand-in value of templates._PROBE (as long as the shortest placeholder, so positions stay right). */
const PROBE = "x y=z?";

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
  // the markup around the fields (values are escaped when sent), character positions kept
  const html = telegramHtmlProblem(template.replace(FIELD, (f) => "x".repeat(f.length)));
  if (html) return { kind: "html", problem: html };
  // again with a stand-in holding what values hold (a link's query has "=" and "?", a strategy
  // name a space), as the server checks: markup that only these break has a placeholder in an
  // unquoted attribute, and the server refuses it (the message would go out as escaped text)
  const probed = telegramHtmlProblem(template.replace(FIELD, (f) => PROBE.padEnd(f.length, "x")));
  if (probed) return { kind: "unquoted", at: "at" in probed ? probed.at : 1, tag: "tag" in probed ? probed.tag : "" };
  return null;
}

export type MessageLang = "en" | "ru";

/** Words of messages (notify/templates.py `_WORDS`): the user's language (the account's locale, which the language switch sets). */
const WORDS: Record<MessageLang, { up: string; down: string; spot: string; futures: string; na: string }> = {
  en: { up: "up", down: "down", spot: "Spot", futures: "Futures", na: "n/a" },
  ru: { up: "рост", down: "падение", spot: "Спот", futures: "Фьючерсы", na: "н/д" },
};

/** The built-in messages (templates.py `DEFAULT_TEMPLATES`): sent when the template is empty or unusable. */
export const BUILTIN_TEMPLATES: Record<MessageLang, string> = {
  en: '⚡ <b>{symbol}</b> {delta_formatted} {direction} · {exchange_market}\nWick {wick_formatted} · Volume {volume_formatted}\nPrice {price} · {time}\n<a href="{link}">Open on the exchange</a>',
  ru: '⚡ <b>{symbol}</b> {delta_formatted} {direction} · {exchange_market}\nТень {wick_formatted} · Объём {volume_formatted}\nЦена {price} · {time}\n<a href="{link}">Открыть на бирже</a>',
};

/** Python's `f"{x:.{digits}f}"`: rounds the exact binary value, a tie to the even digit (JS `toFixed` rounds ties up). */
export function pyFixed(x: number, digits: number): string {
  const fixed = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(100); // every digit of the double (a tie has few)
  if (!new RegExp(`^\\d+\\.\\d{${digits}}50*$`).test(exact)) return fixed;
  const down = exact.slice(0, exact.indexOf(".") + digits + 1).replace(/\.$/, "");
  const last = Number(down.replace(".", "").slice(-1));
  if (last % 2 === 0) return (x < 0 ? "-" : "") + down; // toFixed went up: the even neighbour is below
  return fixed;
}

/** `$1.23M`; "n/a" (translated) when the USD volume is unknown (templates.format_volume). */
export function formatVolume(usd: string | number | null, lang: MessageLang = "en"): string {
  if (usd === null) return WORDS[lang].na;
  const value = Number(usd);
  for (const [limit, suffix, starts] of VOLUME_UNITS) {
    if (value >= starts) return `$${pyFixed(value / limit, 2)}${suffix}`;
  }
  return `$${pyFixed(value, 0)}`;
}

/** Every significant digit, never an exponent: `Decimal.normalize()` as `f` (templates.format_price). */
export function formatPriceText(price: string | number): string {
  const text = typeof price === "number" ? String(price) : price.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const [, sign, int = "", frac = "", exp = "0"] = m;
  let digits = (int + frac).replace(/^0+/, "");
  let scale = frac.length - Number(exp); // digits after the decimal point
  if (!digits) return "0";
  while (digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    scale--;
  }
  let out: string;
  if (scale <= 0) out = digits + "0".repeat(-scale);
  else if (digits.length > scale) out = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  else out = `0.${"0".repeat(scale - digits.length)}${digits}`;
  return (sign === "-" ? "-" : "") + out;
}

/** Offset of `timeZone` from UTC at `tsMs`, in minutes, with the local wall clock. */
function zoned(tsMs: number, timeZone: string): { offset: number; parts: Record<string, string> } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date(tsMs))
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return { offset: Math.round((wall - Math.floor(tsMs / 1000) * 1000) / 60_000), parts };
}

/** The zone's abbreviation like Python's `%Z` (tz database): `CET`, `EDT`, `MSK`, or `+04` / `+0545` where it has none. */
export function zoneAbbreviation(timeZone: string, offset: number): string {
  const named = (TZ_ABBR as Record<string, Record<string, string>>)[timeZone]?.[String(offset)];
  if (named) return named;
  const h = Math.floor(Math.abs(offset) / 60);
  const m = Math.abs(offset) % 60;
  return `${offset < 0 ? "-" : "+"}${String(h).padStart(2, "0")}${m ? String(m).padStart(2, "0") : ""}`;
}

/** `{time}`: `2026-01-15 13:34:56 CET` in the user's zone (unknown zones: UTC, as the server does); `{timestamp}` in UTC. */
export function messageClock(tsMs: number, timeZone: string): { local: string; iso: string } {
  let zone = timeZone || "UTC";
  let z: ReturnType<typeof zoned>;
  try {
    z = zoned(tsMs, zone);
  } catch {
    zone = "UTC";
    z = zoned(tsMs, zone);
  }
  const p = z.parts;
  const local = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zoneAbbreviation(zone, z.offset)}`;
  return { local, iso: new Date(tsMs).toISOString().slice(0, 19) + "Z" };
}

/** The values of every placeholder for an alert, as plain text (mirrors templates.placeholder_values). */
export function placeholderValues(a: AlertPublic, timeZone = "UTC", lang: MessageLang = "en"): Record<string, string> {
  const words = WORDS[lang];
  const { local, iso } = messageClock(a.ts_ms, timeZone);
  const up = a.direction === "up";
  const market = a.market === "spot" || a.market === "futures" ? words[a.market] : a.market;
  return {
    delta_formatted: `${up ? "+" : "-"}${pyFixed(Math.abs(a.delta_pct), 2)}%`,
    direction: up ? words.up : words.down,
    exchange_market: `${EXCHANGE_NAMES[a.exchange] ?? a.exchange} ${market}`,
    exchange_market_short: `${EXCHANGE_SHORT[a.exchange] ?? a.exchange}-${a.market === "futures" ? "F" : "S"}`,
    symbol: a.symbol,
    volume_formatted: formatVolume(a.volume_usd, lang),
    wick_formatted: `${pyFixed(a.wick_pct, 1)}%`,
    time: local,
    timestamp: iso,
    price: formatPriceText(a.price),
    strategy: a.strategy ?? "",
    series_count: String(a.series_count),
    folded_count: String(a.folded_count),
    link: chartLink(a.exchange, a.market, a.symbol, a.base, a.quote),
  };
}

/** The pair's trading page on its exchange, empty for an unknown one (mirrors templates.exchange_link). */
export function chartLink(exchange: string, market: string, symbol: string, base: string, quote: string): string {
  const futures = market === "futures";
  switch (exchange) {
    case "binance":
      return futures ? `https://www.binance.com/en/futures/${symbol}` : `https://www.binance.com/en/trade/${base}_${quote}?type=spot`;
    case "bybit":
      return futures ? `https://www.bybit.com/trade/usdt/${symbol}` : `https://www.bybit.com/en/trade/spot/${base}/${quote}`;
    case "okx":
      return `https://www.okx.com/${futures ? "trade-swap" : "trade-spot"}/${base.toLowerCase()}-${quote.toLowerCase()}${futures ? "-swap" : ""}`;
    case "bitget":
      return `https://www.bitget.com/${futures ? "futures/usdt" : "spot"}/${base}${quote}`;
    case "gate":
      return futures ? `https://www.gate.io/futures/${quote}/${base}_${quote}` : `https://www.gate.io/trade/${base}_${quote}`;
    case "hyperliquid":
      return futures ? `https://app.hyperliquid.xyz/trade/${base}` : `https://app.hyperliquid.xyz/trade/${base}/${quote}`;
    default:
      return "";
  }
}

/**
 * The settings' default template in each language (templates.py `PLAIN_TEMPLATES`): a user who
 * never edited it gets its words in the language of the messages.
 */
export const PLAIN_TEMPLATES: Record<MessageLang, string> = {
  en: DEFAULT_TEMPLATE,
  ru: "{exchange_market_short} {symbol} {delta_formatted} {direction} · тень {wick_formatted} · объём {volume_formatted} · {price} · {time}",
};

/** The template the server uses: the user's when every field is known, else the built-in message (templates._usable). */
export function usableTemplate(template: string, lang: MessageLang = "en"): string {
  if (template === DEFAULT_TEMPLATE) return PLAIN_TEMPLATES[lang];
  if (template) {
    try {
      const fields = parseTemplate(template).filter((p): p is { field: string } => "field" in p);
      if (fields.every((f) => PLACEHOLDERS.includes(f.field.split(/[:!]/)[0]!))) return template;
    } catch {
      /* malformed: the built-in message */
    }
  }
  return BUILTIN_TEMPLATES[lang];
}

/** Python's `html.escape(text, quote=True)`. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

function fill(template: string, values: Record<string, string>, escape: boolean): string {
  return parseTemplate(template)
    .map((p) => {
      if ("text" in p) return p.text;
      const v = values[p.field.split(/[:!]/)[0]!] ?? "";
      return escape ? escapeHtml(v) : v;
    })
    .join("");
}

/**
 * The message as Telegram gets it (templates.render_html): the usable template with HTML-escaped
 * values; a result that is not valid Telegram HTML is sent as escaped text instead.
 */
export function renderTelegramHtml(template: string, alert: AlertPublic, timeZone = "UTC", lang: MessageLang = "en"): string {
  const chosen = usableTemplate(template, lang);
  const values = placeholderValues(alert, timeZone, lang);
  const text = fill(chosen, values, true);
  if (telegramHtmlProblem(text) === null) return text;
  return fill(chosen, values, false).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The template filled in as written, for a preview of a template the server would refuse (best effort). */
export function renderTemplate(template: string, alert: AlertPublic, timeZone = "UTC", lang: MessageLang = "en"): string {
  const values = placeholderValues(alert, timeZone, lang);
  try {
    return parseTemplate(template)
      .map((p) => ("text" in p ? p.text : (values[p.field] ?? `{${p.field}}`)))
      .join("");
  } catch {
    return template;
  }
}

// --- Telegram HTML (https://core.telegram.org/bots/api#html-style), as templates.telegram_html_problem ---

/** Telegram's tags and the attributes each may carry. */
const ALLOWED_TAGS: Record<string, readonly string[]> = {
  b: [],
  strong: [],
  i: [],
  em: [],
  u: [],
  ins: [],
  s: [],
  strike: [],
  del: [],
  span: ["class"],
  "tg-spoiler": [],
  a: ["href"],
  "tg-emoji": ["emoji-id"],
  code: ["class"],
  pre: [],
  blockquote: ["expandable"],
};
const TOKEN = /<(\/)?([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>|&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]+);|(<)|(&)/g;
const ATTR = /\s*([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/y;
const ENTITIES = new Set(["lt", "gt", "amp", "quot"]);

export type HtmlProblem =
  | { reason: "lt" | "amp"; at: number }
  | { reason: "entity"; at: number; name: string }
  | { reason: "tag" | "closingAttrs" | "closesNothing" | "badAttrs" | "needsHref" | "spanClass" | "emojiId"; at: number; tag: string }
  | { reason: "misnested" | "insideCode"; at: number; tag: string; open: string }
  | { reason: "attr"; at: number; tag: string; name: string }
  | { reason: "unclosed"; tag: string };

function parseAttrs(text: string): Record<string, string> | null {
  const attrs: Record<string, string> = {};
  const t = text.replace(/\s+$/, "");
  let pos = 0;
  while (pos < t.length) {
    ATTR.lastIndex = pos;
    const m = ATTR.exec(t);
    if (!m || ATTR.lastIndex === pos) return null;
    attrs[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? m[4] ?? "";
    pos = ATTR.lastIndex;
  }
  return attrs;
}

/** Why Telegram would reject `text` with parse_mode HTML, or null (positions are 1-based characters). */
export function telegramHtmlProblem(text: string): HtmlProblem | null {
  const stack: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index + 1;
    if (m[5]) return { reason: "lt", at };
    if (m[6]) return { reason: "amp", at };
    const entity = m[4];
    if (entity !== undefined) {
      if (!entity.startsWith("#") && !ENTITIES.has(entity)) return { reason: "entity", at, name: entity };
      continue;
    }
    const tag = m[2]!.toLowerCase();
    const rawAttrs = m[3] ?? "";
    const allowed = ALLOWED_TAGS[tag];
    if (!allowed) return { reason: "tag", at, tag };
    if (m[1]) {
      if (rawAttrs.trim()) return { reason: "closingAttrs", at, tag };
      if (!stack.length) return { reason: "closesNothing", at, tag };
      if (stack[stack.length - 1] !== tag) return { reason: "misnested", at, tag, open: stack[stack.length - 1]! };
      stack.pop();
      continue;
    }
    const attrs = parseAttrs(rawAttrs);
    if (attrs === null || rawAttrs.replace(/\s+$/, "").endsWith("/")) return { reason: "badAttrs", at, tag };
    const unknown = Object.keys(attrs)
      .filter((a) => !allowed.includes(a))
      .sort();
    if (unknown.length) return { reason: "attr", at, tag, name: unknown[0]! };
    if (tag === "a" && !attrs.href) return { reason: "needsHref", at, tag };
    if (tag === "span" && attrs.class !== "tg-spoiler") return { reason: "spanClass", at, tag };
    if (tag === "tg-emoji" && !/^\d+$/.test(attrs["emoji-id"] ?? "")) return { reason: "emojiId", at, tag };
    const top = stack[stack.length - 1];
    if ((top === "pre" || top === "code") && !(top === "pre" && tag === "code")) return { reason: "insideCode", at, tag, open: top };
    stack.push(tag);
  }
  if (stack.length) return { reason: "unclosed", tag: stack[stack.length - 1]! };
  return null;
}

/** A node of a rendered message for the preview: text (entities decoded) or an allowed tag. */
export type MessageNode = string | { tag: string; attrs: Record<string, string>; children: MessageNode[] };

function decodeEntity(entity: string): string {
  if (entity.startsWith("#x") || entity.startsWith("#X")) return safeCodePoint(parseInt(entity.slice(2), 16));
  if (entity.startsWith("#")) return safeCodePoint(parseInt(entity.slice(1), 10));
  return { lt: "<", gt: ">", amp: "&", quot: '"' }[entity] ?? `&${entity};`;
}

function safeCodePoint(n: number): string {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : "\uFFFD";
}

/** Valid Telegram HTML (as renderTelegramHtml returns) as a tree; anything else as its text. */
export function parseMessage(html: string): MessageNode[] {
  if (telegramHtmlProblem(html) !== null) return [html];
  const root: MessageNode[] = [];
  const stack: { children: MessageNode[] }[] = [{ children: root }];
  const text = (s: string) => {
    if (!s) return;
    const children = stack[stack.length - 1]!.children;
    const last = children[children.length - 1];
    if (typeof last === "string") children[children.length - 1] = last + s;
    else children.push(s);
  };
  let pos = 0;
  for (const m of html.matchAll(TOKEN)) {
    text(html.slice(pos, m.index));
    pos = m.index + m[0].length;
    if (m[4] !== undefined) {
      text(decodeEntity(m[4]));
      continue;
    }
    if (m[1]) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const node = { tag: m[2]!.toLowerCase(), attrs: Object.fromEntries(Object.entries(parseAttrs(m[3] ?? "") ?? {}).map(([k, v]) => [k, decodeAll(v)])), children: [] as MessageNode[] };
    stack[stack.length - 1]!.children.push(node);
    stack.push(node);
  }
  text(html.slice(pos));
  return root;
}

function decodeAll(s: string): string {
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]+);/g, (_, e: string) => decodeEntity(e));
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
