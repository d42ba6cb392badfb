// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { api } from "../api/client";
import { LiveContext, type Live } from "../app/live";
import { I18nProvider } from "../i18n";
import { emptyFeed, feedReducer } from "../live/feed";
import { makeAlert } from "../test/alerts";
import { json, mockFetch } from "../test/fetch";
import { signIn } from "../test/session";
import { LivePage } from "./LivePage";

afterEach(cleanup);

// jsdom has no layout: give elements the size of a real feed (600 px high) so the virtualiser
// has a viewport to fill
const sizes = { clientHeight: 600, clientWidth: 1200, offsetHeight: 600, offsetWidth: 1200 };
const saved = Object.fromEntries(Object.keys(sizes).map((k) => [k, Object.getOwnPropertyDescriptor(HTMLElement.prototype, k)]));
beforeAll(() => {
  for (const [k, v] of Object.entries(sizes)) Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get: () => v });
});
afterAll(() => {
  for (const [k, d] of Object.entries(saved)) if (d) Object.defineProperty(HTMLElement.prototype, k, d);
});

function live(count: number): Live {
  const alerts = Array.from({ length: count }, (_, i) => makeAlert({ id: i + 1, ts_ms: 1_768_480_000_000 + i * 1000, direction: i % 2 ? "down" : "up", exchange: i % 3 ? "binance" : "okx" }));
  return {
    feed: feedReducer(emptyFeed, { type: "received", alerts }),
    streamState: "open",
    nextRetryAt: null,
    history: "available",
    markSeen: vi.fn(),
    clear: vi.fn(),
    prefs: { sound: false, desktop: false },
    setPrefs: vi.fn(),
  };
}

function renderLive(value: Live, url = "/live") {
  const router = createMemoryRouter([{ path: "/live", element: <LivePage /> }, { path: "/alerts/:id", element: <div>alert page</div> }], { initialEntries: [url] });
  render(
    <I18nProvider lang="en">
      <LiveContext.Provider value={value}>
        <RouterProvider router={router} />
      </LiveContext.Provider>
    </I18nProvider>,
  );
}

it("renders a window of a 1,000-alert feed, not every row", () => {
  renderLive(live(1000));
  expect(screen.getByTestId("feed-count").textContent).toBe("1,000 of 1,000 alerts");
  const rows = screen.queryAllByTestId("feed-row").length;
  expect(rows).toBeGreaterThan(0);
  expect(rows).toBeLessThan(100);
});

it("filters from the URL and opens an alert", async () => {
  renderLive(live(30), "/live?ex=okx&dir=down");
  expect(screen.getByTestId("feed-count").textContent).toBe("5 of 30 alerts");
  fireEvent.click(screen.getAllByTestId("feed-row")[0]!);
  await screen.findByText("alert page");
});

it("says so when the server has neither stream nor history", () => {
  renderLive({ ...live(0), streamState: "unavailable", history: "missing" });
  expect(screen.getByTestId("unavailable")).toBeTruthy();
});

it("shows the alerts' times in the time zone of the account's settings, as Telegram does", async () => {
  signIn();
  mockFetch({ "GET /api/v1/settings": json(200, { version: 1, updated_at: null, document: { timezone: "Asia/Tokyo" } }) });
  try {
    renderLive(live(1));
    // 1_768_480_000_000 is 12:26:40 UTC on 15 Jan 2026 (days ago): 21:26:40 in Tokyo
    await waitFor(() => expect(screen.getAllByTestId("feed-row")[0]!.querySelector(".c-time")!.textContent).toBe("15/01 21:26:40"));
  } finally {
    api.clearSession();
    vi.unstubAllGlobals();
  }
});

it("shows a price-band alert as the edge it crossed, not as a tiny spike, and keeps it under a Δ filter", () => {
  const spike = makeAlert({ id: 1, ts_ms: 1_768_480_000_000, symbol: "PEPEUSDT", delta_pct: 0.5 });
  const above = makeAlert({ id: 2, ts_ms: 1_768_480_001_000, kind: "above_max", direction: "up", symbol: "BTCUSDT", delta_pct: 0.04, wick_pct: 0, volume_usd: null, price: "65026.1", rule: "max 65000" });
  const below = makeAlert({ id: 3, ts_ms: 1_768_480_002_000, kind: "below_min", direction: "down", symbol: "ETHUSDT", delta_pct: 0.01, wick_pct: 0, volume_usd: null, price: "2999.7", rule: "min 3000" });
  renderLive({ ...live(0), feed: feedReducer(emptyFeed, { type: "received", alerts: [spike, above, below] }) }, "/live?d=1");
  // the spike of 0.5% is filtered out, the crossings are not
  expect(screen.getByTestId("feed-count").textContent).toBe("2 of 3 alerts");
  const [rowBelow, rowAbove] = screen.getAllByTestId("feed-row");
  expect(rowAbove!.getAttribute("data-kind")).toBe("above_max");
  expect(rowAbove!.querySelector(".c-symbol")!.textContent).toBe("BTCUSDT");
  expect(rowAbove!.querySelector(".c-delta")!.textContent).toBe("🔔 above");
  expect(rowAbove!.querySelector(".c-delta")!.textContent).not.toContain("%");
  expect(rowAbove!.querySelector(".c-price")!.textContent).toBe("65,026.1");
  expect(rowAbove!.querySelector(".c-rule")!.textContent).toBe("above your max 65,000");
  expect(rowAbove!.querySelector(".c-wick")!.textContent).toBe("—");
  expect(rowBelow!.querySelector(".c-delta")!.textContent).toBe("🔔 below");
  expect(rowBelow!.querySelector(".c-rule")!.textContent).toBe("below your min 3000") // formatPrice groups from 10,000 on;
});

it("words price-band alerts in Russian", () => {
  const above = makeAlert({ id: 2, kind: "above_max", direction: "up", delta_pct: 0.04, wick_pct: 0, volume_usd: null, price: "65026.1", rule: "max 65000" });
  const router = createMemoryRouter([{ path: "/live", element: <LivePage /> }], { initialEntries: ["/live"] });
  render(
    <I18nProvider lang="ru">
      <LiveContext.Provider value={{ ...live(0), feed: feedReducer(emptyFeed, { type: "received", alerts: [above] }) }}>
        <RouterProvider router={router} />
      </LiveContext.Provider>
    </I18nProvider>,
  );
  const row = screen.getByTestId("feed-row");
  expect(row.querySelector(".c-delta")!.textContent).toBe("🔔 выше");
  expect(row.querySelector(".c-rule")!.textContent!.replace(/\s/g, " ")).toBe("выше вашего максимума 65 000");
});

it("names a Hyperliquid spot pair by its tokens, keeping the exchange's symbol at hand", () => {
  const hype = makeAlert({ id: 1, ts_ms: 1_768_480_000_000, exchange: "hyperliquid", market: "spot", symbol: "@107", base: "HYPE", quote: "USDC" });
  const btc = makeAlert({ id: 2, ts_ms: 1_768_480_001_000, symbol: "BTCUSDT" });
  renderLive({ ...live(0), feed: feedReducer(emptyFeed, { type: "received", alerts: [hype, btc] }) }, "/live");
  const [rowBtc, rowHype] = screen.getAllByTestId("feed-row");
  expect(rowHype!.querySelector(".c-symbol")!.textContent).toBe("HYPE/USDC");
  expect(rowHype!.querySelector(".c-symbol")!.getAttribute("data-symbol")).toBe("@107");
  expect(rowBtc!.querySelector(".c-symbol")!.textContent).toBe("BTCUSDT");
});
