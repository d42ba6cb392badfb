// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { StatsResponse } from "../api/contract";
import { I18nProvider } from "../i18n";
import { json, mockFetch, type Call } from "../test/fetch";
import { signIn } from "../test/session";
import StatsPage from "./StatsPage";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  signIn();
});
afterEach(() => {
  cleanup();
  api.clearSession();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const settle = () => act(() => vi.advanceTimersByTimeAsync(0));

/** The server's answer for a query: the total tells which query it was (days × 10, +1 for global, 3 for a coin). */
function answer(call: Call): StatsResponse {
  const scope = call.query.scope as "me" | "global";
  const days = Number(call.query.days);
  const total = call.query.coin ? 3 : days * 10 + (scope === "global" ? 1 : 0);
  return {
    scope,
    days,
    timezone: call.query.tz ?? "UTC",
    from_ms: 0,
    to_ms: 1,
    first_day: "2026-01-09",
    last_day: "2026-01-15",
    total,
    up: total - 1,
    down: 1,
    avg_delta_pct: 3.2,
    avg_volume_usd: 125000,
    per_day: [{ date: "2026-01-15", count: total }],
    by_exchange_market: [{ exchange: "binance", market: "futures", count: total }],
    top_symbols: [
      { symbol: "PEPEUSDT", base: "PEPE", exchange: "binance", market: "futures", count: 40 },
      { symbol: "SOL-USDT", base: "SOL", exchange: "okx", market: "spot", count: 12 },
    ],
    top_delta: [{ alert_id: scope === "me" ? 501 : null, symbol: "WIFUSDT", base: "WIF", exchange: "bybit", market: "futures", direction: "down", delta_pct: 18.25, volume_usd: "2500000", price: "1.5", ts_ms: 1_768_480_000_000 }],
    top_volume: [],
  } as StatsResponse;
}

async function renderStats() {
  const net = mockFetch({ "GET /api/v1/stats": (call) => json(200, answer(call)) });
  const router = createMemoryRouter(
    [
      { path: "/stats", element: <StatsPage /> },
      { path: "/alerts/:id", element: <div>alert page</div> },
    ],
    { initialEntries: ["/stats"] },
  );
  render(
    <I18nProvider lang="en">
      <RouterProvider router={router} />
    </I18nProvider>,
  );
  await settle();
  const queries = () => net.calls.filter((c) => c.path === "/api/v1/stats").map((c) => c.query);
  return { queries, router };
}

const total = () => screen.getByTestId("stats-total").textContent;

it("asks for my last 7 days in the account's time zone (the server's default: no tz)", async () => {
  const { queries } = await renderStats();
  expect(queries()).toEqual([{ scope: "me", days: "7" }]);
  expect(total()).toBe("70");
});

it("changes the query with the scope and the period (any number of days up to 365)", async () => {
  const { queries } = await renderStats();
  fireEvent.click(screen.getByRole("button", { name: "Everyone" }));
  await settle();
  expect(queries().at(-1)).toMatchObject({ scope: "global", days: "7" });
  expect(total()).toBe("71");
  fireEvent.click(screen.getByRole("button", { name: "30 days" }));
  await settle();
  expect(queries().at(-1)).toMatchObject({ scope: "global", days: "30" });
  expect(total()).toBe("301");
  const custom = screen.getByRole("spinbutton", { name: "Days" });
  fireEvent.change(custom, { target: { value: "400" } });
  await settle();
  expect(queries().at(-1)).toMatchObject({ days: "365" });
  fireEvent.change(custom, { target: { value: "2" } });
  await settle();
  expect(queries().at(-1)).toMatchObject({ scope: "global", days: "2" });
  expect(total()).toBe("21");
});

it("a top symbol drills down to its coin; the chip removes the filter", async () => {
  const { queries } = await renderStats();
  fireEvent.click(screen.getByRole("button", { name: "PEPEUSDT" }));
  await settle();
  expect(queries().at(-1)).toMatchObject({ scope: "me", days: "7", coin: "PEPE" });
  expect(total()).toBe("3");
  const chip = screen.getByTestId("coin-filter");
  expect(chip.textContent).toBe("PEPE ✕");
  // the period changes keep the coin
  fireEvent.click(screen.getByRole("button", { name: "30 days" }));
  await settle();
  expect(queries().at(-1)).toMatchObject({ days: "30", coin: "PEPE" });
  fireEvent.click(screen.getByTestId("coin-filter"));
  await settle();
  expect(queries().at(-1)).not.toHaveProperty("coin");
  expect(screen.queryByTestId("coin-filter")).toBeNull();
  expect(total()).toBe("300");
});

it("links my largest moves to their alert; everyone's are not mine to open", async () => {
  const { router } = await renderStats();
  const largest = screen.getByRole("heading", { name: "Largest moves" }).parentElement!;
  expect(within(largest).getByText("−18.25%")).toBeTruthy();
  fireEvent.click(within(largest).getByRole("link", { name: "WIFUSDT" }));
  await settle();
  expect(router.state.location.pathname).toBe("/alerts/501");
  await act(() => router.navigate("/stats"));
  await settle();
  fireEvent.click(screen.getByRole("button", { name: "Everyone" }));
  await settle();
  const global = screen.getByRole("heading", { name: "Largest moves" }).parentElement!;
  expect(within(global).queryByRole("link")).toBeNull();
  expect(within(global).getByText("WIFUSDT")).toBeTruthy();
});
