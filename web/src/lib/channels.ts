import type { ChannelPublic } from "../api/contract";

/** Where a channel delivers: the chat, address or URL from its configuration. */
export function channelTarget(c: Pick<ChannelPublic, "kind" | "config">): string {
  const cfg = c.config as Record<string, unknown>;
  const value = c.kind === "telegram" ? cfg.chat_id : c.kind === "email" ? cfg.address : cfg.url;
  return value === undefined || value === null ? "" : String(value);
}

/** A Telegram chat: a numeric id (groups are negative) or `@publicchannel`; null otherwise. */
export function parseChatId(text: string): number | string | null {
  const v = text.trim();
  if (/^-?\d{1,15}$/.test(v)) return Number(v);
  if (/^@[A-Za-z0-9_]{5,32}$/.test(v)) return v;
  return null;
}

/** A random webhook signing secret (the server wants at least 16 characters). */
export function newWebhookSecret(bytes = 24): string {
  const raw = new Uint8Array(bytes);
  crypto.getRandomValues(raw);
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** How a channel's `last_status` (notify: `ok` / `retrying` / `failing`) is shown. */
export type ChannelHealth = "ok" | "retrying" | "failing" | "unknown";

export function channelHealth(lastStatus: string | null | undefined): ChannelHealth {
  if (!lastStatus) return "unknown";
  if (lastStatus === "ok" || lastStatus === "sent") return "ok";
  if (lastStatus === "retrying" || lastStatus === "pending") return "retrying";
  return "failing";
}

/** `mm:ss` (or `h:mm:ss`) left until `expiresAt`; null once it has passed or cannot be read. */
export function countdown(expiresAt: string | number, nowMs: number): string | null {
  const end = typeof expiresAt === "number" ? expiresAt : Date.parse(expiresAt);
  if (!Number.isFinite(end)) return null;
  const left = Math.ceil((end - nowMs) / 1000);
  if (left <= 0) return null;
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** The Telegram channel that appeared since the link code was made (ids known before it). */
export function newlyLinked(before: ReadonlySet<number>, list: ChannelPublic[]): ChannelPublic | null {
  return list.find((c) => c.kind === "telegram" && !before.has(c.id)) ?? null;
}

/** E-mail digest: 0 = every alert at once, else one mail every N minutes (5…1440). */
export const DIGEST_MIN = 5;
export const DIGEST_MAX = 1440;
export const DIGEST_CHOICES = [0, 5, 15, 30, 60, 240, 1440] as const;

export function digestMinutes(config: Record<string, unknown>): number {
  const value = Number(config.digest_minutes ?? 0);
  return Number.isInteger(value) && value >= DIGEST_MIN && value <= DIGEST_MAX ? value : 0;
}

/** The configuration with the digest set (`digest_minutes` left out when off). */
export function withDigest(config: Record<string, unknown>, minutes: number): Record<string, unknown> {
  const { digest_minutes: _old, ...rest } = config;
  void _old;
  if (!Number.isInteger(minutes) || minutes < DIGEST_MIN) return rest;
  return { ...rest, digest_minutes: Math.min(minutes, DIGEST_MAX) };
}
