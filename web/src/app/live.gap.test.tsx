// @vitest-environment jsdom
// The feed's gap-fill through the real LiveProvider: more alerts than one page (1,000) arrive
// while the feed is not live; every one of them reaches the feed, and the next fill starts after
// the newest. (No stream on this server: the provider polls GET /alerts?after_id= every 5 s, the
// same fill a reconnect runs.)
import { act, render, screen } from "@testing-library/react";
import { expect, it, vi } from "vitest";
import type { AlertPublic } from "../api/contract";
import { I18nProvider } from "../i18n";
import { makeAlert } from "../test/alerts";
import { json, mockFetch } from "../test/fetch";
import { signedInOnFakeTimers } from "../test/session";
import { AuthProvider } from "./auth";
import { LiveProvider, useLive } from "./live";

vi.hoisted(() => {
  const el = document.createElement("script");
  el.id = "ww-routes";
  el.type = "application/json";
  el.textContent = JSON.stringify(["/api/v1/alerts", "/api/v1/alerts/read-all", "/api/v1/alerts/{alert_id}/read", "/api/v1/auth/me"]);
  document.head.appendChild(el);
});

signedInOnFakeTimers({ date: true });

const cursorOf = (id: number) => btoa(`alert:${id}`);

/** GET /alerts as alerts/service.py pages it: newest first, after_id, limit (≤ 1000), next_cursor. */
function server() {
  let alerts: AlertPublic[] = [];
  const net = mockFetch({
    "GET /api/v1/alerts": (call) => {
      const limit = Math.min(Number(call.query.limit ?? 50), 1000);
      const after = call.query.after_id === undefined ? -1 : Number(call.query.after_id);
      const before = call.query.cursor === undefined ? Infinity : Number(atob(call.query.cursor).split(":")[1]);
      const rows = alerts.filter((a) => a.id > after && a.id < before).slice(0, limit + 1);
      const items = rows.slice(0, limit);
      return json(200, { items, next_cursor: rows.length > limit ? cursorOf(items[limit - 1]!.id) : null, limit });
    },
  });
  const add = (from: number, to: number) => {
    for (let id = from; id <= to; id++) alerts.push(makeAlert({ id, ts_ms: 1_768_480_000_000 + id * 10, seen: true }));
    alerts = alerts.sort((a, b) => b.id - a.id);
  };
  const polls = () => net.calls.filter((c) => c.query.after_id !== undefined).map((c) => `${c.query.after_id}${c.query.cursor ? "+cursor" : ""}`);
  return { add, polls };
}

function Probe() {
  const { feed } = useLive();
  const ids = feed.alerts.map((a) => a.id);
  const sorted = ids.every((id, i) => i === 0 || ids[i - 1]! > id);
  return <output data-testid="probe">{`${ids.length} ${ids[0] ?? "-"}..${ids.at(-1) ?? "-"} ${sorted ? "ordered" : "unordered"} ${new Set(ids).size === ids.length ? "unique" : "repeats"}`}</output>;
}

const wait = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

it("fills a gap of more than one page and goes on after the newest alert", async () => {
  const s = server();
  s.add(1, 3);
  render(
    <I18nProvider lang="en">
      <AuthProvider>
        <LiveProvider>
          <Probe />
        </LiveProvider>
      </AuthProvider>
    </I18nProvider>,
  );
  await wait(0);
  expect(screen.getByTestId("probe").textContent).toBe("3 3..1 ordered unique");

  s.add(4, 2503); // 2,500 alerts missed
  await wait(5000);
  expect(screen.getByTestId("probe").textContent).toBe("2503 2503..1 ordered unique");
  expect(s.polls()).toEqual(["3", "3+cursor", "3+cursor"]);

  s.add(2504, 2510);
  await wait(5000);
  expect(screen.getByTestId("probe").textContent).toBe("2510 2510..1 ordered unique");
  expect(s.polls().at(-1)).toBe("2503");
});
