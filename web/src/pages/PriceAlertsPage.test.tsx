// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { CandlePublic, PriceAlertPublic } from "../api/contract";
import { I18nProvider } from "../i18n";
import en from "../i18n/locales/en.json";
import { json, mockFetch, type Call } from "../test/fetch";
import { signIn } from "../test/session";
import PriceAlertsPage from "./PriceAlertsPage";

// the canvas chart needs a real browser: record what it is given instead
vi.mock("../components/CandleChart", () => ({
  CandleChart: (p: { bars: { time: number; close: number }[]; line?: { time: number; value: number }[] }) => (
    <div data-testid="candle-chart" data-bars={JSON.stringify(p.bars.map((b) => [b.time, b.close]))} data-line={JSON.stringify((p.line ?? []).map((l) => [l.time, l.value]))} />
  ),
}));

const NOW = Date.parse("2026-01-15T12:00:00Z");
const MIN = 60_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  vi.setSystemTime(NOW);
  signIn();
});
afterEach(() => {
  cleanup();
  api.clearSession();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function priceAlert(patch: Partial<PriceAlertPublic> = {}): PriceAlertPublic {
  return {
    id: 7,
    coin: "BTC",
    symbol: "BTCUSDT",
    exchange: "binance",
    market: "spot",
    min_price: "90000",
    max_price: "110000",
    hysteresis_pct: 0.5,
    is_enabled: true,
    state: "inside",
    current_price: "100000",
    current_price_ms: NOW,
    last_triggered_at: null,
    deleted_at: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...patch,
  } as PriceAlertPublic;
}

/** `n` candles of `tf` minutes ending now, newest first (as the server pages them), closes 1…n oldest first. */
function candles(n: number, tfMin: number): CandlePublic[] {
  const start = NOW - n * tfMin * MIN;
  return Array.from({ length: n }, (_, i) => ({ t: start + i * tfMin * MIN, o: String(i + 1), h: String(i + 1), l: String(i + 1), c: String(i + 1), v: "1" })).reverse();
}

const TF_MIN: Record<string, number> = { "1m": 1, "5m": 5, "15m": 15, "1h": 60, "4h": 240, "1d": 1440 };

function server() {
  let stored = priceAlert();
  const net = mockFetch({
    "GET /api/v1/price-alerts": () => json(200, { items: [stored], total: 1, limit: 50, offset: 0 }),
    "PATCH /api/v1/price-alerts/7": (call) => {
      const body = call.body as Partial<PriceAlertPublic>;
      stored = { ...stored, ...body, max_price: String(body.max_price), min_price: body.min_price === null ? null : String(body.min_price) };
      return json(200, stored);
    },
    "GET /api/v1/price-alerts/7/history": (call) => {
      if (!call.query.tf) return json(200, { exchange: "binance", market: "spot", symbol: "BTCUSDT", candles: candles(120, 1), next_cursor: null }); // the row's sparkline
      const tf = TF_MIN[call.query.tf]!;
      // two pages: the newest 30, then 10 older ones
      const all = candles(40, tf);
      return call.query.cursor === "older"
        ? json(200, { exchange: "binance", market: "spot", symbol: "BTCUSDT", candles: all.slice(30), next_cursor: null })
        : json(200, { exchange: "binance", market: "spot", symbol: "BTCUSDT", candles: all.slice(0, 30), next_cursor: "older" });
    },
    "GET /api/v1/price-alerts/7/history.csv": () => ({ status: 200, text: "time_utc,ts_ms,open\n", headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="binance-spot-BTCUSDT-1h.csv"' } }),
  });
  const history = () => net.calls.filter((c: Call) => c.path === "/api/v1/price-alerts/7/history" && c.query.tf);
  return { net, history };
}

async function renderPage() {
  render(
    <I18nProvider lang="en">
      <PriceAlertsPage />
    </I18nProvider>,
  );
  await act(() => vi.advanceTimersByTimeAsync(0));
}

const settle = () => act(() => vi.advanceTimersByTimeAsync(0));
const chart = () => screen.getByTestId("candle-chart");
const bars = () => JSON.parse(chart().getAttribute("data-bars")!) as [number, number][];
const line = () => JSON.parse(chart().getAttribute("data-line")!) as [number, number][];

async function openHistory() {
  fireEvent.click(within(screen.getByTestId("price-alerts")).getByText("BTC"));
  await settle();
}

it("opens a row's history: 5-minute candles of the last day from the server, all pages, oldest first", async () => {
  const s = server();
  await renderPage();
  await openHistory();
  expect(s.history().map((c) => [c.query.tf, c.query.from_ms, c.query.cursor ?? null])).toEqual([
    ["5m", String(NOW - 24 * 3_600_000), null],
    ["5m", String(NOW - 24 * 3_600_000), "older"],
  ]);
  expect(bars()).toHaveLength(40);
  expect(bars()[0]).toEqual([(NOW - 40 * 5 * MIN) / 1000, 1]);
  expect(bars()[39]![1]).toBe(40);
});

it("switching the timeframe asks the server for that timeframe over its range", async () => {
  const s = server();
  await renderPage();
  await openHistory();
  fireEvent.click(screen.getByTestId("tf-1h"));
  await settle();
  expect(s.history().slice(-2).map((c) => [c.query.tf, c.query.from_ms])).toEqual([
    ["1h", String(NOW - 7 * 24 * 3_600_000)],
    ["1h", String(NOW - 7 * 24 * 3_600_000)],
  ]);
  expect(screen.getByTestId("tf-1h").getAttribute("aria-pressed")).toBe("true");
  expect(bars()[1]![0] - bars()[0]![0]).toBe(3600);
  fireEvent.click(screen.getByTestId("tf-1d"));
  await settle();
  expect(s.history().at(-1)!.query.tf).toBe("1d");
  expect(bars()[1]![0] - bars()[0]![0]).toBe(86_400);
});

it("draws the moving average of the closes over the chosen period", async () => {
  server();
  await renderPage();
  await openHistory();
  // 20 by default: none for the first 19 bars, then the mean of the last 20 closes
  expect(line()).toHaveLength(40 - 19);
  expect(line()[0]).toEqual([bars()[19]![0], (1 + 20) / 2]);
  fireEvent.change(screen.getByTestId("price-ma"), { target: { value: "3" } });
  expect(line()).toHaveLength(38);
  expect(line()[0]).toEqual([bars()[2]![0], 2]);
  expect(line().at(-1)![1]).toBe(39);
});

it("exports the shown candles as CSV with the server's file name", async () => {
  const s = server();
  const saved: { href: string; download: string }[] = [];
  const blobs: Blob[] = [];
  vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: (b: Blob) => (blobs.push(b), "blob:csv-1"), revokeObjectURL: () => undefined }));
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ href: this.getAttribute("href")!, download: this.download });
  });
  await renderPage();
  await openHistory();
  fireEvent.click(screen.getByTestId("tf-1h"));
  await settle();
  fireEvent.click(screen.getByTestId("price-csv"));
  await settle();
  const call = s.net.fn.mock.calls.find(([url]) => String(url).includes("history.csv"))!;
  const url = new URL(String(call[0]), "http://localhost");
  expect(Object.fromEntries(url.searchParams)).toEqual({ tf: "1h", from_ms: String(NOW - 7 * 24 * 3_600_000) });
  const headers = call[1]!.headers as Record<string, string>;
  expect(headers.Accept).toBe("text/csv");
  expect(headers.Authorization).toBe("Bearer test-access");
  expect(saved).toEqual([{ href: "blob:csv-1", download: "binance-spot-BTCUSDT-1h.csv" }]);
  expect(await blobs[0]!.text()).toBe("time_utc,ts_ms,open\n");
});

