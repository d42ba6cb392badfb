// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import type { ChannelPublic } from "../../api/contract";
import { I18nProvider } from "../../i18n";
import { json, mockFetch } from "../../test/fetch";
import { Channels, LINK_POLL_MS } from "./Channels";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function channel(id: number, patch: Partial<ChannelPublic> = {}): ChannelPublic {
  return {
    id,
    kind: "webhook",
    name: `Hook ${id}`,
    config: { url: "https://hooks.example.com/x" },
    enabled: true,
    secret_set: true,
    secret_masked: "ab••••yz",
    last_status: null,
    last_status_at: null,
    last_error: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...patch,
  };
}

function renderChannels() {
  render(
    <I18nProvider lang="en">
      <Channels />
    </I18nProvider>,
  );
}

it("links Telegram: shows the deep link and the group command, counts down, and waits for the chat", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(Date.parse("2026-01-01T00:00:00Z"));
  let list = [channel(1)];
  const net = mockFetch({
    "GET /api/v1/channels": () => json(200, list),
    "POST /api/v1/channels/telegram/link": json(201, { code: "AbC123", deep_link: "https://t.me/wickwatch_bot?start=AbC123", expires_at: "2026-01-01T00:15:00Z", expires_in_s: 900 }),
  });
  renderChannels();
  await act(() => vi.advanceTimersByTimeAsync(0));
  fireEvent.click(screen.getByTestId("link-telegram"));
  await act(() => vi.advanceTimersByTimeAsync(0));
  const link = screen.getByTestId("telegram-deep-link") as HTMLAnchorElement;
  expect(link.href).toBe("https://t.me/wickwatch_bot?start=AbC123");
  expect(link.target).toBe("_blank");
  expect(link.rel).toContain("noopener");
  expect(screen.getByTestId("telegram-start-command").textContent).toBe("/start AbC123");
  expect(screen.getByTestId("link-countdown").textContent).toBe("the code expires in 15:00");

  // nothing linked yet: the list is re-read, the countdown runs
  await act(() => vi.advanceTimersByTimeAsync(LINK_POLL_MS * 2));
  expect(net.sent("GET", "/api/v1/channels").length).toBeGreaterThanOrEqual(3);
  expect(screen.getByTestId("link-countdown").textContent).toBe("the code expires in 14:54");

  // the bot linked the chat: it appears in the table and the waiting stops
  list = [channel(1), channel(7, { kind: "telegram", name: "Telegram: Trader", config: { chat_id: 700100200, bot: "service", chat_type: "private" }, secret_set: false, secret_masked: null })];
  await act(() => vi.advanceTimersByTimeAsync(LINK_POLL_MS));
  expect(screen.getByTestId("telegram-linked").textContent).toBe("Telegram linked: Telegram: Trader.");
  expect(screen.queryByTestId("telegram-link-code")).toBeNull();
  expect(screen.getAllByTestId("channel-row").map((r) => r.getAttribute("data-kind"))).toEqual(["webhook", "telegram"]);
  expect(screen.getByText("service bot")).toBeTruthy();
  const polls = net.sent("GET", "/api/v1/channels").length;
  await act(() => vi.advanceTimersByTimeAsync(LINK_POLL_MS * 3));
  expect(net.sent("GET", "/api/v1/channels").length).toBe(polls);
});

it("offers a new code once the old one expired, and stops polling", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(Date.parse("2026-01-01T00:00:00Z"));
  const net = mockFetch({
    "GET /api/v1/channels": json(200, []),
    "POST /api/v1/channels/telegram/link": json(201, { code: "c1", deep_link: "https://t.me/b?start=c1", expires_at: "2026-01-01T00:00:05Z", expires_in_s: 5 }),
  });
  renderChannels();
  await act(() => vi.advanceTimersByTimeAsync(0));
  fireEvent.click(screen.getByTestId("link-telegram"));
  await act(() => vi.advanceTimersByTimeAsync(0));
  expect(screen.getByTestId("link-countdown").textContent).toBe("the code expires in 0:05");
  await act(() => vi.advanceTimersByTimeAsync(6000));
  expect(screen.getByTestId("link-expired")).toBeTruthy();
  const polls = net.sent("GET", "/api/v1/channels").length;
  await act(() => vi.advanceTimersByTimeAsync(LINK_POLL_MS * 3));
  expect(net.sent("GET", "/api/v1/channels").length).toBe(polls);
  fireEvent.click(screen.getByTestId("link-again"));
  await act(() => vi.advanceTimersByTimeAsync(0));
  expect(net.sent("POST", "/api/v1/channels/telegram/link")).toHaveLength(2);
});

