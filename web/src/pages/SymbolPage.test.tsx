// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, expect, it, vi } from "vitest";
import { LiveContext, stream, type Live } from "../app/live";
import { I18nProvider } from "../i18n";
import { emptyFeed } from "../live/feed";
import { json, mockFetch } from "../test/fetch";
import SymbolPage from "./SymbolPage";

// the canvas chart needs a real browser: record what it is given instead
vi.mock("../components/CandleChart", () => ({
  CandleChart: (p: { bars: { time: number; open: number; high: number; low: number; close: number }[]; volume?: { value: number }[]; seconds?: boolean; seriesKey?: string }) => (
    <div
      data-testid="candle-chart"
      data-bars={JSON.stringify(p.bars.map((b) => [b.time, b.open, b.high, b.low, b.close]))}
      data-volume={JSON.stringify((p.volume ?? []).map((v) => v.value))}
      data-seconds={String(p.seconds ?? true)}
      data-series={p.seriesKey}
    />
  ),
}));

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const LIVE: Live = { feed: emptyFeed, streamState: "open", nextRetryAt: null, history: "available", markSeen: vi.fn(), clear: vi.fn(), prefs: { sound: false, desktop: false }, setPrefs: vi.fn() };
const M = 1_768_480_020_000; // a minute's start

/** The page with the stream's candle topic in the test's hands: `push` sends one live candle. */
function renderSymbol() {
  const handlers: ((m: { data: unknown }) => void)[] = [];
  const topics: string[] = [];
  vi.spyOn(stream, "subscribe").mockImplementation((topic, handler) => {
    topics.push(topic);
    handlers.push(handler as (m: { data: unknown }) => void);
    return () => undefined;
  });
  const router = createMemoryRouter([{ path: "/markets/:feed/:symbol", element: <SymbolPage /> }], { initialEntries: ["/markets/binance_futures/BTCUSDT"] });
  render(
    <I18nProvider lang="en">
      <LiveContext.Provider value={LIVE}>
        <RouterProvider router={router} />
      </LiveContext.Provider>
    </I18nProvider>,
  );
  const push = (t: number, o: number, h: number, l: number, c: number, v: number) => act(() => handlers.forEach((send) => send({ data: { t, o, h, l, c, v } })));
  return { topics, push };
}

const bars = () => JSON.parse(screen.getByTestId("candle-chart").getAttribute("data-bars")!) as number[][];

it("continues the 1-minute history with the live seconds folded into minutes, never mixing candle sizes", async () => {
  const history = [0, 1, 2].map((i) => ({ t: M + i * 60_000, o: "100", h: "101", l: "99", c: "100.5", v: "10", qv: "1000", n: 5, complete: true }));
  const api = mockFetch({ "GET /api/v1/candles": json(200, { exchange: "binance", market: "futures", symbol: "BTCUSDT", interval_s: 60, candles: history }) });
  const { topics, push } = renderSymbol();
  await screen.findByTestId("candle-chart");
  expect(topics).toEqual(["candles:binance_futures:BTCUSDT"]);
  expect(api.sent("GET", "/api/v1/candles")[0]!.query).toMatchObject({ exchange: "binance", market: "futures", symbol: "BTCUSDT", tf: "1m" });
  push(M + 180_000, 100.5, 102, 100, 101.5, 1);
  push(M + 181_000, 101.5, 103, 98, 102, 2);
  push(M + 182_000, 102, 102.5, 101, 101, 3);
  // the live seconds are the forming minute, not three bars on the minutes' axis
  expect(bars().map((b) => (b[0]! * 1000 - M) / 60_000)).toEqual([0, 1, 2, 3]);
  expect(bars()[3]).toEqual([(M + 180_000) / 1000, 100.5, 103, 98, 101]);
  expect(JSON.parse(screen.getByTestId("candle-chart").getAttribute("data-volume")!)).toEqual([10, 10, 10, 6]);
  // the next minute starts a new bar
  push(M + 240_000, 101, 101.2, 100.8, 101.1, 4);
  expect(bars().map((b) => (b[0]! * 1000 - M) / 60_000)).toEqual([0, 1, 2, 3, 4]);
  expect(bars()[4]).toEqual([(M + 240_000) / 1000, 101, 101.2, 100.8, 101.1]);
  const chart = screen.getByTestId("candle-chart");
  expect(chart.getAttribute("data-seconds")).toBe("false");
  expect(chart.getAttribute("data-series")).toBe("binance_futures/BTCUSDT/history");
});

it("shows the live 1-second candles alone when the server has no candle history", async () => {
  mockFetch({});
  const { push } = renderSymbol();
  push(M, 100, 101, 99, 100.5, 1);
  push(M + 1000, 100.5, 102, 100, 101.5, 1);
  await screen.findByTestId("candle-chart");
  await screen.findByText(/this server keeps no candle history/);
  expect(bars().map((b) => b[0])).toEqual([M / 1000, M / 1000 + 1]);
  const chart = screen.getByTestId("candle-chart");
  expect(chart.getAttribute("data-seconds")).toBe("true");
  expect(chart.getAttribute("data-series")).toBe("binance_futures/BTCUSDT/live");
});

it("replaces the minute the page opened in, seen only in part, by the stored minute once it has ended", async () => {
  const stored = (i: number, o: string, h: string, l: string, c: string, v: string) => ({ t: M + i * 60_000, o, h, l, c, v, qv: "1000", n: 5, complete: true });
  const history = [0, 1, 2].map((i) => stored(i, "100", "101", "99", "100.5", "10"));
  let answers = 0;
  mockFetch({
    "GET /api/v1/candles": () => {
      answers += 1;
      // the second answer has the minute the live seconds began in, whole
      const candles = answers === 1 ? history : [...history, stored(3, "100.5", "104", "97", "101", "25")];
      return json(200, { exchange: "binance", market: "futures", symbol: "BTCUSDT", interval_s: 60, candles });
    },
  });
  const { push } = renderSymbol();
  await screen.findByTestId("candle-chart");
  // the page opened at 3:50 into minute 3: its live bar has the last seconds only
  push(M + 230_000, 101.5, 102, 100, 101.5, 1);
  push(M + 240_000, 101, 101.2, 100.8, 101.1, 4);
  expect(bars()[3]).toEqual([(M + 180_000) / 1000, 101.5, 102, 100, 101.5]);
  await waitFor(() => expect(bars()[3]).toEqual([(M + 180_000) / 1000, 100.5, 104, 97, 101]), { timeout: 3000 });
  expect(bars()[4]).toEqual([(M + 240_000) / 1000, 101, 101.2, 100.8, 101.1]); // still live
  expect(answers).toBe(2);
});