it("edits a price alert: the form holds the current band, the change is sent and the list shows it", async () => {
  const s = server();
  await renderPage();
  const table = screen.getByTestId("price-alerts");
  fireEvent.click(within(table).getByText("Edit"));
  const form = screen.getByTestId("price-alert-form");
  const field = (name: string) => form.querySelector(`input[name=${name}]`) as HTMLInputElement;
  expect([field("coin").value, field("min").value, field("max").value]).toEqual(["BTC", "90000", "110000"]);
  expect((form.querySelector("select") as HTMLSelectElement).value).toBe("binance_spot");
  fireEvent.change(field("max"), { target: { value: "120000,5" } }); // a decimal comma is taken
  fireEvent.change(field("min"), { target: { value: "" } });
  fireEvent.change(form.querySelector("select")!, { target: { value: "okx_futures" } });
  fireEvent.submit(form);
  await settle();
  expect(s.net.sent("PATCH", "/api/v1/price-alerts/7").map((c) => c.body)).toEqual([{ coin: "BTC", exchange: "okx", market: "futures", min_price: null, max_price: "120000.5" }]);
  expect(screen.queryByTestId("price-alert-form")).toBeNull();
  expect(within(screen.getByTestId("price-alerts")).getByText("120,000.5")).toBeTruthy();
});

