// HTTP client of the wickwatch API.
//
// Authentication (accounts/schemas.py): POST /api/v1/auth/login with refresh_in="cookie" returns
// an access token (kept in memory only, never in storage) and sets two cookies (accounts/auth.py):
// the refresh token (`ww_refresh`, httpOnly, SameSite=Strict, path /api/v1/auth) and a
// script-readable CSRF token (`ww_csrf`) that must be echoed as `X-CSRF-Token` to refresh or log
// out (double submit). After a reload the `ww_csrf` cookie tells that a session may exist, and a
// refresh restores it silently.
//
// A request that gets 401 refreshes once (one refresh in flight shared by all callers) and is
// retried; a refresh the server refuses (401/403) signs the user out locally, a rate-limited one
// (429) keeps the session and is not tried again before Retry-After. Errors come back as ApiError
// with the server's {"error": {"code", "message", "details"}} body.

import { capabilities as serverCapabilities, type Capabilities } from "./capabilities";
import { API } from "./paths";
import type { TokenResponse, UserPublic } from "./contract";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The route does not exist on this server (an endpoint of a later milestone). */
  get notImplemented(): boolean {
    return (this.status === 404 && this.code === "http_404") || this.status === 405 || this.status === 501;
  }

  /** Field-level problems of a 422: {"body.password": "…"}. */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    if (Array.isArray(this.details)) {
      for (const d of this.details as { field?: unknown; reason?: unknown }[]) {
        if (d && typeof d.field === "string") {
          const field = d.field.replace(/^body\./, "");
          out[field] = typeof d.reason === "string" ? d.reason : String(d.reason);
        }
      }
    }
    return out;
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | null | undefined | (string | number)[]>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send the access token (default true). */
  auth?: boolean;
  /** Return the Response itself (downloads). */
  raw?: boolean;
}

export interface Session {
  accessToken: string;
  /** When the access token expires, by the browser's clock (see acceptTokens). */
  expiresAt: number;
  user: UserPublic;
}

type Listener = (session: Session | null) => void;

export const CSRF_COOKIE = "ww_csrf";
/** How long to wait after a 429 to a refresh that named no Retry-After. */
const REFRESH_PAUSE_S = 60;
export const CSRF_HEADER = "X-CSRF-Token";

/** The value of cookie `name` in a `document.cookie` string. */
export function readCookie(name: string, cookies: string = globalThis.document?.cookie ?? ""): string | null {
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value) || null;
      } catch {
        return value || null;
      }
    }
  }
  return null;
}

export function buildUrl(base: string, path: string, query?: RequestOptions["query"]): string {
  const params = new URLSearchParams();
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value === null || value === undefined || value === "") continue;
      if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
      else params.append(key, String(value));
    }
  }
  const qs = params.toString();
  return base + path + (qs ? `?${qs}` : "");
}

async function toApiError(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  let details: unknown = null;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; details?: unknown }; detail?: unknown };
    if (body?.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      details = body.error.details ?? null;
    } else if (body?.detail !== undefined) {
      message = typeof body.detail === "string" ? body.detail : message;
      details = body.detail;
    }
  } catch {
    /* not JSON */
  }
  const retry = response.headers.get("Retry-After");
  return new ApiError(response.status, code, message, details, retry ? Number(retry) : null);
}

