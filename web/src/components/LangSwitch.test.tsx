// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { api } from "../api/client";
import type { UserPublic } from "../api/contract";
import { AuthProvider } from "../app/auth";
import { I18nProvider, type Lang } from "../i18n";
import { json, mockFetch } from "../test/fetch";
import { signIn, testUser } from "../test/session";
import { LangSwitch } from "./LangSwitch";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  localStorage.clear();
});
afterEach(() => {
  cleanup();
  api.clearSession();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const settle = () => act(() => vi.advanceTimersByTimeAsync(0));

function server() {
  return mockFetch({ "PATCH /api/v1/auth/me": (call) => json(200, { ...api.getSession()!.user, ...(call.body as Partial<UserPublic>) }) });
}

async function renderSwitch(lang: Lang) {
  render(
    <I18nProvider lang={lang}>
      <AuthProvider>
        <LangSwitch />
      </AuthProvider>
    </I18nProvider>,
  );
  await settle();
}

it("gives the account the language this browser shows, so messages come in it (accounts start in English)", async () => {
  const net = server();
  signIn({ ...testUser, locale: "en" });
  await renderSwitch("ru");
  expect(net.sent("PATCH", "/api/v1/auth/me").map((c) => c.body)).toEqual([{ locale: "ru" }]);
  expect(api.getSession()!.user.locale).toBe("ru");
});

it("sends nothing when they already agree, and one change per switch", async () => {
  const net = server();
  signIn({ ...testUser, locale: "en" });
  await renderSwitch("en");
  expect(net.calls).toEqual([]);
  fireEvent.click(screen.getByTestId("lang-ru"));
  await settle();
  expect(net.sent("PATCH", "/api/v1/auth/me").map((c) => c.body)).toEqual([{ locale: "ru" }]);
  expect(document.documentElement.lang).toBe("ru");
});

it("does nothing while signed out", async () => {
  const net = server();
  render(
    <I18nProvider lang="ru">
      <LangSwitch />
    </I18nProvider>,
  );
  await settle();
  expect(net.calls).toEqual([]);
});
