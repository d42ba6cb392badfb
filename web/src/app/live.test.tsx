// @vitest-environment jsdom
// The app's real providers and Live page against a scripted fetch: which alerts the user has seen
// is marked on the server (issue 6, browser delivery state "seen") and the unread counter follows
// what the server says.
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it, onTestFinished, vi } from "vitest";
import { api } from "../api/client";
import type { AlertPublic } from "../api/contract";
import { routes } from "../App";
import { I18nProvider } from "../i18n";
import { SEEN_DELAY_MS, SEEN_RETRY_MS } from "../live/seen";
import { makeAlert } from "../test/alerts";
import { json, mockFetch, type Call } from "../test/fetch";
import { signIn, testUser, tokensFor } from "../test/session";
import { AuthProvider } from "./auth";
import { LiveProvider } from "./live";

// This server's route list (embedded in index.html by the API): alerts and their read state, no
// live stream — the feed then polls GET /alerts every 5 s.
vi.hoisted(() => {
  const el = document.createElement("script");
  el.id = "ww-routes";
  el.type = "application/json";
  el.textContent = JSON.stringify(["/api/v1/alerts", "/api/v1/alerts/read-all", "/api/v1/alerts/{alert_id}/read", "/api/v1/auth/me"]);
  document.head.appendChild(el);
});

// jsdom has no layout: a 600 px feed for the virtualiser
const sizes = { clientHeight: 600, clientWidth: 1200, offsetHeight: 600, offsetWidth: 1200 };
const saved = Object.fromEntries(Object.keys(sizes).map((k) => [k, Object.getOwnPropertyDescriptor(HTMLElement.prototype, k)]));
beforeAll(() => {
  for (const [k, v] of Object.entries(sizes)) Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get: () => v });
});
afterAll(() => {
  for (const [k, d] of Object.entries(saved)) if (d) Object.defineProperty(HTMLElement.prototype, k, d);
});

let focused = true;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  focused = true;
  vi.spyOn(document, "hasFocus").mockImplementation(() => focused);
  signIn();
});
afterEach(() => {
  cleanup();
  api.clearSession();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** A server holding `alerts`: GET /alerts (first page, ?after_id=, ?unread=true) and the read routes;
 * `down` makes GET /alerts answer 503 (the API restarting). */
function server(alerts: AlertPublic[], readAll: (call: Call) => ReturnType<typeof json> = () => json(200, { count: 0 })) {
  const byId = new Map(alerts.map((a) => [a.id, { ...a }]));
  const newestFirst = () => [...byId.values()].sort((a, b) => b.id - a.id);
  const state = { down: false };
  const read = (id: number) => () => {
    byId.get(id)!.seen = true;
    return json(200, byId.get(id));
  };
  const net = mockFetch({
    "GET /api/v1/alerts": (call) => {
      if (state.down) return json(503, { error: { code: "unavailable", message: "database starting", details: null } });
      let items = newestFirst();
      if (call.query.after_id) items = items.filter((a) => a.id > Number(call.query.after_id));
      if (call.query.unread === "true") items = items.filter((a) => !a.seen);
      return json(200, { items: items.slice(0, Number(call.query.limit ?? 50)), next_cursor: null, limit: Number(call.query.limit ?? 50) });
    },
    "POST /api/v1/alerts/read-all": (call) => {
      const reply = readAll(call);
      if ((reply.status ?? 200) === 200) for (const a of byId.values()) if (a.id <= Number(call.query.up_to_id)) a.seen = true;
      return reply;
    },
    ...Object.fromEntries(alerts.map((a) => [`POST /api/v1/alerts/${a.id}/read`, read(a.id)])),
  });
  return { net, byId, state, reads: () => net.calls.filter((c) => c.method === "POST").map((c) => (c.path.endsWith("read-all") ? `all<=${c.query.up_to_id}` : c.path.split("/")[4])) };
}

async function renderApp(url = "/live") {
  const router = createMemoryRouter(routes, { initialEntries: [url] });
  render(
    <I18nProvider lang="en">
      <AuthProvider>
        <LiveProvider>
          <RouterProvider router={router} />
        </LiveProvider>
      </AuthProvider>
    </I18nProvider>,
  );
  await act(() => vi.advanceTimersByTimeAsync(0));
  return router;
}

const wait = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));
const rowStates = () => screen.queryAllByTestId("feed-row").map((r) => r.getAttribute("data-seen"));
const pill = () => screen.getByTestId("nav-live").querySelector(".pill")?.textContent ?? null;
const unread = (n: number, patch: Partial<AlertPublic> = {}) => Array.from({ length: n }, (_, i) => makeAlert({ id: i + 1, ts_ms: 1_768_480_000_000 + i * 1000, seen: false, ...patch }));

