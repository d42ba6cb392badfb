import { describe, expect, it, vi } from "vitest";
import { Capabilities } from "./capabilities";
import { ApiClient, ApiError, buildUrl, readCookie } from "./client";
import type { TokenResponse } from "./contract";

const user = { id: 1, email: "a@b.c", role: "user", is_active: true, display_name: null, locale: "en", created_at: "2026-01-01T00:00:00Z", last_login_at: null } as const;

function tokens(access: string, csrf: string | null = "csrf-1"): TokenResponse {
  return {
    access_token: access,
    token_type: "bearer",
    expires_in: 900,
    expires_at: new Date(Date.now() + 900_000).toISOString(),
    refresh_token: null,
    refresh_expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    csrf_token: csrf,
    user,
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

const all = new Capabilities(null);

describe("ApiClient", () => {
  it("sends the bearer token and parses JSON", async () => {
    const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => json(200, { ok: true }));
    const c = new ApiClient("", fetch, all);
    c.acceptTokens(tokens("A"));
    await expect(c.get("/api/v1/auth/me", { query: { q: "x y", skip: undefined, ids: [1, 2] } })).resolves.toEqual({ ok: true });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe("/api/v1/auth/me?q=x+y&ids=1&ids=2");
    expect((init!.headers as Record<string, string>).Authorization).toBe("Bearer A");
  });

  it("turns the server's error body into ApiError", async () => {
    const c = new ApiClient("", async () => json(422, { error: { code: "validation_error", message: "invalid input", details: [{ field: "body.password", reason: "too short" }] } }), all);
    const err = (await c.post("/x", {}).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("validation_error");
    expect(err.fieldErrors).toEqual({ password: "too short" });
    expect(err.notImplemented).toBe(false);
  });

  it("recognises a route the server does not have", async () => {
    const c = new ApiClient("", async () => json(404, { error: { code: "http_404", message: "Not Found", details: null } }), all);
    const err = (await c.get("/api/v1/stats").catch((e: unknown) => e)) as ApiError;
    expect(err.notImplemented).toBe(true);
    const rateLimited = new ApiClient("", async () => json(429, { error: { code: "rate_limited", message: "slow down" } }, { "Retry-After": "7" }), all);
    expect(((await rateLimited.get("/x").catch((e: unknown) => e)) as ApiError).retryAfterS).toBe(7);
  });

  it("answers routes missing from the server's list without a request", async () => {
    const fetch = vi.fn(async () => json(200, {}));
    const c = new ApiClient("", fetch, new Capabilities(["/api/v1/auth/me", "/api/v1/alerts/{alert_id}"]));
    await c.get("/api/v1/alerts/7");
    const err = (await c.get("/api/v1/markets").catch((e: unknown) => e)) as ApiError;
    expect(err.notImplemented).toBe(true);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("reports network failures as status 0", async () => {
    const c = new ApiClient("", async () => {
      throw new TypeError("Failed to fetch");
    }, all);
    const err = (await c.get("/x").catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(0);
  });

  it("refreshes once on 401 (shared by parallel calls) and retries", async () => {
    let access = "old";
    const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      const headers = init!.headers as Record<string, string>;
      if (String(url) === "/api/v1/auth/refresh") {
        expect(headers["X-CSRF-Token"]).toBe("csrf-1");
        access = "new";
        return json(200, tokens("new", "csrf-2"));
      }
      return headers.Authorization === `Bearer ${access}` && access === "new" ? json(200, { n: 1 }) : json(401, { error: { code: "unauthorized", message: "expired" } });
    });
    const c = new ApiClient("", fetch, all);
    c.acceptTokens(tokens("old"));
    const [a, b] = await Promise.all([c.get("/one"), c.get("/two")]);
    expect(a).toEqual({ n: 1 });
    expect(b).toEqual({ n: 1 });
    expect(fetch.mock.calls.filter(([u]) => String(u) === "/api/v1/auth/refresh")).toHaveLength(1);
    expect(c.getAccessToken()).toBe("new");
    expect(c.csrfToken()).toBe("csrf-2");
  });

  it("signs out locally when the refresh is refused", async () => {
    const fetch = vi.fn(async (url: RequestInfo | URL) =>
      String(url) === "/api/v1/auth/refresh" ? json(401, { error: { code: "unauthorized", message: "reused" } }) : json(401, { error: { code: "unauthorized", message: "expired" } }),
    );
    const c = new ApiClient("", fetch, all);
    const seen: unknown[] = [];
    c.onSession((s) => seen.push(s));
    c.acceptTokens(tokens("old"));
    await expect(c.get("/x")).rejects.toMatchObject({ status: 401 });
    expect(c.getSession()).toBeNull();
    expect(seen.at(-1)).toBeNull();
  });

  it("hands the stream a token refreshed shortly before it expires", async () => {
    const fetch = vi.fn(async () => json(200, tokens("renewed", "csrf-2")));
    const c = new ApiClient("", fetch, all);
    c.acceptTokens({ ...tokens("old"), expires_in: 5 });
    await expect(c.freshAccessToken()).resolves.toBe("renewed");
    c.acceptTokens(tokens("long"));
    await expect(c.freshAccessToken()).resolves.toBe("long");
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("does not refresh before every request when the browser's clock runs ahead of the server's", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const serverNow = () => Date.now() - 3_600_000; // an hour behind the browser
      const fetch = vi.fn(async (_url: RequestInfo | URL) => json(200, { ok: true }));
      const c = new ApiClient("", fetch, all);
      c.acceptTokens({ ...tokens("A"), expires_at: new Date(serverNow() + 900_000).toISOString() }); // good for 15 minutes
      for (let i = 0; i < 5; i++) await c.get("/api/v1/alerts");
      vi.advanceTimersByTime(14 * 60_000);
      await c.get("/api/v1/alerts");
      expect(fetch.mock.calls.map(([u]) => String(u))).not.toContain("/api/v1/auth/refresh");
      vi.advanceTimersByTime(60_000); // the token's 15 minutes are over: refreshed first
      await c.get("/api/v1/alerts");
      expect(fetch.mock.calls.filter(([u]) => String(u) === "/api/v1/auth/refresh")).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("stays signed in when a refresh is rate limited, and waits Retry-After before the next one", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const fetch = vi.fn(async (url: RequestInfo | URL) =>
        String(url) === "/api/v1/auth/refresh"
          ? json(429, { error: { code: "rate_limited", message: "too many token refreshes" } }, { "Retry-After": "30" })
          : json(401, { error: { code: "unauthorized", message: "expired" } }),
      );
      const c = new ApiClient("", fetch, all);
      c.acceptTokens(tokens("old"));
      const refreshes = () => fetch.mock.calls.filter(([u]) => String(u) === "/api/v1/auth/refresh").length;
      await expect(c.get("/x")).rejects.toMatchObject({ status: 401 });
      expect(c.getSession()).not.toBeNull();
      await expect(c.get("/x")).rejects.toMatchObject({ status: 401 });
      expect(refreshes()).toBe(1); // not again within Retry-After
      vi.advanceTimersByTime(30_000);
      await expect(c.get("/x")).rejects.toMatchObject({ status: 401 });
      expect(refreshes()).toBe(2);
      expect(c.getSession()).not.toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not try to refresh without a CSRF token", async () => {
    const fetch = vi.fn(async () => json(200, {}));
    const c = new ApiClient("", fetch, all);
    await expect(c.refresh()).resolves.toBe(false);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("helpers", () => {
  it("reads cookies", () => {
    expect(readCookie("ww_csrf", "a=1; ww_csrf=abc%3D; b=2")).toBe("abc=");
    expect(readCookie("ww_csrf", "ww_csrf_other=1")).toBeNull();
    expect(readCookie("x", "")).toBeNull();
  });
  it("builds URLs without empty parameters", () => {
    expect(buildUrl("", "/a", { x: "", y: null, z: 0, w: false })).toBe("/a?z=0&w=false");
  });
});
