import { api, ApiError, CSRF_HEADER } from "./client";
import { API } from "./paths";
import type { SessionPublic, TokenResponse, UserPublic, UserRegister } from "./contract";

export async function login(email: string, password: string): Promise<UserPublic> {
  const tokens = await api.post<TokenResponse>(API.auth.login, { email, password, refresh_in: "cookie" }, { auth: false });
  return api.acceptTokens(tokens).user;
}

/** Sign up, then sign in (the registration answer may or may not carry tokens). */
export async function register(body: UserRegister): Promise<UserPublic> {
  const answer = await api.post<TokenResponse | UserPublic>(API.auth.register, body, { auth: false }); // 201 UserPublic today
  if (answer && typeof answer === "object" && "access_token" in answer) return api.acceptTokens(answer).user;
  return login(body.email, body.password);
}

async function endSession(path: string): Promise<void> {
  try {
    await api.post(path, {}, { headers: { [CSRF_HEADER]: api.csrfToken() ?? "" } });
  } catch (err) {
    // already signed out on the server: nothing left to end
    if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) throw err;
  } finally {
    api.clearSession();
  }
}

export const logout = () => endSession(API.auth.logout);
/** End every session of the account, on every device (this one included). */
export const logoutEverywhere = () => endSession(API.auth.logoutAll);

export const listSessions = () => api.get<SessionPublic[]>(API.auth.sessions);

/** Restore the session after a reload from the refresh cookie; null when there is none. */
export async function restoreSession(): Promise<UserPublic | null> {
  if (!api.csrfToken()) return null;
  return (await api.refresh()) ? (api.getSession()?.user ?? null) : null;
}
