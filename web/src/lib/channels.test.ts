import { expect, it } from "vitest";
import { channelTarget, newWebhookSecret, parseChatId } from "./channels";

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
