// Number, money, percent and time formatting shared by every page. All functions are pure and
// take the locale explicitly, so the same value renders the same way in tests and in the app.

export type Direction = "up" | "down";

const nfCache = new Map<string, Intl.NumberFormat>();
function nf(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = locale + JSON.stringify(options);
  let f = nfCache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, options);
    nfCache.set(key, f);
  }
  return f;
}

/** `+3.25%` / `−3.25%` (a true minus sign, so columns line up). */
export function formatDelta(deltaPct: number, direction: Direction, locale: string): string {
  const sign = direction === "down" ? "\u2212" : "+";
  return sign + nf(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Math.abs(deltaPct)) + "%";
}

export function formatPct(value: number, locale: string, digits = 1): string {
  return nf(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value) + "%";
}

/**
 * The units of compact USD volumes (templates.py `format_volume`): each unit, its suffix, and
 * where it starts — where the smaller unit would print 1000 after rounding to two decimals
 * (999,999 is $1.00M, not $1000.00K).
 */
export const VOLUME_UNITS: readonly (readonly [limit: number, suffix: string, starts: number])[] = [
  [1e9, "B", 999_995_000],
  [1e6, "M", 999_995],
  [1e3, "K", 999.5],
];

/** `$1.25M`, `$980K`, `$12` — the same scale the Telegram messages use. */
export function formatUsdCompact(value: number | string | null | undefined, locale: string): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = typeof value === "string" ? Number(value) : value;
  if (!Number.isFinite(n)) return "—";
  const abs = Math.abs(n);
  for (const [limit, suffix, starts] of VOLUME_UNITS) {
    if (abs >= starts) {
      return "$" + nf(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n / limit) + suffix;
    }
  }
  return "$" + nf(locale, { maximumFractionDigits: 0 }).format(n);
}

/**
 * A price with enough significant digits for any coin (0.00001234 and 64250.5 alike), taken
 * from the exact decimal text the API sends when there is one.
 */
export function formatPrice(value: number | string | null | undefined, locale: string): string {
  if (value === null || value === undefined || value === "") return "—";
  const n = typeof value === "string" ? Number(value) : value;
  if (!Number.isFinite(n)) return String(value);
  const abs = Math.abs(n);
  if (abs === 0) return "0";
  if (abs >= 1) {
    return nf(locale, { maximumFractionDigits: abs >= 1000 ? 2 : 4, useGrouping: abs >= 10000 }).format(n);
  }
  return nf(locale, { maximumSignificantDigits: 6, useGrouping: false }).format(n);
}

export function formatInt(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return nf(locale, { maximumFractionDigits: 0 }).format(value);
}

export function formatRate(value: number | null | undefined, locale: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return nf(locale, { maximumFractionDigits: value < 10 ? 1 : 0 }).format(value);
}

/** Milliseconds as `850 ms`, `1.2 s`, `2 min` (`850 мс` in Russian). */
export function formatLag(ms: number | null | undefined, locale: string): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const unit = (u: string, digits: number) => nf(locale, { style: "unit", unit: u, unitDisplay: "narrow", maximumFractionDigits: digits });
  if (ms < 1000) return unit("millisecond", 0).format(ms);
  if (ms < 60_000) return unit("second", 1).format(ms / 1000);
  return unit("minute", 0).format(ms / 60_000);
}

