import { expect, it } from "vitest";
import type { ChannelPublic } from "../api/contract";
import { channelHealth, channelTarget, countdown, digestMinutes, newlyLinked, newWebhookSecret, parseChatId, withDigest } from "./channels";

it("parses Telegram chats", () => {
  expect(parseChatId(" 123456789 ")).toBe(123456789);
  expect(parseChatId("-1001234567890")).toBe(-1001234567890);
  expect(parseChatId("@wick_alerts")).toBe("@wick_alerts");
  expect(parseChatId("@abc")).toBeNull();
  expect(parseChatId("t.me/x")).toBeNull();
});

it("shows where a channel delivers", () => {
  expect(channelTarget({ kind: "telegram", config: { chat_id: 42, bot: "own" } })).toBe("42");
  expect(channelTarget({ kind: "email", config: { address: "a@b.c" } })).toBe("a@b.c");
  expect(channelTarget({ kind: "webhook", config: {} })).toBe("");
});

it("makes long, URL-safe webhook secrets", () => {
  const a = newWebhookSecret();
  expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(newWebhookSecret()).not.toBe(a);
});

it("shows the delivery status the notifier records", () => {
  expect(channelHealth("ok")).toBe("ok");
  expect(channelHealth("retrying")).toBe("retrying");
  expect(channelHealth("failing")).toBe("failing");
  expect(channelHealth(null)).toBe("unknown");
});

it("counts down to the link code's expiry", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  expect(countdown("2026-01-01T00:15:00Z", now)).toBe("15:00");
  expect(countdown("2026-01-01T00:00:09.200Z", now)).toBe("0:10");
  expect(countdown(now + 3_723_000, now)).toBe("1:02:03");
  expect(countdown("2026-01-01T00:00:00Z", now)).toBeNull();
  expect(countdown("soon", now)).toBeNull();
});

it("finds the Telegram chat linked since the code was made", () => {
  const tg = (id: number, kind: "telegram" | "email" = "telegram") => ({ id, kind, config: {} }) as unknown as ChannelPublic;
  expect(newlyLinked(new Set([1]), [tg(1), tg(2, "email")])).toBeNull();
  expect(newlyLinked(new Set([1]), [tg(1), tg(2, "email"), tg(3)])?.id).toBe(3);
});

it("reads and writes the e-mail digest interval", () => {
  expect(digestMinutes({ address: "a@b.c" })).toBe(0);
  expect(digestMinutes({ digest_minutes: 15 })).toBe(15);
  expect(digestMinutes({ digest_minutes: 2 })).toBe(0);
  expect(withDigest({ address: "a@b.c", digest_minutes: 15 }, 0)).toEqual({ address: "a@b.c" });
  expect(withDigest({ address: "a@b.c" }, 60)).toEqual({ address: "a@b.c", digest_minutes: 60 });
  expect(withDigest({ address: "a@b.c" }, 5000)).toEqual({ address: "a@b.c", digest_minutes: 1440 });
});
