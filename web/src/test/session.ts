// A signed-in session for component tests that render the app's providers (never imported by the app).
import { act, cleanup } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";
import { api } from "../api/client";
import type { TokenResponse, UserPublic } from "../api/contract";

export const testUser: UserPublic = { id: 1, email: "trader@example.com", role: "user", is_active: true, display_name: null, locale: "en", created_at: "2026-01-01T00:00:00Z", last_login_at: null };

/** A login or refresh answer for ``user`` (the access token lives an hour). */
export function tokensFor(user: UserPublic = testUser, accessToken = "test-access"): TokenResponse {
  return {
    access_token: accessToken,
    token_type: "bearer",
    expires_in: 3600,
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    refresh_token: null,
    refresh_expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    csrf_token: "test-csrf",
    user,
  };
}

/** Put a session into the app's API client, as a login answer would. */
export function signIn(user: UserPublic = testUser): void {
  api.acceptTokens(tokensFor(user));
}

/** Every test of the file runs signed in on fake timers (``Date`` too when asked); afterwards the
 * page is unmounted and the session, the timers and the stubbed globals are reset. */
export function signedInOnFakeTimers(options: { date?: boolean } = {}): void {
  beforeEach(() => {
    const timers = ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] as const;
    vi.useFakeTimers({ toFake: options.date ? [...timers, "Date"] : [...timers] });
    signIn();
  });
  resetAfterEach();
}

/** After every test of the file: unmount the page, end the session, restore real timers and
 * the stubbed globals. */
export function resetAfterEach(): void {
  afterEach(() => {
    cleanup();
    api.clearSession();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
}

/** Let what is due now run: pending promises and zero-delay timers (fake timers). */
export const settle = () => act(() => vi.advanceTimersByTimeAsync(0));