it("refuses a band whose min is not below its max without asking the server", async () => {
  const s = server();
  await renderPage();
  fireEvent.click(within(screen.getByTestId("price-alerts")).getByText("Edit"));
  const form = screen.getByTestId("price-alert-form");
  fireEvent.change(form.querySelector("input[name=min]")!, { target: { value: "120000" } });
  fireEvent.submit(form);
  await settle();
  expect(s.net.sent("PATCH", "/api/v1/price-alerts/7")).toEqual([]);
  expect(form.querySelector(".form-error")!.textContent).toBe(en.price.minBelowMax);
});

/** A list of alerts answered page by page (`limit`/`offset`, oldest first), as api/pagination.py does. */
function paged(all: PriceAlertPublic[], routes: Parameters<typeof mockFetch>[0] = {}) {
  return mockFetch({
    "GET /api/v1/price-alerts": (call) => {
      const limit = Math.min(Number(call.query.limit ?? 50), 200);
      const offset = Number(call.query.offset ?? 0);
      const shown = call.query.include_deleted === "true" ? all : all.filter((p) => !p.deleted_at);
      return json(200, { items: shown.slice(offset, offset + limit), total: shown.length, limit, offset });
    },
    "GET /api/v1/price-alerts/7/history": json(200, { exchange: "binance", market: "spot", symbol: "BTCUSDT", candles: [], next_cursor: null }),
    "GET /api/v1/price-alerts/8/history": json(200, { exchange: "okx", market: "futures", symbol: "ETH-USDT-SWAP", candles: [], next_cursor: null }),
    ...routes,
  });
}

const formField = (name: string) => screen.getByTestId("price-alert-form").querySelector(`input[name=${name}]`) as HTMLInputElement;
const formValues = () => [formField("coin").value, (screen.getByTestId("price-alert-form").querySelector("select") as HTMLSelectElement).value, formField("min").value, formField("max").value];
const rowOf = (coin: string) => within(screen.getByTestId("price-alerts")).getByText(coin).closest("tr") as HTMLElement;

it("switching the edited alert shows the other alert's values, and Save changes that one with them", async () => {
  const eth = priceAlert({ id: 8, coin: "ETH", symbol: "ETH-USDT-SWAP", exchange: "okx", market: "futures", min_price: "3000", max_price: "4000" });
  const net = paged([priceAlert(), eth], {
    "PATCH /api/v1/price-alerts/8": (call) => json(200, { ...eth, ...(call.body as object) }),
  });
  await renderPage();
  fireEvent.click(within(rowOf("BTC")).getByText("Edit"));
  expect(formValues()).toEqual(["BTC", "binance_spot", "90000", "110000"]);
  fireEvent.click(within(rowOf("ETH")).getByText("Edit"));
  expect(formValues()).toEqual(["ETH", "okx_futures", "3000", "4000"]);
  fireEvent.change(formField("max"), { target: { value: "4500" } });
  fireEvent.submit(screen.getByTestId("price-alert-form"));
  await settle();
  expect(net.sent("PATCH", "/api/v1/price-alerts/7")).toEqual([]);
  expect(net.sent("PATCH", "/api/v1/price-alerts/8").map((c) => c.body)).toEqual([{ coin: "ETH", exchange: "okx", market: "futures", min_price: "3000", max_price: "4500" }]);
});

