// @vitest-environment jsdom
// Saving the settings document: what the server refuses is shown, wherever it is about.
import { fireEvent, screen } from "@testing-library/react";
import { expect, it } from "vitest";
import en from "../i18n/locales/en.json";
import { defaultSettings, type SettingsDoc } from "../lib/settingsDoc";
import { json, mockFetch } from "../test/fetch";
import { settle, signedInOnFakeTimers } from "../test/session";
import { renderSettings } from "../test/settingsPage";

signedInOnFakeTimers();


function server(put: Parameters<typeof mockFetch>[0][string] = (call) => json(200, { version: 4, updated_at: "2026-01-15T12:01:00Z", document: call.body }), document = defaultSettings()) {
  return mockFetch({
    "GET /api/v1/settings": json(200, { version: 3, updated_at: "2026-01-15T12:00:00Z", document }),
    "PUT /api/v1/settings": put,
    "GET /api/v1/channels": json(200, []),
  });
}

const refused = (...details: { field: string; reason: string }[]) => json(422, { error: { code: "validation_error", message: "invalid input", details } });


/** Change something (so Save is enabled) and save. */
async function editAndSave() {
  fireEvent.click(screen.getByTestId("settings-enabled"));
  fireEvent.click(screen.getByTestId("save-settings"));
  await settle();
}

const saveMessage = () => screen.getByTestId("save-message");

it("shows a reason about the whole document in the save bar", async () => {
  const reason = "Value error, strategies[0] has the name of a threshold rule ('Dumps'): the two alerts of one spike would be taken for one; rename either";
  server(refused({ field: "body", reason }));
  await renderSettings();
  await editAndSave();
  expect(saveMessage().getAttribute("data-kind")).toBe("error");
  expect(saveMessage().textContent).toBe(`Not saved: ${reason}`);
});

it("shows a reason no field shows in the save bar, and points to the marked fields for the others", async () => {
  server(refused({ field: "body.overrides", reason: "overrides[1] duplicates overrides[0] (BTC)" }, { field: "body.cooldown_s", reason: "Input should be less than or equal to 86400" }));
  await renderSettings();
  await editAndSave();
  expect(saveMessage().textContent).toBe(`Not saved: overrides[1] duplicates overrides[0] (BTC) ${en.settings.invalid}`);
  expect(screen.getByText("Input should be less than or equal to 86400")).toBeTruthy();
});

it("only points to the marked fields when every reason has its place", async () => {
  server(refused({ field: "body.timezone", reason: "unknown time zone" }));
  await renderSettings();
  await editAndSave();
  expect(saveMessage().textContent).toBe(en.settings.invalid);
  expect(screen.getByText("unknown time zone")).toBeTruthy();
});

it("saves the general cooldown as whole seconds, a decimal comma taken", async () => {
  const net = server();
  await renderSettings();
  const box = screen.getByText(en.settings.cooldown).querySelector("input") as HTMLInputElement;
  fireEvent.change(box, { target: { value: "1,5" } });
  expect(box.value).toBe("1,5"); // as typed, while typing
  fireEvent.blur(box);
  expect(box.value).toBe("2");
  fireEvent.click(screen.getByTestId("save-settings"));
  await settle();
  expect((net.sent("PUT", "/api/v1/settings")[0]!.body as SettingsDoc).cooldown_s).toBe(2);
});

it("lets the quote of a threshold group be cleared and retyped; empty means any quote", async () => {
  const net = server();
  await renderSettings();
  const quote = () => screen.getByTestId("thresholds-table").querySelector("input.quote") as HTMLInputElement;
  expect(quote().value).toBe("*");
  fireEvent.change(quote(), { target: { value: "" } });
  expect(quote().value).toBe("");
  fireEvent.change(quote(), { target: { value: "usdt" } });
  expect(quote().value).toBe("USDT");
  fireEvent.change(quote(), { target: { value: "" } });
  fireEvent.blur(quote());
  expect(quote().value).toBe("*");
  fireEvent.change(quote(), { target: { value: "usdc" } });
  fireEvent.click(screen.getByTestId("save-settings"));
  await settle();
  expect((net.sent("PUT", "/api/v1/settings")[0]!.body as SettingsDoc).thresholds![0]!.quote).toBe("USDC");
});

it("saves a cleared quote as any quote", async () => {
  const doc = defaultSettings();
  doc.thresholds = [{ ...doc.thresholds![0]!, quote: "USDT" }];
  const net = server(undefined, doc);
  await renderSettings();
  const quote = screen.getByTestId("thresholds-table").querySelector("input.quote") as HTMLInputElement;
  expect(quote.value).toBe("USDT");
  fireEvent.change(quote, { target: { value: "" } });
  expect(quote.value).toBe("");
  fireEvent.click(screen.getByTestId("save-settings"));
  await settle();
  expect((net.sent("PUT", "/api/v1/settings")[0]!.body as SettingsDoc).thresholds![0]!.quote).toBe("*");
});
