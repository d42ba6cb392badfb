import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { api } from "../api/client";
import { restoreSession } from "../api/auth";
import type { UserPublic } from "../api/contract";

interface AuthState {
  /** undefined while the saved session is being restored. */
  user: UserPublic | null | undefined;
}

const Ctx = createContext<AuthState>({ user: undefined });

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<UserPublic | null | undefined>(() => (api.getSession() ? api.getSession()!.user : undefined));
  useEffect(() => {
    // every token refresh brings the user anew: keep the old object while nothing changed, so
    // the app does not re-render (and re-run effects keyed on it) every 15 minutes
    const off = api.onSession((s) => setUser((old) => (s && old && sameUser(old, s.user) ? old : (s?.user ?? null))));
    if (user === undefined) {
      restoreSession()
        .then((u) => setUser(u))
        .catch(() => setUser(null));
    }
    return off;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return <Ctx.Provider value={{ user }}>{children}</Ctx.Provider>;
}

/** The same account with the same fields (the user is a flat JSON object). */
function sameUser(a: UserPublic, b: UserPublic): boolean {
  const keys = Object.keys(a) as (keyof UserPublic)[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

export function useAuth(): AuthState {
  return useContext(Ctx);
}
