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