it("marks everything up to the newest alert read once the feed is looked at, and the counter follows the server", async () => {
  const s = server([...unread(3), makeAlert({ id: 4, ts_ms: 1_768_479_000_000, seen: true })]);
  await renderApp();
  expect(rowStates()).toEqual(["false", "false", "false", "true"]);
  expect(pill()).toBe("3");
  expect(document.title).toBe("(3) wickwatch");
  expect(screen.queryByTestId("mark-all-seen")).toBeNull(); // marked by itself: no button flickering with every alert

  await wait(SEEN_DELAY_MS - 10);
  expect(s.reads()).toEqual([]); // asks are merged for a moment
  await wait(10);
  expect(s.reads()).toEqual(["all<=4"]);
  expect(rowStates()).toEqual(["true", "true", "true", "true"]);
  expect(pill()).toBeNull();
  expect(document.title).toBe("wickwatch");
  await wait(SEEN_DELAY_MS * 5);
  expect(s.reads()).toEqual(["all<=4"]); // nothing new: nothing more sent
});

it("leaves alerts unread while the window has no focus, and marks them when the trader turns to it", async () => {
  focused = false;
  const s = server(unread(2));
  await renderApp();
  await wait(SEEN_DELAY_MS * 5);
  expect(s.reads()).toEqual([]);
  expect(document.title).toBe("(2) wickwatch");
  expect(screen.getByTestId("mark-all-seen").textContent).toBe("Mark all read (2)");

  focused = true;
  fireEvent.focus(window);
  await wait(SEEN_DELAY_MS);
  expect(s.reads()).toEqual(["all<=2"]);
  expect(document.title).toBe("wickwatch");
});

it("does not count alerts as seen on other pages", async () => {
  const s = server(unread(2));
  const router = await renderApp("/account");
  await wait(SEEN_DELAY_MS * 3);
  expect(s.reads()).toEqual([]);
  expect(pill()).toBe("2");
  await act(() => router.navigate("/live"));
  await wait(SEEN_DELAY_MS);
  expect(s.reads()).toEqual(["all<=2"]);
  expect(pill()).toBeNull();
});

it("keeps alerts unread when the server did not take the mark, and sends it again", async () => {
  let fail = true;
  const s = server(unread(2), () => (fail ? json(503, { error: { code: "unavailable", message: "down", details: null } }) : json(200, { count: 2 })));
  await renderApp();
  await wait(SEEN_DELAY_MS);
  expect(s.reads()).toEqual(["all<=2"]);
  expect(rowStates()).toEqual(["false", "false"]);
  expect(pill()).toBe("2");
  fail = false;
  await wait(SEEN_RETRY_MS);
  expect(s.reads()).toEqual(["all<=2", "all<=2"]);
  expect(rowStates()).toEqual(["true", "true"]);
});

it("with filters, marks only the rows on screen one by one; what the filters hide stays unread", async () => {
  const alerts = [...unread(4), ...unread(2).map((a, i) => ({ ...a, id: 10 + i, exchange: "okx", ts_ms: 1_768_480_100_000 + i }))];
  const s = server(alerts);
  await renderApp("/live?ex=okx");
  await wait(SEEN_DELAY_MS);
  expect(s.reads().sort()).toEqual(["10", "11"]);
  expect(rowStates()).toEqual(["true", "true"]);
  expect(pill()).toBe("4");
  // the trader marks the rest read too
  fireEvent.click(screen.getByTestId("mark-all-seen"));
  await wait(SEEN_DELAY_MS);
  expect(s.reads().at(-1)).toBe("all<=11");
  expect(pill()).toBeNull();
  expect(screen.queryByTestId("mark-all-seen")).toBeNull();
});

it("scrolled down to older alerts, marks the rows on screen, not the new ones above", async () => {
  focused = false;
  const s = server(unread(200));
  await renderApp();
  const body = screen.getByTestId("feed-body");
  body.scrollTop = 100 * 34; // rows 100… (ids 100 and below) on screen
  fireEvent.scroll(body);
  await wait(0);
  focused = true;
  fireEvent.focus(window);
  await wait(SEEN_DELAY_MS);
  const marked = s.reads().map(Number);
  expect(marked.length).toBeGreaterThan(10);
  expect(marked.length).toBeLessThan(30); // the rows a 600 px feed shows, not the overscan
  expect(Math.max(...marked)).toBeLessThanOrEqual(100);
  expect(pill()).toBe("99+");
  expect(document.title).toBe(`(${200 - marked.length}) wickwatch`);
});

