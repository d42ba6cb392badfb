// @vitest-environment jsdom
// The strategies editor inside the real settings page: what the trader builds is the document saved.
import { act, cleanup, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { api } from "../../api/client";
import { defaultSettings, type SettingsDoc } from "../../lib/settingsDoc";
import { json, mockFetch } from "../../test/fetch";
import { signIn } from "../../test/session";
import { renderSettings } from "../../test/settingsPage";

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

function server(document: SettingsDoc = defaultSettings()) {
  return mockFetch({
    "GET /api/v1/settings": json(200, { version: 3, updated_at: "2026-01-15T12:00:00Z", document }),
    "PUT /api/v1/settings": (call) => json(200, { version: 4, updated_at: "2026-01-15T12:01:00Z", document: call.body }),
    "GET /api/v1/channels": json(200, []),
  });
}


it("adds a strategy with a series condition, its own template and destinations, and saves it in the document", async () => {
  const net = server();
  await renderSettings();
  fireEvent.click(screen.getByRole("button", { name: "+ Add strategy" }));
  const card = screen.getByTestId("strategy");

  // name, then the first condition turned into a series of 5 spikes within 10 minutes
  fireEvent.change(within(card).getByRole("textbox", { name: "Name" }), { target: { value: "Pump series" } });
  const condition = within(card).getAllByTestId("condition")[0]!;
  fireEvent.change(within(condition).getAllByRole("combobox")[0]!, { target: { value: "series" } }); // the first: the condition's type
  const [count, within_s] = within(condition).getAllByRole("textbox") as HTMLInputElement[];
  fireEvent.change(count!, { target: { value: "5" } });
  fireEvent.change(within_s!, { target: { value: "600" } });
  // and a second condition: volume of at least $250,000
  fireEvent.click(within(card).getByRole("button", { name: "+ Add condition" }));
  const second = within(card).getAllByTestId("condition")[1]!;
  fireEvent.change(within(second).getByRole("combobox"), { target: { value: "volume" } });
  fireEvent.change(within(second).getByRole("textbox"), { target: { value: "250000" } });

  // to Telegram and e-mail instead of the browser
  fireEvent.click(within(card).getByRole("button", { name: "Telegram" }));
  fireEvent.click(within(card).getByRole("button", { name: "E-mail" }));
  fireEvent.click(within(card).getByRole("button", { name: "Browser" }));

  // its own message, previewed with the strategy's name and series
  fireEvent.click(within(card).getByRole("checkbox", { name: "Own message template" }));
  const editor = within(card).getByTestId("strategy-template");
  fireEvent.change(within(editor).getByRole("textbox"), { target: { value: "<b>{strategy}</b>: {symbol} ×{series_count}" } });
  expect(within(editor).getByTestId("template-preview").textContent).toBe("Pump series: SOLUSDT ×5");

  fireEvent.click(screen.getByTestId("save-settings"));
  await settle();
  const put = net.sent("PUT", "/api/v1/settings");
  expect(put).toHaveLength(1);
  const [, init] = net.fn.mock.calls.find(([, i]) => i?.method === "PUT")!;
  expect((init!.headers as Record<string, string>)["If-Match"]).toBe('"v3"');
  const saved = put[0]!.body as SettingsDoc;
  expect(saved.strategies).toEqual([
    {
      name: "Pump series",
      enabled: true,
      use_global_thresholds: true,
      window_s: 1,
      conditions: [
        { type: "series", count: 5, within_s: 600 },
        { type: "volume", min_usd: 250000 },
      ],
      template: "<b>{strategy}</b>: {symbol} ×{series_count}",
      destinations: ["telegram", "email"],
      cooldown_s: null,
      chart: true,
    },
  ]);
  // everything else is the document as it was loaded
  expect({ ...saved, strategies: [] }).toEqual({ ...defaultSettings(), strategies: [] });
  expect(screen.getByTestId("savebar").textContent).toContain("Saved");
});

it("keeps at least one destination and shows the server's reason next to the strategy's template", async () => {
  const net = mockFetch({
    "GET /api/v1/settings": json(200, { version: 1, updated_at: null, document: defaultSettings() }),
    "PUT /api/v1/settings": json(422, { error: { code: "validation_error", message: "invalid input", details: [{ field: "body.strategies.0.template", reason: "not valid Telegram HTML: <b> is never closed" }] } }),
    "GET /api/v1/channels": json(200, []),
  });
  await renderSettings();
  fireEvent.click(screen.getByRole("button", { name: "+ Add strategy" }));
  const card = screen.getByTestId("strategy");
  fireEvent.click(within(card).getByRole("button", { name: "Browser" })); // the only one: stays
  fireEvent.click(within(card).getByRole("checkbox", { name: "Own message template" }));
  fireEvent.click(screen.getByTestId("save-settings"));
  await settle();
  expect((net.sent("PUT", "/api/v1/settings")[0]!.body as SettingsDoc).strategies![0]!.destinations).toEqual(["browser"]);
  expect(within(card).getByText("not valid Telegram HTML: <b> is never closed")).toBeTruthy();
});