const dtfCache = new Map<string, Intl.DateTimeFormat>();
function dtf(locale: string, timeZone: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone ?? ""}|${JSON.stringify(options)}`;
  let f = dtfCache.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    } catch {
      f = new Intl.DateTimeFormat(locale, options); // unknown time zone: the browser's own
    }
    dtfCache.set(key, f);
  }
  return f;
}

/** `14:03:07` — the clock time of an alert, in the user's time zone. */
export function formatClock(tsMs: number, locale: string, timeZone?: string): string {
  return dtf(locale, timeZone, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).format(tsMs);
}

/** What a time-axis label marks (lightweight-charts' TickMarkType): the start of a year, a month or a day, or a time. */
export type TickKind = "year" | "month" | "day" | "time" | "seconds";

/**
 * A label of a chart's time axis in `timeZone`: `2026` at a year's start, `Feb` at a month's,
 * `15 Jan` / `15 янв.` at a day's, else the clock time (`14:03`, or `14:03:07` for `seconds`).
 *
 * The chart puts its day, month and year marks at UTC midnights. In another zone such a mark is
 * not where the day starts (in New York, 7 Dec 00:00 UTC is 6 Dec 19:00), so a bare date there
 * would label the evening before as the day: those marks carry the clock time too (`6 Dec 19:00`).
 */
export function formatTickMark(tsMs: number, kind: TickKind, locale: string, timeZone?: string): string {
  const dated = kind === "year" || kind === "month" || kind === "day";
  if (dated && !isMidnight(tsMs, timeZone)) {
    const date = dtf(locale, timeZone, kind === "year" ? { day: "numeric", month: "short", year: "numeric" } : { day: "numeric", month: "short" }).format(tsMs);
    return `${date} ${dtf(locale, timeZone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(tsMs)}`;
  }
  switch (kind) {
    case "year":
      return dtf(locale, timeZone, { year: "numeric" }).format(tsMs);
    case "month":
      return dtf(locale, timeZone, { month: "short" }).format(tsMs);
    case "day":
      return dtf(locale, timeZone, { day: "numeric", month: "short" }).format(tsMs);
    case "time":
      return dtf(locale, timeZone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(tsMs);
    case "seconds":
      return formatClock(tsMs, locale, timeZone);
  }
}

function isMidnight(tsMs: number, timeZone?: string): boolean {
  return dtf("en-GB", timeZone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(tsMs) === "00:00";
}

/** The clock time for today's alerts, `21.11 14:03:07` for older ones (in `timeZone`). */
export function formatFeedTime(tsMs: number, nowMs: number, locale: string, timeZone?: string): string {
  const day = (t: number) => dtf(locale, timeZone, { year: "numeric", month: "2-digit", day: "2-digit" }).format(t);
  const clock = formatClock(tsMs, locale, timeZone);
  if (day(tsMs) === day(nowMs)) return clock;
  return dtf(locale, timeZone, { day: "2-digit", month: "2-digit" }).format(tsMs) + " " + clock;
}

/** `22.11.2026, 14:03:07` */
export function formatDateTime(value: number | string | Date | null | undefined, locale: string, timeZone?: string): string {
  if (value === null || value === undefined || value === "") return "—";
  const t = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : value;
  if (!Number.isFinite(t)) return "—";
  return dtf(locale, timeZone, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(t);
}

export function formatDay(isoDate: string, locale: string): string {
  const t = Date.parse(isoDate + (isoDate.length === 10 ? "T00:00:00Z" : ""));
  if (!Number.isFinite(t)) return isoDate;
  return dtf(locale, "UTC", { day: "2-digit", month: "short" }).format(t);
}

/** `5 s ago`, `3 min ago`, `2 h ago` in the UI language. */
export function formatAgo(tsMs: number, nowMs: number, locale: string): string {
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "always", style: "short" });
  const s = Math.round((tsMs - nowMs) / 1000);
  const abs = Math.abs(s);
  if (abs < 60) return rtf.format(s, "second");
  if (abs < 3600) return rtf.format(Math.round(s / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(s / 3600), "hour");
  return rtf.format(Math.round(s / 86400), "day");
}

/** `binance_futures` → `Binance Futures`, with the venues' own spelling. */
export const EXCHANGE_NAMES: Record<string, string> = {
  binance: "Binance",
  bybit: "Bybit",
  okx: "OKX",
  bitget: "Bitget",
  gate: "Gate",
  hyperliquid: "Hyperliquid",
};
export const EXCHANGE_SHORT: Record<string, string> = {
  binance: "BN",
  bybit: "BB",
  okx: "OKX",
  bitget: "BG",
  gate: "GT",
  hyperliquid: "HL",
};

/** The symbol as a trader reads it: Hyperliquid spot pairs travel as an index (`@107`) and are
 * shown as their tokens (`HYPE/USDC`); every other symbol as the exchange writes it. */
export function displaySymbol(symbol: string, base?: string | null, quote?: string | null): string {
  return symbol.startsWith("@") && base && quote && !base.startsWith("@") ? `${base}/${quote}` : symbol;
}

export function exchangeName(exchange: string): string {
  return EXCHANGE_NAMES[exchange] ?? exchange;
}

/** `BN-F`, `OKX-S` — the compact venue tag used in the feed and in messages. */
export function exchangeMarketShort(exchange: string, market: string): string {
  return `${EXCHANGE_SHORT[exchange] ?? exchange}-${market === "futures" ? "F" : "S"}`;
}