it("'+ Add' while editing opens an empty form that creates a new alert", async () => {
  const net = paged([priceAlert()], {
    "POST /api/v1/price-alerts": (call) => json(201, priceAlert({ id: 9, ...(call.body as object) })),
  });
  await renderPage();
  fireEvent.click(within(rowOf("BTC")).getByText("Edit"));
  fireEvent.click(screen.getByTestId("add-price-alert"));
  expect(formValues()).toEqual(["", "binance_spot", "", ""]);
  fireEvent.change(formField("coin"), { target: { value: "sol" } });
  fireEvent.change(formField("max"), { target: { value: "300" } });
  fireEvent.submit(screen.getByTestId("price-alert-form"));
  await settle();
  expect(net.sent("PATCH", "/api/v1/price-alerts/7")).toEqual([]);
  expect(net.sent("POST", "/api/v1/price-alerts").map((c) => c.body)).toEqual([{ coin: "SOL", exchange: "binance", market: "spot", min_price: null, max_price: "300" }]);
});

it("shows the server's reasons of a refused alert next to the fields they name", async () => {
  paged([priceAlert()], {
    "POST /api/v1/price-alerts": json(422, {
      error: {
        code: "validation_error",
        message: "invalid input",
        details: [
          { field: "body.coin", reason: "NOSUCHCOIN: no NOSUCHCOINUSDT on binance spot (search the symbol in the markets and give it as symbol)" },
          { field: "body.max_price", reason: "Input should be less than or equal to 1E+15" },
        ],
      },
    }),
  });
  await renderPage();
  fireEvent.click(screen.getByTestId("add-price-alert"));
  fireEvent.change(formField("coin"), { target: { value: "nosuchcoin" } });
  fireEvent.change(formField("max"), { target: { value: "1e16" } });
  fireEvent.submit(screen.getByTestId("price-alert-form"));
  await settle();
  const form = screen.getByTestId("price-alert-form");
  expect(formField("coin").closest("label")!.querySelector(".field-error")!.textContent).toBe("NOSUCHCOIN: no NOSUCHCOINUSDT on binance spot (search the symbol in the markets and give it as symbol)");
  expect(formField("max").closest("label")!.querySelector(".field-error")!.textContent).toBe("Input should be less than or equal to 1E+15");
  expect(form.textContent).not.toContain("invalid input");
});

it("shows a reason about a field the form has no box for in the form", async () => {
  paged([priceAlert()], {
    "PATCH /api/v1/price-alerts/7": json(422, { error: { code: "validation_error", message: "invalid input", details: [{ field: "body.symbol", reason: "no USDT pair of XYZ on okx spot; give the symbol" }] } }),
  });
  await renderPage();
  fireEvent.click(within(rowOf("BTC")).getByText("Edit"));
  fireEvent.submit(screen.getByTestId("price-alert-form"));
  await settle();
  expect(screen.getByTestId("price-alert-form").querySelector(".form-error")!.textContent).toBe("no USDT pair of XYZ on okx spot; give the symbol");
});

it("lists every alert, following the pages of the list until the total", async () => {
  const all = Array.from({ length: 230 }, (_, i) => priceAlert({ id: 1000 + i, coin: `C${i}`, deleted_at: i >= 100 ? "2026-01-02T00:00:00Z" : null }));
  const net = paged(all);
  await renderPage();
  expect(screen.getByTestId("price-alerts").querySelectorAll("tbody tr")).toHaveLength(100);
  fireEvent.click(screen.getByTestId("show-deleted"));
  await settle();
  expect(screen.getByTestId("price-alerts").querySelectorAll("tbody tr")).toHaveLength(230);
  expect(within(screen.getByTestId("price-alerts")).getByText("C229")).toBeTruthy();
  const lists = net.sent("GET", "/api/v1/price-alerts");
  expect(lists.every((c) => c.query.limit !== undefined && c.query.offset !== undefined)).toBe(true);
});
