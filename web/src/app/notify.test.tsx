// @vitest-environment jsdom
// Sound and desktop notifications: the browser's Notification and AudioContext are stubbed (jsdom
// has neither); the toggles run through the real Live page and provider.
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "../api/client";
import { routes } from "../App";
import { I18nProvider, type Lang } from "../i18n";
import { makeAlert } from "../test/alerts";
import { json, mockFetch } from "../test/fetch";
import { signIn } from "../test/session";
import { AuthProvider } from "./auth";
import { LiveProvider } from "./live";
import { loadNotifyPrefs, notificationTitle, notifyAlert, saveNotifyPrefs } from "./notify";

// a server without a live stream, so the provider does not dial one
vi.hoisted(() => {
  const el = document.createElement("script");
  el.id = "ww-routes";
  el.textContent = JSON.stringify(["/api/v1/alerts", "/api/v1/alerts/read-all", "/api/v1/alerts/{alert_id}/read"]);
  document.head.appendChild(el);
});

/** window.Notification as the page sees it: records what was shown and permission requests. */
class FakeNotification {
  static permission: NotificationPermission = "default";
  static answer: NotificationPermission = "granted";
  static shown: FakeNotification[] = [];
  static requests = 0;
  static async requestPermission(): Promise<NotificationPermission> {
    FakeNotification.requests++;
    FakeNotification.permission = FakeNotification.answer;
    return FakeNotification.answer;
  }
  onclick: (() => void) | null = null;
  constructor(
    readonly title: string,
    readonly options: NotificationOptions,
  ) {
    FakeNotification.shown.push(this);
  }
}

/** AudioContext: counts the blips (oscillators started) and their first pitch. */
class FakeAudio {
  static blips: number[] = [];
  currentTime = 0;
  destination = {};
  createOscillator() {
    const osc = {
      type: "",
      frequency: { setValueAtTime: (hz: number, t: number) => t === 0 && FakeAudio.blips.push(hz) },
      connect: (node: unknown) => node,
      start: () => undefined,
      stop: () => undefined,
    };
    return osc;
  }
  createGain() {
    return { gain: { setValueAtTime: () => undefined, exponentialRampToValueAtTime: () => undefined }, connect: (node: unknown) => node };
  }
}