it("takes alerts read on another device when the tab comes back", async () => {
  focused = false; // shown but not focused: nothing is marked here
  const s = server(unread(3));
  await renderApp();
  expect(pill()).toBe("3");
  // the phone read the two older ones
  s.byId.get(1)!.seen = true;
  s.byId.get(2)!.seen = true;
  await wait(31_000);
  fireEvent(document, new Event("visibilitychange"));
  await wait(0);
  const sync = s.net.calls.filter((c) => c.query.unread === "true");
  expect(sync).toHaveLength(1);
  expect(rowStates()).toEqual(["false", "true", "true"]);
  expect(pill()).toBe("1");
  expect(s.reads()).toEqual([]);
});

/** A silent token refresh of the same account (the access token is about to expire; any request or the stream does it). */
function refreshTokens() {
  // a fresh user object, as parsed from the JSON answer
  act(() => void api.acceptTokens(tokensFor({ ...testUser }, "test-access-2")));
}

it("a token refresh does not lose the read mark the Live page just asked for", async () => {
  const s = server(unread(3));
  await renderApp();
  expect(pill()).toBe("3");
  await wait(SEEN_DELAY_MS / 2); // the mark is being merged for a moment
  refreshTokens();
  await wait(SEEN_DELAY_MS * 10);
  expect(s.reads()).toEqual(["all<=3"]);
  expect(pill()).toBeNull();
});

it("a token refresh does not download the feed again", async () => {
  const s = server(unread(3));
  await renderApp();
  const firstPages = () => s.net.calls.filter((c) => c.method === "GET" && c.query.limit === "500").length;
  expect(firstPages()).toBe(1);
  refreshTokens();
  await wait(0);
  expect(firstPages()).toBe(1);
});

it("never shows the next account of the browser the previous one's alerts, even those answered after the sign-out", async () => {
  const aliceAlert = makeAlert({ id: 7, symbol: "ALICEUSDT" });
  const bobAlert = makeAlert({ id: 3, symbol: "BOBUSDT" });
  let answerAlice: (() => void) | null = null;
  mockFetch({
    // what the server answers depends on whose token asks; Alice's first page is slow
    "GET /api/v1/alerts": () =>
      new Promise((resolve) => {
        const page = (a: AlertPublic) => json(200, { items: [a], next_cursor: null, limit: 500 });
        if (api.getSession()?.user.id === 2) resolve(page(bobAlert));
        else answerAlice = () => resolve(page(aliceAlert));
      }),
  });
  const router = await renderApp();
  expect(answerAlice).not.toBeNull();
  act(() => api.clearSession()); // Alice signs out
  await act(async () => answerAlice!()); // her page comes after that
  await wait(0);
  act(() => signIn({ ...testUser, id: 2, email: "bob@example.com" })); // Bob, in the same tab
  await act(() => router.navigate("/live"));
  await wait(0);
  expect(screen.getAllByTestId("feed-row").map((r) => r.textContent)).toEqual([expect.stringContaining("BOB")]);
});

it("goes on polling the feed after a poll failed (no live stream on this server)", async () => {
  const s = server(unread(1));
  await renderApp();
  expect(rowStates()).toHaveLength(1);
  s.state.down = true; // the API restarts: a poll gets 503
  await wait(5000);
  s.state.down = false;
  s.byId.set(2, makeAlert({ id: 2, seen: false }));
  await wait(60_000);
  expect(rowStates()).toHaveLength(2);
});

it("polls less often while the polls keep failing, and every 5 s again once one succeeds", async () => {
  const random = vi.spyOn(Math, "random").mockReturnValue(0.5); // the back-off's jitter
  onTestFinished(() => random.mockRestore());
  const s = server(unread(1));
  await renderApp();
  const polls = () => s.net.calls.filter((c) => c.query.after_id !== undefined).length;
  s.state.down = true;
  await wait(60_000);
  expect(polls()).toBe(5); // after 5, 8.75, 15, 26.25 and 47.5 s; every 5 s would be 12
  s.state.down = false;
  await wait(18_750); // the next one, 31.25 s after the last: it succeeds
  expect(polls()).toBe(6);
  await wait(5000);
  expect(polls()).toBe(7);
});
