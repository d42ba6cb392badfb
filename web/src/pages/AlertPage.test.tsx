// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { CandlePublic } from "../api/contract";
import { I18nProvider } from "../i18n";
import { makeAlert } from "../test/alerts";
import { json, mockFetch } from "../test/fetch";
import { signIn } from "../test/session";
import AlertPage from "./AlertPage";

// the canvas chart needs a real browser: record what it is given instead
vi.mock("../components/CandleChart", () => ({
  CandleChart: (p: { bars: { time: number }[]; markers?: { time: number }[]; seconds?: boolean }) => (
    <div data-testid="candle-chart" data-bars={p.bars.map((b) => b.time).join(",")} data-markers={p.markers?.length ?? 0} data-marker-time={p.markers?.[0]?.time} data-seconds={String(Boolean(p.seconds))} />
  ),
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
  api.clearSession();
  vi.unstubAllGlobals();
  live.candles = [];
  live.calls = [];
});

const ALERT = makeAlert({ id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", ts_ms: 1_768_480_000_000 });

function renderAlert(lang: "en" | "ru" = "en") {
  const router = createMemoryRouter([{ path: "/alerts/:id", element: <AlertPage /> }], { initialEntries: ["/alerts/42"] });
  render(
    <I18nProvider lang={lang}>
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
  expect(chart.getAttribute("data-seconds")).toBe("false");
  // an old alert: its 1-second candles are no longer kept, and the page says so
  expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("1-minute candles around the spike");
  expect(screen.getByTestId("alert-chart-minutes").textContent).toContain("no longer kept");
  expect(screen.queryByTestId("alert-chart-live")).toBeNull();
  expect(live.calls.at(-1)).toEqual(["okx_spot", "SOL-USDT", false]);
});

const second = (t: number, price: number) => ({ t, o: String(price), h: String(price + 1), l: String(price - 1), c: String(price), v: "2", qv: "200", n: 3, complete: true });

it("shows the stored 1-second candles around the spike, the spike second marked, and marks the alert seen", async () => {
  const ts = ALERT.ts_ms;
  const stored = [-59_000, -2000, -1000, 0, 1000, 30_000].map((d) => second(ts + d, 100 + d / 1000));
  const api = mockFetch({
    "GET /api/v1/alerts/42": json(200, { ...ALERT, seen: false, read_at: null, deliveries: [] }),
    "POST /api/v1/alerts/42/read": json(200, { ...ALERT, seen: true, read_at: "2026-01-15T12:30:00Z", deliveries: [] }),
    "GET /api/v1/alerts/42/candles": json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", interval_s: 1, spike_ts_ms: ts, candles: stored }),
  });
  renderAlert();
  const chart = await screen.findByTestId("candle-chart");
  expect(chart.getAttribute("data-bars")).toBe(stored.map((c) => c.t / 1000).join(","));
  expect(chart.getAttribute("data-marker-time")).toBe(String(ts / 1000)); // the spike's own second
  expect(chart.getAttribute("data-seconds")).toBe("true");
  expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("1-second candles around the spike");
  expect(screen.getByTestId("alert-chart-seconds").textContent).toContain("a minute before the spike");
  // an old alert: nothing live
  expect(live.calls.every(([, , enabled]) => !enabled)).toBe(true);
  // opening it is seeing it: read once, and the page shows when
  await waitFor(() => expect(screen.getByTestId("alert-seen").textContent).not.toBe("not yet"));
  expect(screen.getByTestId("alert-seen").textContent).toMatch(/2026/);
  expect(api.sent("POST", "/api/v1/alerts/42/read")).toHaveLength(1);
});

it("says an alert is not seen yet when marking it read fails", async () => {
  mockFetch({
    "GET /api/v1/alerts/42": json(200, { ...ALERT, seen: false, read_at: null, deliveries: [] }),
    "POST /api/v1/alerts/42/read": json(503, { error: { code: "unavailable", message: "down", details: null } }),
    "GET /api/v1/alerts/42/candles": json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", interval_s: 60, candles: [] }),
  });
  renderAlert();
  expect((await screen.findByTestId("alert-seen")).textContent).toBe("not yet");
});

it("continues a fresh alert's stored seconds with live ones and reads the window again once complete", async () => {
  // the spike 33.5–34.5 s ago: the stored window is complete about a second from now
  const ts = Math.floor((Date.now() - 33_500) / 1000) * 1000;
  const fresh = { ...ALERT, ts_ms: ts };
  const api = mockFetch({
    "GET /api/v1/alerts/42": json(200, fresh),
    "GET /api/v1/alerts/42/candles": json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", interval_s: 1, spike_ts_ms: ts, candles: [second(ts - 1000, 10), second(ts, 12)] }),
  });
  live.candles = [ts + 1000, ts + 2000].map((t) => ({ t, o: 12, h: 12, l: 11, c: 11, v: 1 }));
  renderAlert();
  await screen.findByTestId("alert-chart-seconds");
  const chart = screen.getByTestId("candle-chart");
  expect(chart.getAttribute("data-bars")).toBe([ts - 1000, ts, ts + 1000, ts + 2000].map((t) => t / 1000).join(","));
  expect(chart.getAttribute("data-marker-time")).toBe(String(ts / 1000));
  expect(screen.getByTestId("alert-chart-seconds").textContent).toContain("then live");
  expect(live.calls.at(-1)).toEqual(["okx_spot", "SOL-USDT", true]);
  await waitFor(() => expect(api.sent("GET", "/api/v1/alerts/42/candles")).toHaveLength(2), { timeout: 3000 });
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

it("asks a brand-new alert's chart again when its 1-second window was not written yet", async () => {
  const ts = Math.floor((Date.now() - 3000) / 1000) * 1000;
  const minute = ts - (ts % 60_000);
  let asked = 0;
  mockFetch({
    "GET /api/v1/alerts/42": json(200, { ...ALERT, ts_ms: ts }),
    "GET /api/v1/alerts/42/candles": () =>
      ++asked === 1
        ? json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", interval_s: 60, spike_ts_ms: ts, candles: [second(minute, 5)] })
        : json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", interval_s: 1, spike_ts_ms: ts, candles: [second(ts - 1000, 5), second(ts, 6)] }),
  });
  renderAlert();
  expect((await screen.findByTestId("candle-chart")).getAttribute("data-seconds")).toBe("false");
  expect(screen.queryByTestId("alert-chart-minutes")).toBeNull(); // not "no longer kept": too early
  await screen.findByTestId("alert-chart-seconds", undefined, { timeout: 4000 });
  expect(screen.getByTestId("candle-chart").getAttribute("data-marker-time")).toBe(String(ts / 1000));
  expect(asked).toBe(2);
});

it("shows the alert's times in the time zone of the account's settings, as Telegram does", async () => {
  signIn();
  mockFetch({
    "GET /api/v1/settings": json(200, { version: 1, updated_at: null, document: { timezone: "Asia/Tokyo" } }),
    "GET /api/v1/alerts/42": json(200, { ...ALERT, seen: true, read_at: "2026-01-15T12:30:00Z", deliveries: [] }),
    "GET /api/v1/alerts/42/candles": json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "SOL-USDT", interval_s: 60, candles: [] }),
  });
  renderAlert();
  // 12:26:40 UTC is 21:26:40 in Tokyo
  await waitFor(() => expect(screen.getByText("Time").nextElementSibling!.textContent).toBe("15/01/2026, 21:26:40"));
  expect(screen.getByTestId("alert-seen").textContent).toBe("15/01/2026, 21:30:00");
});

const BAND = { ...ALERT, kind: "above_max" as const, direction: "up" as const, symbol: "BTCUSDT", delta_pct: 0.04, wick_pct: 0, volume_usd: null, window_s: 1, price: "65026.1", rule: "max 65000" };
const bandCandles = json(200, { alert_id: 42, exchange: "okx", market: "spot", symbol: "BTCUSDT", interval_s: 60, candles: [{ t: 1_768_479_960_000, o: "64990", h: "65030", l: "64980", c: "65020", v: "3" }] });

it("shows a price-band alert as the edge it crossed, with the price, not as a spike", async () => {
  mockFetch({ "GET /api/v1/alerts/42": json(200, BAND), "GET /api/v1/alerts/42/candles": bandCandles });
  renderAlert();
  const title = await screen.findByTestId("alert-title");
  expect(title.textContent).toBe("🔔 BTCUSDT above your max 65,000 · 65,026.1");
  expect(title.textContent).not.toContain("%");
  expect(screen.getByText("Rule").nextElementSibling!.textContent).toBe("above your max 65,000");
  // a crossing has no wick, volume or window of its own
  expect(screen.queryByText("Wick")).toBeNull();
  expect(screen.queryByText("Window")).toBeNull();
  expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Candles around the crossing");
  expect(screen.queryByTestId("alert-chart-minutes")).toBeNull();
  expect((await screen.findByTestId("candle-chart")).getAttribute("data-markers")).toBe("1");
});

it("words a price-band alert in Russian", async () => {
  mockFetch({ "GET /api/v1/alerts/42": json(200, { ...BAND, kind: "below_min", direction: "down", price: "2999.7", rule: "min 3000" }), "GET /api/v1/alerts/42/candles": bandCandles });
  renderAlert("ru");
  const title = await screen.findByTestId("alert-title");
  expect(title.textContent!.replace(/\s/g, " ")).toBe("🔔 BTCUSDT ниже вашего минимума 3000 · 2999,7");
  expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Свечи вокруг пересечения");
});