let hidden = false;
beforeEach(() => {
  FakeNotification.permission = "default";
  FakeNotification.answer = "granted";
  FakeNotification.shown = [];
  FakeNotification.requests = 0;
  FakeAudio.blips = [];
  hidden = false;
  vi.stubGlobal("Notification", FakeNotification);
  vi.stubGlobal("AudioContext", FakeAudio);
  vi.spyOn(document, "hidden", "get").mockImplementation(() => hidden);
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  localStorage.clear();
});
afterEach(() => {
  cleanup();
  api.clearSession();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const spike = makeAlert({ id: 1, symbol: "PEPEUSDT", direction: "down", delta_pct: 3.5, exchange: "bybit", market: "spot", rule: "group bybit/spot/*" });

describe("notifyAlert", () => {
  it("shows a desktop notification only while the tab is hidden, titled in the UI language", () => {
    FakeNotification.permission = "granted";
    notifyAlert(spike, { sound: false, desktop: true }, "ru-RU");
    expect(FakeNotification.shown).toHaveLength(0); // the trader is looking at the feed

    hidden = true;
    notifyAlert(spike, { sound: false, desktop: true }, "ru-RU");
    expect(FakeNotification.shown.map((n) => [n.title, n.options.body, n.options.tag])).toEqual([["PEPEUSDT −3,50%", "BB-S · group bybit/spot/*", "wickwatch-PEPEUSDT"]]);
    notifyAlert(spike, { sound: false, desktop: true }, "en-GB");
    expect(FakeNotification.shown[1]!.title).toBe("PEPEUSDT −3.50%");
  });

  it("shows nothing without permission or with desktop notifications off", () => {
    hidden = true;
    notifyAlert(spike, { sound: false, desktop: true }, "en-GB"); // permission "default"
    FakeNotification.permission = "denied";
    notifyAlert(spike, { sound: false, desktop: true }, "en-GB");
    FakeNotification.permission = "granted";
    notifyAlert(spike, { sound: false, desktop: false }, "en-GB");
    expect(FakeNotification.shown).toHaveLength(0);
  });

  it("names the strategy, and the crossed price of a price alert", () => {
    // Russian groups thousands with a no-break space
    expect(notificationTitle(makeAlert({ symbol: "BTCUSDT", kind: "above_max", price: "110500.5" }), "ru-RU").replace(/\s/g, " ")).toBe("BTCUSDT ↑ 110 500,5");
    FakeNotification.permission = "granted";
    hidden = true;
    notifyAlert({ ...spike, strategy: "Dumps" }, { sound: false, desktop: true }, "en-GB");
    expect(FakeNotification.shown[0]!.options.body).toBe("BB-S · Dumps");
  });

  it("plays a blip per alert when sound is on, higher for up moves, at most one per 250 ms", () => {
    notifyAlert(spike, { sound: false, desktop: false }, "en-GB");
    expect(FakeAudio.blips).toEqual([]);
    vi.advanceTimersByTime(1000);
    notifyAlert(makeAlert({ direction: "up" }), { sound: true, desktop: false }, "en-GB");
    notifyAlert(spike, { sound: true, desktop: false }, "en-GB"); // in the same burst: one blip
    vi.advanceTimersByTime(300);
    notifyAlert(spike, { sound: true, desktop: false }, "en-GB");
    expect(FakeAudio.blips).toEqual([880, 523]);
  });
});

describe("preferences", () => {
  it("are kept per browser; junk in storage means both off", () => {
    expect(loadNotifyPrefs()).toEqual({ sound: false, desktop: false });
    saveNotifyPrefs({ sound: true, desktop: false });
    expect(loadNotifyPrefs()).toEqual({ sound: true, desktop: false });
    localStorage.setItem("wickwatch.notify", "{oops");
    expect(loadNotifyPrefs()).toEqual({ sound: false, desktop: false });
  });
});

describe("the Live page's toggles", () => {
  async function renderLive(lang: Lang = "en") {
    signIn();
    mockFetch({ "GET /api/v1/alerts": json(200, { items: [], next_cursor: null, limit: 500 }) });
    render(
      <I18nProvider lang={lang}>
        <AuthProvider>
          <LiveProvider>
            <RouterProvider router={createMemoryRouter(routes, { initialEntries: ["/live"] })} />
          </LiveProvider>
        </AuthProvider>
      </I18nProvider>,
    );
    await act(() => vi.advanceTimersByTimeAsync(0));
    return {
      sound: () => screen.getByRole("checkbox", { name: "Sound" }) as HTMLInputElement,
      desktop: () => screen.getByRole("checkbox", { name: "Desktop notifications" }) as HTMLInputElement,
    };
  }

  it("asks for permission before turning desktop notifications on, and remembers the choice", async () => {
    const page = await renderLive();
    expect(page.desktop().checked).toBe(false);
    fireEvent.click(page.desktop());
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(FakeNotification.requests).toBe(1);
    expect(page.desktop().checked).toBe(true);
    expect(loadNotifyPrefs()).toEqual({ sound: false, desktop: true });
    // off again: no question
    fireEvent.click(page.desktop());
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(FakeNotification.requests).toBe(1);
    expect(loadNotifyPrefs().desktop).toBe(false);
  });

  it("stays off when the browser refuses", async () => {
    FakeNotification.answer = "denied";
    const page = await renderLive();
    fireEvent.click(page.desktop());
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(FakeNotification.requests).toBe(1);
    expect(page.desktop().checked).toBe(false);
    expect(loadNotifyPrefs().desktop).toBe(false);
  });

  it("turns sound on and off, and a reload finds it as it was left", async () => {
    const page = await renderLive();
    fireEvent.click(page.sound());
    expect(page.sound().checked).toBe(true);
    expect(loadNotifyPrefs()).toEqual({ sound: true, desktop: false });
    cleanup();
    const again = await renderLive();
    expect(again.sound().checked).toBe(true);
    expect(again.desktop().checked).toBe(false);
  });
});
