// @vitest-environment jsdom
// A strategy's "symbols" condition inside the real settings page: the field always shows the
// document's list (after Discard, after a row above is removed), never writes another row's text
// into a condition, and names the words it cannot take instead of dropping them.
import { fireEvent, screen, within } from "@testing-library/react";
import { expect, it } from "vitest";
import { defaultSettings, type Condition, type SettingsDoc, type Strategy } from "../../lib/settingsDoc";
import { json, mockFetch } from "../../test/fetch";
import { settle, signedInOnFakeTimers } from "../../test/session";
import { renderSettings } from "../../test/settingsPage";

signedInOnFakeTimers();


function strategy(name: string, conditions: Condition[]): Strategy {
  return { name, enabled: true, use_global_thresholds: true, window_s: 1, conditions, template: null, destinations: ["browser"], cooldown_s: null, chart: true };
}

async function renderWith(strategies: Strategy[]) {
  const document: SettingsDoc = { ...defaultSettings(), strategies };
  const net = mockFetch({
    "GET /api/v1/settings": json(200, { version: 3, updated_at: "2026-01-15T12:00:00Z", document }),
    "PUT /api/v1/settings": (call) => json(200, { version: 4, updated_at: "2026-01-15T12:01:00Z", document: call.body }),
    "GET /api/v1/channels": json(200, []),
  });
  await renderSettings();
  return net;
}

const symbolsBoxes = () => screen.queryAllByRole("textbox", { name: "Symbols" }) as HTMLInputElement[];
const values = () => symbolsBoxes().map((b) => b.value);

async function saved(net: ReturnType<typeof mockFetch>): Promise<SettingsDoc> {
  fireEvent.click(screen.getByTestId("save-settings"));
  await settle();
  const put = net.sent("PUT", "/api/v1/settings");
  return put[put.length - 1]!.body as SettingsDoc;
}

it("shows the document's symbols again after Discard, and a later blur writes nothing", async () => {
  const net = await renderWith([strategy("Majors", [{ type: "symbols", symbols: ["BTC"] }])]);
  const [box] = symbolsBoxes();
  fireEvent.focus(box!);
  fireEvent.change(box!, { target: { value: "PEPE" } });
  fireEvent.blur(box!);
  fireEvent.click(screen.getByRole("button", { name: "Discard" }));
  expect(values()).toEqual(["BTC"]);

  // the trader clicks into the field and out again, then changes the name and saves
  fireEvent.focus(symbolsBoxes()[0]!);
  fireEvent.blur(symbolsBoxes()[0]!);
  fireEvent.change(screen.getByRole("textbox", { name: "Name" }), { target: { value: "Majors only" } });
  const doc = await saved(net);
  expect(doc.strategies![0]!.conditions).toEqual([{ type: "symbols", symbols: ["BTC"] }]);
});

it("keeps each condition's own symbols when a condition above is removed", async () => {
  const net = await renderWith([
    strategy("Two lists", [
      { type: "symbols", symbols: ["BTC"] },
      { type: "symbols", symbols: ["ETH"] },
    ]),
  ]);
  const [first] = symbolsBoxes();
  fireEvent.focus(first!);
  fireEvent.change(first!, { target: { value: "SOL" } });
  fireEvent.blur(first!);
  expect(values()).toEqual(["SOL", "ETH"]);

  const rows = screen.getAllByTestId("condition");
  fireEvent.click(within(rows[0]!).getByRole("button", { name: "Remove" }));
  expect(values()).toEqual(["ETH"]);
  fireEvent.focus(symbolsBoxes()[0]!);
  fireEvent.blur(symbolsBoxes()[0]!);
  const doc = await saved(net);
  expect(doc.strategies![0]!.conditions).toEqual([{ type: "symbols", symbols: ["ETH"] }]);
});

it("keeps a strategy's symbols in its own card when a strategy above is removed", async () => {
  await renderWith([strategy("First", [{ type: "symbols", symbols: ["BTC"] }]), strategy("Second", [{ type: "symbols", symbols: ["ETH"] }])]);
  fireEvent.change(symbolsBoxes()[0]!, { target: { value: "btc doge" } });
  fireEvent.change(symbolsBoxes()[1]!, { target: { value: "eth, " } });
  const cards = screen.getAllByTestId("strategy");
  fireEvent.click(within(cards[0]!).getAllByRole("button", { name: "Remove" })[0]!); // the card's own button
  expect(screen.getAllByTestId("strategy")).toHaveLength(1);
  expect(values()).toEqual(["eth, "]); // the text as typed: it still means the document's list
});

it("names the words it cannot take instead of dropping them silently, and saves what it took", async () => {
  const net = await renderWith([strategy("Majors", [{ type: "symbols", symbols: ["BTC"] }])]);
  const box = symbolsBoxes()[0]!;
  fireEvent.change(box, { target: { value: "btc, ETH@nowhere eth @x" } });
  expect(box.value).toBe("btc, ETH@nowhere eth @x"); // the text stays as typed
  const row = screen.getByTestId("condition");
  expect(within(row).getByTestId("symbols-ignored").textContent).toBe("Ignored (not a coin or symbol): ETH@nowhere @x");
  expect(box.getAttribute("aria-invalid")).toBe("true");

  const doc = await saved(net); // no blur needed: the field is the document
  expect(doc.strategies![0]!.conditions).toEqual([{ type: "symbols", symbols: ["BTC", "ETH"] }]);
  // the saved document is shown again, and the note goes with the words it was about
  expect(symbolsBoxes()[0]!.value).toBe("BTC, ETH");
  expect(screen.queryByTestId("symbols-ignored")).toBeNull();

  fireEvent.change(symbolsBoxes()[0]!, { target: { value: "BTC, @y" } });
  expect(screen.getByTestId("symbols-ignored").textContent).toBe("Ignored (not a coin or symbol): @y");
  fireEvent.change(symbolsBoxes()[0]!, { target: { value: "BTC" } });
  expect(screen.queryByTestId("symbols-ignored")).toBeNull();
});
