// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, expect, it, vi } from "vitest";
import type { CandlePublic } from "../api/contract";
import { I18nProvider } from "../i18n";
import { makeAlert } from "../test/alerts";
import { json, mockFetch } from "../test/fetch";
import AlertPage from "./AlertPage";

// the canvas chart needs a real browser: record what it is given instead
vi.mock("../components/CandleChart", () => ({
  CandleChart: (p: { bars: { time: number }[]; markers?: unknown[] }) => <div data-testid="candle-chart" data-bars={p.bars.map((b) => b.time).join(",")} data-markers={p.markers?.length ?? 0} />,
}));
const live = { candles: [] as CandlePublic[], calls: [] as [string, string, boolean][] };
vi.mock("../app/useLiveCandles", () => ({
  useLiveCandles: (feed: string, symbol: string, enabled: boolean) => {
    live.calls.push([feed, symbol, enabled]);
    return enabled ? live.candles : [];
  },
}));

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  live.candles = [];
  live.calls = [];
});

const ALERT = makeAlert({ id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", ts_ms: 1_768_480_000_000 });

function renderAlert() {
  const router = createMemoryRouter([{ path: "/alerts/:id", element: <AlertPage /> }], { initialEntries: ["/alerts/42"] });
  render(
    <I18nProvider lang="en">
      <RouterProvider router={router} />
    </I18nProvider>,
  );
}

it("shows the stored candles around the spike with the spike marked", async () => {
  mockFetch({
    "GET /api/v1/alerts/42": json(200, ALERT),
    "GET /api/v1/alerts/42/candles": json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", interval_s: 60, candles: [{ t: 1_768_479_960_000, o: "1", h: "2", l: "1", c: "2", v: "3" }] }),
  });
  renderAlert();
  const chart = await screen.findByTestId("candle-chart");
  expect(chart.getAttribute("data-bars")).toBe("1768479960");
  expect(chart.getAttribute("data-markers")).toBe("1");
  expect(screen.queryByTestId("alert-chart-live")).toBeNull();
  expect(live.calls.at(-1)).toEqual(["okx_spot", "SOL-USDT", false]);
});

it("falls back to the live 1-second candles of a brand-new alert", async () => {
  mockFetch({
    "GET /api/v1/alerts/42": json(200, ALERT),
    "GET /api/v1/alerts/42/candles": json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", interval_s: 60, candles: [] }),
  });
  // the page opened 2 s after the spike: live candles from then on, the spike still marked
  live.candles = [1_768_480_002_000, 1_768_480_003_000].map((t) => ({ t, o: 1, h: 2, l: 1, c: 2, v: 1 }));
  renderAlert();
  await screen.findByTestId("alert-chart-live");
  const chart = screen.getByTestId("candle-chart");
  expect(chart.getAttribute("data-bars")).toBe("1768480002,1768480003");
  expect(chart.getAttribute("data-markers")).toBe("1");
  expect(live.calls.at(-1)).toEqual(["okx_spot", "SOL-USDT", true]);
});

it("waits for the first live candle rather than showing an empty chart", async () => {
  mockFetch({
    "GET /api/v1/alerts/42": json(200, ALERT),
    "GET /api/v1/alerts/42/candles": json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", interval_s: 60, candles: [] }),
  });
  renderAlert();
  expect((await screen.findByTestId("alert-chart-waiting")).textContent).toContain("Waiting for the first candles");
  expect(screen.queryByTestId("candle-chart")).toBeNull();
});
