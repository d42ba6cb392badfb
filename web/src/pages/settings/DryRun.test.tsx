// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import type { DryRunResult } from "../../api/contract";
import { I18nProvider } from "../../i18n";
import { defaultSettings, type SettingsDoc } from "../../lib/settingsDoc";
import { json, mockFetch } from "../../test/fetch";
import { DryRun } from "./DryRun";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const ANSWER: DryRunResult = {
  hours: 24,
  from_ms: 1_768_400_000_000,
  to_ms: 1_768_486_400_000,
  floor_pct: 1,
  alerts: 12,
  folded: 3,
  by_market: [
    { exchange: "okx", market: "spot", alerts: 2 },
    { exchange: "binance", market: "futures", alerts: 10 },
    { exchange: "bybit", market: "spot", alerts: 0 },
  ],
  sample: [
    { ts_ms: 1_768_480_000_000, exchange: "binance", market: "futures", symbol: "SOLUSDT", direction: "up", delta_pct: 4.27, wick_pct: 61.5, volume_usd: 1834000, price: 142.57, rule: "majors" },
    { ts_ms: 1_768_480_600_000, exchange: "okx", market: "spot", symbol: "DOGE-USDT", direction: "down", delta_pct: 2.5, wick_pct: 12, volume_usd: null, price: 0.1234, rule: "*" },
  ],
  truncated: true,
};

function draft(minDelta: number): SettingsDoc {
  const doc = defaultSettings();
  return { ...doc, thresholds: doc.thresholds!.map((g) => ({ ...g, min_delta_pct: minDelta })) };
}

function renderDryRun(doc: SettingsDoc) {
  return render(
    <I18nProvider lang="en">
      <DryRun doc={doc} />
    </I18nProvider>,
  );
}

it("sends the unsaved draft and shows the count, markets, examples and the floor", async () => {
  const net = mockFetch({ "POST /api/v1/settings/dry-run": json(200, ANSWER) });
  const doc = draft(0.5);
  const view = renderDryRun(doc);
  fireEvent.click(screen.getByTestId("dry-run"));
  expect((await screen.findByTestId("dry-run-count")).textContent).toBe("12 alerts in the last 24 h");
  expect(net.sent("POST", "/api/v1/settings/dry-run").map((c) => c.body)).toEqual([{ settings: doc, hours: 24 }]);
  expect(screen.getByText(/3 more folded/)).toBeTruthy();
  // markets with alerts, most first
  const markets = [...screen.getByTestId("dry-run-markets").querySelectorAll("tr")].map((r) => r.textContent);
  expect(markets).toEqual(["BN-F10", "OKX-S2"]);
  const sample = screen.getByTestId("dry-run-sample").querySelectorAll("tr");
  expect(sample).toHaveLength(2);
  expect(sample[0]!.textContent).toContain("SOLUSDT");
  expect(sample[0]!.textContent).toContain("+4.27%");
  expect(sample[1]!.textContent).toContain("DOGE-USDT");
  expect(screen.getByText("Showing the first 2 examples.")).toBeTruthy();
  // every threshold group asks for 0.5 % but only spikes of 1 % and more were kept
  expect(screen.getByTestId("dry-run-floor").textContent).toMatch(/at least 1(\.00)?%/);
  // a later edit makes the answer stale until it is run again
  view.rerender(
    <I18nProvider lang="en">
      <DryRun doc={draft(2)} />
    </I18nProvider>,
  );
  expect(screen.getByText(/The settings changed since this check/)).toBeTruthy();
  expect(screen.queryByTestId("dry-run-floor")).toBeNull();
});

it("shows no floor note when the thresholds are above it", async () => {
  mockFetch({ "POST /api/v1/settings/dry-run": json(200, { ...ANSWER, alerts: 1, folded: 0, truncated: false, sample: ANSWER.sample.slice(0, 1) }) });
  renderDryRun(draft(3));
  fireEvent.click(screen.getByTestId("dry-run"));
  expect((await screen.findByTestId("dry-run-count")).textContent).toBe("1 alert in the last 24 h");
  expect(screen.queryByTestId("dry-run-floor")).toBeNull();
  expect(screen.queryByText(/folded/)).toBeNull();
  expect(screen.queryByText(/Showing the first/)).toBeNull();
});

it("names the fields of a refused draft", async () => {
  mockFetch({
    "POST /api/v1/settings/dry-run": json(422, { error: { code: "validation_error", message: "invalid input", details: [{ field: "body.settings.thresholds.0.min_delta_pct", reason: "must be greater than 0" }] } }),
  });
  renderDryRun(draft(3));
  fireEvent.click(screen.getByTestId("dry-run"));
  expect((await screen.findByTestId("dry-run-error")).textContent).toBe("These settings are not valid yet: thresholds.0.min_delta_pct: must be greater than 0");
  expect(screen.queryByTestId("dry-run-result")).toBeNull();
});

it("says when the server has no dry run", async () => {
  mockFetch({});
  renderDryRun(draft(3));
  fireEvent.click(screen.getByTestId("dry-run"));
  expect((await screen.findByTestId("dry-run-error")).textContent).toBe("The dry run is not available on this server yet.");
});
