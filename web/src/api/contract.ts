// Shapes of the API bodies the UI reads and sends, taken from the backend's OpenAPI document
// (schema.d.ts, `npm run gen:api`). Where the live stream sends a slimmer shape than REST (alerts
// without deliveries, candles with numbers), the type here is the common denominator.

import type { components } from "./schema";

type Schemas = components["schemas"];

/** `{"items", "total", "limit", "offset"}` (api/pagination.py), or a cursor page. */
export interface Page<T> {
  items: T[];
  total?: number;
  limit?: number;
  offset?: number;
  next_cursor?: string | null;
}

/** The items of a page, or the list itself (some routes answer with a bare list). */
export function itemsOf<T>(answer: Page<T> | T[]): T[] {
  return Array.isArray(answer) ? answer : (answer.items ?? []);
}

// --- accounts --------------------------------------------------------------------------------
export type UserPublic = Schemas["UserPublic"];
export type Role = UserPublic["role"];
export type TokenResponse = Schemas["TokenResponse"];
export type UserRegister = Schemas["UserRegister"];
export type SessionPublic = Schemas["SessionPublic"];
export type InvitePublic = Schemas["InvitePublic"] & { code?: string };
export type InviteCreated = Schemas["InviteCreated"];

// --- channels and settings -------------------------------------------------------------------
export type ChannelPublic = Schemas["ChannelPublic"];
export type ChannelKind = ChannelPublic["kind"];
export type ChannelCreate = Schemas["TelegramChannelCreate"] | Schemas["EmailChannelCreate"] | Schemas["WebhookChannelCreate"];

/** GET/PUT /api/v1/settings (usersettings/service.py): version 0 = defaults, never saved. */
export interface SettingsEnvelope<D> {
  version: number;
  updated_at: string | null;
  document: D;
}

// --- alerts ----------------------------------------------------------------------------------
export type DirectionId = "up" | "down";
export type DeliveryPublic = Schemas["DeliveryPublic"];

/**
 * A fired spike alert. REST adds `seen`, `read_at`, `created_at` and the per-channel
 * `deliveries`; the stream's frames may lack them. Decimals are exact decimal text.
 */
export type AlertPublic = Omit<Schemas["AlertPublic"], "direction" | "deliveries" | "seen" | "read_at" | "created_at" | "volume_usd" | "price"> & {
  direction: DirectionId;
  volume_usd: string | number;
  price: string | number;
  deliveries?: DeliveryPublic[];
  seen?: boolean;
  read_at?: string | null;
  created_at?: string;
};

export type AlertsPage = Schemas["AlertsPage"];

/** One candle; `t` in ms since epoch (exchange time). REST sends decimal text, the stream numbers. */
export interface CandlePublic {
  t: number;
  o: number | string;
  h: number | string;
  l: number | string;
  c: number | string;
  v?: number | string;
}

export interface CandleSeries {
  exchange: string;
  market: string;
  symbol: string;
  interval_s?: number;
  candles: CandlePublic[];
  next_cursor?: string | null;
}

export type AlertCandles = CandleSeries & { alert_id: number };

// --- markets ---------------------------------------------------------------------------------
/** Live status of one exchange × market feed (REST, and the stream's "markets" topic). */
export type MarketStatus = Omit<Schemas["MarketStatus"], "status" | "reported_status" | "stale" | "age_s"> &
  Partial<Pick<Schemas["MarketStatus"], "reported_status" | "stale" | "age_s">> & {
    /** REST: active / degraded / down; the stream's raw rows: up / degraded / down. */
    status: string;
  };
export type ExchangeStatsAdmin = Schemas["ExchangeStatsAdmin"];
export type SymbolPublic = Schemas["SymbolPublic"];

// --- statistics, price alerts, admin -------------------------------------------------------------
export type StatsResponse = Schemas["StatsResponse"];
export type TopSpike = Schemas["TopSpike"];
export type PriceAlertPublic = Schemas["PriceAlertPublic"];
export type PriceAlertCreate = Schemas["PriceAlertCreate"];
export type ErrorLogEntry = Schemas["ErrorLogPublic"];
export type SystemStatus = Schemas["SystemStatus"];

/** One replayed alert of a dry run (usersettings: the alert the draft settings would have sent). */
export interface DryRunAlert {
  ts_ms: number;
  exchange: string;
  market: string;
  symbol: string;
  direction: DirectionId;
  delta_pct: number | string;
  wick_pct: number | string;
  volume_usd: number | string;
  price: number | string;
  rule: string;
}

/**
 * POST /api/v1/settings/dry-run `{"settings": UserSettings, "hours": 24}`: what the draft would
 * have sent. Only spikes of at least `floor_pct` are kept in the history it replays; `folded`
 * counts alerts the cooldown and series folded away; `sample` is cut when `truncated`.
 */
export interface DryRunResult {
  hours: number;
  from_ms: number;
  to_ms: number;
  floor_pct: number;
  alerts: number;
  folded: number;
  by_market: { exchange: string; market: string; alerts: number }[];
  sample: DryRunAlert[];
  truncated: boolean;
}

/** POST /api/v1/channels/telegram/link → 201: a one-time `/start <code>` for the service bot. */
export interface TelegramLink {
  code: string;
  deep_link: string;
  expires_at: string;
}

/** POST /api/v1/channels/{id}/test: the outcome of one test message. */
export interface ChannelTestResult {
  ok: boolean;
  detail: string | null;
}
