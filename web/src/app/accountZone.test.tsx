// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { beforeEach, expect, it, vi } from "vitest";
import { defaultSettings } from "../lib/settingsDoc";
import { json, mockFetch } from "../test/fetch";
import { resetAfterEach, settle, signIn, testUser } from "../test/session";
import { rememberAccountTimeZone, useAccountTimeZone, validTimeZone } from "./accountZone";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
});
resetAfterEach();
const settings = (timezone: string) => json(200, { version: 1, updated_at: null, document: { ...defaultSettings(), timezone } });

function Zone({ id }: { id: string }) {
  return <span data-testid={id}>{useAccountTimeZone() ?? "browser"}</span>;
}

it("is the zone of the account's settings, asked once for every page that shows times", async () => {
  signIn();
  const net = mockFetch({ "GET /api/v1/settings": settings("Asia/Tokyo") });
  render(<><Zone id="a" /><Zone id="b" /></>);
  expect(screen.getByTestId("a").textContent).toBe("browser"); // until the answer
  await settle();
  expect([screen.getByTestId("a").textContent, screen.getByTestId("b").textContent]).toEqual(["Asia/Tokyo", "Asia/Tokyo"]);
  cleanup();
  render(<Zone id="c" />); // another page later: already known
  await settle();
  expect(screen.getByTestId("c").textContent).toBe("Asia/Tokyo");
  expect(net.sent("GET", "/api/v1/settings")).toHaveLength(1);
});

it("follows the settings page's saves, and forgets the zone when another user signs in", async () => {
  signIn();
  const net = mockFetch({ "GET /api/v1/settings": settings("Asia/Tokyo") });
  render(<Zone id="z" />);
  await settle();
  act(() => rememberAccountTimeZone("America/New_York"));
  expect(screen.getByTestId("z").textContent).toBe("America/New_York");
  act(() => signIn({ ...testUser, id: 2, email: "other@example.com" }));
  expect(screen.getByTestId("z").textContent).toBe("browser");
  cleanup();
  mockFetch({ "GET /api/v1/settings": settings("Europe/Berlin") });
  render(<Zone id="z" />);
  await settle();
  expect(screen.getByTestId("z").textContent).toBe("Europe/Berlin");
  expect(net.sent("GET", "/api/v1/settings")).toHaveLength(1);
});

it("stays the browser's zone without a session, settings or a zone this browser knows", async () => {
  const net = mockFetch({});
  render(<Zone id="z" />);
  await settle();
  expect(screen.getByTestId("z").textContent).toBe("browser");
  expect(net.calls).toHaveLength(0); // not signed in: nothing asked
  cleanup();
  signIn();
  render(<Zone id="z" />); // an old server without settings: 404
  await settle();
  expect(screen.getByTestId("z").textContent).toBe("browser");
  expect(validTimeZone("Not/AZone")).toBeNull();
  expect(validTimeZone("Europe/Moscow")).toBe("Europe/Moscow");
});
