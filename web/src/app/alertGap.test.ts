// The gap-fill after a reconnect against a scripted GET /api/v1/alerts that pages like the
// server's (newest first, `after_id` as the lower bound, `next_cursor` towards older alerts).
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { AlertPublic } from "../api/contract";
import { FEED_LIMIT } from "../live/feed";
import { makeAlert } from "../test/alerts";
import { json, mockFetch } from "../test/fetch";
import { signIn } from "../test/session";
import { fetchAlertsAfter, GAP_MAX_PAGES, GAP_PAGE_LIMIT } from "./alertGap";

beforeEach(() => signIn());
afterEach(() => {
  api.clearSession();
  vi.unstubAllGlobals();
});

const cursorOf = (id: number) => btoa(`alert:${id}`);
const idOf = (cursor: string) => Number(atob(cursor).split(":")[1]);

/** A server holding alerts 1…`count` (alerts/service.py: limit + 1 rows decide `next_cursor`). */
function server(count: number, { failCursor }: { failCursor?: number } = {}) {
  const alerts: AlertPublic[] = Array.from({ length: count }, (_, i) => makeAlert({ id: count - i })); // newest first
  return mockFetch({
    "GET /api/v1/alerts": (call) => {
      const limit = Number(call.query.limit ?? 50);
      const after = call.query.after_id === undefined ? -1 : Number(call.query.after_id);
      const before = call.query.cursor === undefined ? Infinity : idOf(call.query.cursor);
      if (before === failCursor) return json(503, { error: { code: "unavailable", message: "down", details: null } });
      const rows = alerts.filter((a) => a.id > after && a.id < before).slice(0, limit + 1);
      const items = rows.slice(0, limit);
      return json(200, { items, next_cursor: rows.length > limit ? cursorOf(items[limit - 1]!.id) : null, limit });
    },
  });
}

const ids = (alerts: AlertPublic[]) => alerts.map((a) => a.id);
const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => from - i); // from down to `to`

it("follows next_cursor until the whole gap is fetched, newest first, each alert once", async () => {
  const net = server(2600);
  const gap = await fetchAlertsAfter(100);
  expect(gap.complete).toBe(true);
  expect(gap.pages).toBe(3);
  expect(ids(gap.alerts)).toEqual(range(2600, 101)); // 2,500 missed alerts, none older than the feed's newest
  const sent = net.sent("GET", "/api/v1/alerts").map((c) => c.query);
  expect(sent).toEqual([
    { after_id: "100", limit: String(GAP_PAGE_LIMIT) },
    { after_id: "100", limit: String(GAP_PAGE_LIMIT), cursor: cursorOf(1601) },
    { after_id: "100", limit: String(GAP_PAGE_LIMIT), cursor: cursorOf(601) },
  ]);
});

it("asks once when the gap fits a page, and not at all for more when nothing was missed", async () => {
  server(30);
  expect(await fetchAlertsAfter(20)).toEqual({ alerts: expect.any(Array), pages: 1, complete: true });
  expect(ids((await fetchAlertsAfter(20)).alerts)).toEqual(range(30, 21));
  expect(await fetchAlertsAfter(30)).toEqual({ alerts: [], pages: 1, complete: true });
});

it("stops after a bounded number of pages and says the gap is not complete", async () => {
  const net = server(GAP_PAGE_LIMIT * (GAP_MAX_PAGES + 2));
  const gap = await fetchAlertsAfter(0);
  expect(net.sent("GET", "/api/v1/alerts")).toHaveLength(GAP_MAX_PAGES);
  expect(gap).toMatchObject({ complete: false, stopped: "max_pages", pages: GAP_MAX_PAGES });
  expect(gap.alerts).toHaveLength(GAP_PAGE_LIMIT * GAP_MAX_PAGES);
  expect(gap.alerts.length).toBeGreaterThanOrEqual(FEED_LIMIT); // the bound still fills a whole feed
  expect(gap.alerts[0]!.id).toBe(GAP_PAGE_LIMIT * (GAP_MAX_PAGES + 2)); // the newest ones are kept
});

it("keeps what came when a later page fails, and throws when the first one does", async () => {
  server(2500, { failCursor: 501 });
  const gap = await fetchAlertsAfter(0);
  expect(gap).toMatchObject({ complete: false, stopped: "error", pages: 2 });
  expect(ids(gap.alerts)).toEqual(range(2500, 501));

  vi.unstubAllGlobals();
  mockFetch({ "GET /api/v1/alerts": json(503, { error: { code: "unavailable", message: "down", details: null } }) });
  await expect(fetchAlertsAfter(0)).rejects.toMatchObject({ status: 503 });
});

it("drops repeats across pages and alerts at or below after_id", async () => {
  const pages: Record<string, { items: AlertPublic[]; next_cursor: string | null }> = {
    first: { items: [makeAlert({ id: 9 }), makeAlert({ id: 8 })], next_cursor: "a" },
    a: { items: [makeAlert({ id: 8 }), makeAlert({ id: 7 })], next_cursor: "b" },
    b: { items: [makeAlert({ id: 6 }), makeAlert({ id: 5 })], next_cursor: null },
  };
  const gap = await fetchAlertsAfter(5, { get: async (q) => pages[q.cursor ?? "first"]!, pageLimit: 2 });
  expect(ids(gap.alerts)).toEqual([9, 8, 7, 6]);
  expect(gap.complete).toBe(true);
});
