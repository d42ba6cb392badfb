// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, expect, it, vi } from "vitest";
import { LiveContext, type Live } from "../app/live";
import { I18nProvider } from "../i18n";
import { emptyFeed, feedReducer } from "../live/feed";
import { makeAlert } from "../test/alerts";
import { json, mockFetch } from "../test/fetch";
import { SEARCH_DEBOUNCE_MS, SymbolSearch } from "./MarketsPage";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function live(symbols: string[]): Live {
  const alerts = symbols.map((symbol, i) => makeAlert({ id: i + 1, exchange: "okx", market: "spot", symbol, base: symbol.split("-")[0] }));
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

function renderSearch(value: Live) {
  const router = createMemoryRouter([{ path: "/markets", element: <SymbolSearch /> }, { path: "/markets/:feed/:symbol", element: <div>chart page</div> }], { initialEntries: ["/markets"] });
  render(
    <I18nProvider lang="en">
      <LiveContext.Provider value={value}>
        <RouterProvider router={router} />
      </LiveContext.Provider>
    </I18nProvider>,
  );
}

const type = (text: string) => fireEvent.change(screen.getByTestId("symbol-search"), { target: { value: text } });
const options = () => screen.queryAllByRole("option").map((o) => `${o.getAttribute("data-feed")}:${o.getAttribute("data-symbol")}`);

it("never shows a late answer to an earlier query as the answer to the current one", async () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  const pending: Record<string, (reply: ReturnType<typeof json>) => void> = {};
  mockFetch({
    "GET /api/v1/symbols": (call) => new Promise((resolve) => (pending[call.query.q!] = resolve)),
  });
  renderSearch(live([]));
  type("et");
  await act(() => vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS));
  type("eth");
  expect(screen.getByTestId("symbol-results").getAttribute("aria-busy")).toBe("true");
  await act(() => vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS));
  // the answer to "et" arrives after "eth" was asked: dropped
  await act(async () => pending.et!(json(200, [{ exchange: "binance", market: "spot", symbol: "WETUSDT", base: "WET", quote: "USDT", last_candle_ms: 1 }])));
  expect(options()).toEqual([]);
  expect(screen.getByTestId("symbol-results").getAttribute("data-query")).toBe("");
  await act(async () => pending.eth!(json(200, [{ exchange: "binance", market: "futures", symbol: "ETHUSDT", base: "ETH", quote: "USDT", last_candle_ms: 1 }])));
  expect(screen.getByTestId("symbol-results").getAttribute("data-query")).toBe("eth");
  expect(options()).toEqual(["binance_futures:ETHUSDT"]);
});

it("also finds symbols of the live feed that have no stored history yet, and opens their chart", async () => {
  mockFetch({ "GET /api/v1/symbols": json(200, []) });
  renderSearch(live(["SOL-USDT", "DOGE-USDT"]));
  type("sol");
  await vi.waitFor(() => expect(screen.getByTestId("symbol-results").getAttribute("data-query")).toBe("sol"));
  expect(options()).toEqual(["okx_spot:SOL-USDT"]);
  fireEvent.click(screen.getByRole("option"));
  await screen.findByText("chart page");
});

it("says when nothing matches", async () => {
  mockFetch({ "GET /api/v1/symbols": json(200, []) });
  renderSearch(live(["SOL-USDT"]));
  type("zzz");
  expect((await screen.findByText("Nothing found")).closest("[data-query]")!.getAttribute("data-query")).toBe("zzz");
});
