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
export type AlertPublic = Omit<Schemas["AlertPublic"], "kind" | "direction" | "deliveries" | "seen" | "read_at" | "created_at" | "volume_usd" | "price"> & {
  /** `spike`, or a price band crossing; stream frames of older servers lack it (a spike). */
  kind?: Schemas["AlertPublic"]["kind"];
  direction: DirectionId;
  /** null when it cannot be known (no live price of a non-USD quote). */
  volume_usd: string | number | null;
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
    /** active / degraded / down (REST and the stream send the same form; older servers'
     * stream rows said up / degraded / down). */
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

// --- settings dry run and channel actions (usersettings/, channels/) ----------------------------
/** One replayed alert of a dry run: what the draft settings would have sent. */
export type DryRunAlert = Schemas["DryRunAlert"];

/**
 * POST /api/v1/settings/dry-run `{"settings": UserSettings, "hours": 24}`: what the draft would
 * have sent. Only spikes of at least `floor_pct` are kept in the history it replays; `folded`
 * counts alerts the cooldown and series folded away; `sample` is cut when `truncated`.
 */
export type DryRunResult = Schemas["DryRunResult"];

/** POST /api/v1/channels/telegram/link → 201: a one-time `/start <code>` for the service bot. */
export type TelegramLink = Schemas["TelegramLink"];

/** POST /api/v1/channels/{id}/test: the outcome of one test message. */
export type ChannelTestResult = Schemas["ChannelTestResult"];