export class ApiClient {
  private session: Session | null = null;
  private refreshing: Promise<boolean> | null = null;
  /** No refresh before this time (Date.now()): the server rate-limited the last one. */
  private refreshPausedUntil = 0;
  /** The CSRF token of the last login/refresh answer (the cookie is preferred when readable). */
  private csrfMemory: string | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly baseUrl = "",
    private readonly fetchImpl: typeof fetch = (...a) => globalThis.fetch(...a),
    private readonly capabilities: Capabilities = serverCapabilities,
  ) {}

  getSession(): Session | null {
    return this.session;
  }

  getAccessToken(): string | null {
    return this.session?.accessToken ?? null;
  }

  /** The access token, refreshed first when it expires within 20 s (for the live stream). */
  async freshAccessToken(): Promise<string | null> {
    if (this.session && this.session.expiresAt - Date.now() < 20_000) await this.refresh();
    return this.getAccessToken();
  }

  onSession(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setSession(session: Session | null): void {
    this.session = session;
    for (const l of this.listeners) l(session);
  }

  /**
   * Adopt a login/refresh answer. The expiry is counted from now with the token's lifetime
   * (`expires_in`), not read from the server's absolute `expires_at`: a browser clock ahead of
   * the server's would see every fresh token as expiring and refresh before every request.
   */
  acceptTokens(tokens: TokenResponse): Session {
    if (tokens.csrf_token) this.csrfMemory = tokens.csrf_token;
    const expiresAt = Date.now() + tokens.expires_in * 1000;
    const session = { accessToken: tokens.access_token, expiresAt, user: tokens.user };
    this.setSession(session);
    return session;
  }

  updateUser(user: UserPublic): void {
    if (this.session) this.setSession({ ...this.session, user });
  }

  /** Forget the session locally (after logout, or when the server no longer accepts it). */
  clearSession(): void {
    this.csrfMemory = null;
    this.setSession(null);
  }

  csrfToken(): string | null {
    return readCookie(CSRF_COOKIE) ?? this.csrfMemory;
  }

  /** Exchange the refresh cookie for a new access token; false when there is no valid session. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const csrf = this.csrfToken();
    if (!csrf) {
      if (this.session) this.clearSession();
      return false;
    }
    if (Date.now() < this.refreshPausedUntil) return false;
    try {
      const tokens = await this.request<TokenResponse>("POST", API.auth.refresh, {
        auth: false,
        body: {},
        headers: { [CSRF_HEADER]: csrf },
      });
      this.acceptTokens(tokens);
      return true;
    } catch (err) {
      if (!(err instanceof ApiError)) return false;
      // only the server's "this session is over" signs out: a 429 or an outage leaves it valid
      if (err.status === 401 || err.status === 403) this.clearSession();
      else if (err.status === 429) this.refreshPausedUntil = Date.now() + (err.retryAfterS ?? REFRESH_PAUSE_S) * 1000;
      return false;
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (!this.capabilities.serves(path)) {
      // a route of a later server release: answer as the server would, without asking it
      throw new ApiError(404, "http_404", "Not Found");
    }
    const auth = options.auth ?? true;
    if (auth && this.session && this.session.expiresAt - Date.now() < 20_000) {
      await this.refresh(); // about to expire: refresh first rather than fail and retry
    }
    let response = await this.send(method, path, options, auth);
    if (response.status === 401 && auth && this.session) {
      if (await this.refresh()) response = await this.send(method, path, options, auth);
    }
    if (!response.ok) throw await toApiError(response);
    if (options.raw) return response as unknown as T;
    if (response.status === 204) return undefined as T;
    const type = response.headers.get("Content-Type") ?? "";
    if (type.includes("json")) return (await response.json()) as T;
    return (await response.text()) as unknown as T;
  }

  private async send(method: string, path: string, options: RequestOptions, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    let body: BodyInit | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    const token = this.session?.accessToken;
    if (auth && token) headers.Authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(buildUrl(this.baseUrl, path, options.query), {
        method,
        headers,
        body,
        credentials: "same-origin",
        signal: options.signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw new ApiError(0, "network_error", err instanceof Error ? err.message : "network error");
    }
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>("GET", path, options);
  }
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>("POST", path, { ...options, body: body ?? {} });
  }
  put<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>("PUT", path, { ...options, body });
  }
  patch<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>("PATCH", path, { ...options, body });
  }
  delete<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>("DELETE", path, options);
  }
}

export const api = new ApiClient();