it("counts the code's 15 minutes on the browser's clock, also when it is ahead of the server's", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(Date.parse("2026-01-01T01:00:00Z")); // an hour ahead (a PC off by its UTC offset)
  mockFetch({
    "GET /api/v1/channels": json(200, []),
    "POST /api/v1/channels/telegram/link": json(201, { code: "c1", deep_link: "https://t.me/b?start=c1", expires_at: "2026-01-01T00:15:00Z", expires_in_s: 900 }),
  });
  renderChannels();
  await act(() => vi.advanceTimersByTimeAsync(0));
  fireEvent.click(screen.getByTestId("link-telegram"));
  await act(() => vi.advanceTimersByTimeAsync(0));
  expect(screen.queryByTestId("link-expired")).toBeNull();
  expect(screen.getByTestId("link-countdown").textContent).toBe("the code expires in 15:00");
});

it("says so when the server has no service bot", async () => {
  mockFetch({
    "GET /api/v1/channels": json(200, []),
    "POST /api/v1/channels/telegram/link": json(503, { error: { code: "telegram_unavailable", message: "no bot", details: null } }),
  });
  renderChannels();
  fireEvent.click(await screen.findByTestId("link-telegram"));
  expect((await screen.findByTestId("telegram-link-error")).textContent).toBe("The service bot is not configured on this server: add your own bot instead.");
});

it("sends a test message and shows the outcome next to the channel", async () => {
  let answer = json(200, { ok: true, detail: null });
  const net = mockFetch({
    "GET /api/v1/channels": json(200, [channel(3, { last_status: "failing", last_error: "HTTP 500 from the webhook" })]),
    "POST /api/v1/channels/3/test": () => answer,
  });
  renderChannels();
  const row = await screen.findByTestId("channel-row");
  expect(within(row).getByTestId("channel-status").getAttribute("data-health")).toBe("failing");
  expect(within(row).getByText("HTTP 500 from the webhook")).toBeTruthy();

  fireEvent.click(within(row).getByTestId("channel-test"));
  expect((await within(row).findByTestId("channel-test-result")).textContent).toBe("Test message delivered.");
  expect(net.sent("POST", "/api/v1/channels/3/test")).toHaveLength(1);

  answer = json(200, { ok: false, detail: "Forbidden: bot was blocked by the user" });
  fireEvent.click(within(screen.getByTestId("channel-row")).getByTestId("channel-test"));
  expect((await screen.findByText("Forbidden: bot was blocked by the user")).getAttribute("data-ok")).toBe("false");

  answer = json(429, { error: { code: "rate_limited", message: "slow down", details: null } }, { "Retry-After": "42" });
  fireEvent.click(within(screen.getByTestId("channel-row")).getByTestId("channel-test"));
  expect((await screen.findByText("Too many tests: try again in 42 s.")).getAttribute("data-ok")).toBe("false");
});

it("sets the e-mail digest interval in the channel's configuration", async () => {
  const net = mockFetch({
    "GET /api/v1/channels": json(200, [channel(5, { kind: "email", name: "Mail", config: { address: "me@example.com", digest_minutes: 15 }, secret_set: false, secret_masked: null })]),
    "PATCH /api/v1/channels/5": (c) => json(200, channel(5, { kind: "email", config: (c.body as { config: Record<string, unknown> }).config })),
  });
  renderChannels();
  const select = (await screen.findByTestId("email-digest")) as HTMLSelectElement;
  expect(select.value).toBe("15");
  fireEvent.change(select, { target: { value: "60" } });
  await screen.findByText("Digest interval saved.");
  fireEvent.change(screen.getByTestId("email-digest"), { target: { value: "0" } });
  await vi.waitFor(() => expect(net.sent("PATCH", "/api/v1/channels/5")).toHaveLength(2));
  expect(net.sent("PATCH", "/api/v1/channels/5").map((c) => c.body)).toEqual([{ config: { address: "me@example.com", digest_minutes: 60 } }, { config: { address: "me@example.com" } }]);
});

it("creates an e-mail channel with a digest", async () => {
  const net = mockFetch({
    "GET /api/v1/channels": json(200, []),
    "POST /api/v1/channels": (c) => json(201, channel(9, c.body as Partial<ChannelPublic>)),
  });
  renderChannels();
  fireEvent.click(await screen.findByTestId("add-email"));
  const form = screen.getByTestId("channel-form-email");
  fireEvent.change(form.querySelector("input[name=target]")!, { target: { value: "me@example.com" } });
  fireEvent.change(form.querySelector("select[name=digest]")!, { target: { value: "30" } });
  fireEvent.submit(form);
  await vi.waitFor(() => expect(net.sent("POST", "/api/v1/channels")).toHaveLength(1));
  expect(net.sent("POST", "/api/v1/channels")[0]!.body).toEqual({ kind: "email", name: "E-mail", enabled: true, config: { address: "me@example.com", digest_minutes: 30 }, secret: null });
});
