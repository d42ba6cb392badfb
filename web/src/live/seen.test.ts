import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { makeAlert } from "../test/alerts";
import { json, mockFetch } from "../test/fetch";
import type { FeedAction } from "./feed";
import { SEEN_DELAY_MS, SEEN_RETRY_MS, SeenSync, SYNC_LIMIT } from "./seen";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function sync() {
  const reports: FeedAction[] = [];
  const seen = new SeenSync((a) => reports.push(a));
  return { seen, reports };
}

it("merges the asks of a burst into one read-all with the newest id, and reports it once the server confirmed", async () => {
  const net = mockFetch({ "POST /api/v1/alerts/read-all": json(200, { count: 3 }) });
  const { seen, reports } = sync();
  seen.readUpTo(10);
  seen.readUpTo(12);
  seen.readUpTo(11);
  seen.read([5, 12]); // covered by the read-all
  await vi.advanceTimersByTimeAsync(SEEN_DELAY_MS - 1);
  expect(net.calls).toHaveLength(0);
  await vi.advanceTimersByTimeAsync(1);
  expect(net.calls.map((c) => `${c.method} ${c.path} ${c.query.up_to_id}`)).toEqual(["POST /api/v1/alerts/read-all 12"]);
  expect(reports).toEqual([{ type: "seen", upToId: 12 }]);
  // asking again for what was sent sends nothing
  seen.readUpTo(12);
  seen.read([3]);
  await vi.advanceTimersByTimeAsync(SEEN_DELAY_MS * 3);
  expect(net.calls).toHaveLength(1);
});

it("marks single rows with POST /alerts/{id}/read; one that was deleted meanwhile counts as done", async () => {
  const net = mockFetch({
    "POST /api/v1/alerts/7/read": json(200, makeAlert({ id: 7, seen: true })),
    "POST /api/v1/alerts/9/read": json(404, { error: { code: "not_found", message: "no such alert", details: null } }),
  });
  const { seen, reports } = sync();
  seen.read([7, 9]);
  seen.read([7]);
  await vi.advanceTimersByTimeAsync(SEEN_DELAY_MS);
  expect(net.calls.map((c) => c.path).sort()).toEqual(["/api/v1/alerts/7/read", "/api/v1/alerts/9/read"]);
  expect(reports).toEqual([{ type: "seen", ids: [7, 9] }]);
});

it("keeps alerts unread when the server did not take the mark, and tries again later", async () => {
  let fail = true;
  const net = mockFetch({
    "POST /api/v1/alerts/read-all": () => (fail ? json(503, { error: { code: "unavailable", message: "down", details: null } }) : json(200, { count: 2 })),
  });
  const { seen, reports } = sync();
  seen.readUpTo(4);
  await vi.advanceTimersByTimeAsync(SEEN_DELAY_MS);
  expect(net.calls).toHaveLength(1);
  expect(reports).toEqual([]);
  fail = false;
  await vi.advanceTimersByTimeAsync(SEEN_RETRY_MS - 1);
  expect(net.calls).toHaveLength(1);
  await vi.advanceTimersByTimeAsync(1);
  expect(net.calls).toHaveLength(2);
  expect(reports).toEqual([{ type: "seen", upToId: 4 }]);
});

it("keeps the seen state locally on a server without read routes", async () => {
  mockFetch({}); // every route answers FastAPI's 404 "Not Found"
  const { seen, reports } = sync();
  seen.readUpTo(3);
  await vi.advanceTimersByTimeAsync(SEEN_DELAY_MS);
  expect(reports).toEqual([{ type: "seen", upToId: 3 }]);
});

it("re-reads the unread alerts and reports the range the answer covers", async () => {
  const net = mockFetch({
    "GET /api/v1/alerts": (call) =>
      json(200, { items: [makeAlert({ id: 9, seen: false }), makeAlert({ id: 6, seen: false })], next_cursor: call.query.unread === "true" ? "more" : null, limit: SYNC_LIMIT }),
  });
  const { seen, reports } = sync();
  await seen.sync(10);
  expect(net.calls[0]!.query).toEqual({ unread: "true", limit: String(SYNC_LIMIT) });
  // truncated: alerts older than the oldest unread listed are left alone
  expect(reports).toEqual([{ type: "synced", unread: [9, 6], fromId: 6, toId: 10 }]);
});

it("skips a re-sync while marks are pending or when one was sent during it (its answer would be stale)", async () => {
  let answer: (v: Response) => void = () => {};
  const net = mockFetch({ "POST /api/v1/alerts/read-all": json(200, { count: 1 }) });
  const { seen, reports } = sync();
  seen.readUpTo(5);
  await seen.sync(5); // a mark is waiting: no request
  expect(net.calls).toHaveLength(0);
  await vi.advanceTimersByTimeAsync(SEEN_DELAY_MS);
  expect(reports).toEqual([{ type: "seen", upToId: 5 }]);

  // a GET that is answered after a mark went out is dropped
  net.fn.mockImplementationOnce(() => new Promise<Response>((resolve) => (answer = resolve)));
  const pending = seen.sync(6);
  seen.readUpTo(6);
  await vi.advanceTimersByTimeAsync(SEEN_DELAY_MS);
  answer(new Response(JSON.stringify({ items: [makeAlert({ id: 6, seen: false })], next_cursor: null, limit: SYNC_LIMIT }), { status: 200, headers: { "Content-Type": "application/json" } }));
  await pending;
  expect(reports.map((r) => r.type)).toEqual(["seen", "seen"]);
});

it("stops with the session", async () => {
  const net = mockFetch({ "POST /api/v1/alerts/read-all": json(200, { count: 1 }) });
  const { seen } = sync();
  seen.readUpTo(5);
  seen.stop();
  await vi.advanceTimersByTimeAsync(SEEN_DELAY_MS * 2);
  expect(net.calls).toHaveLength(0);
});
