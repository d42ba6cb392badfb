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
    const off = api.onSession((s) => setUser(s ? s.user : null));
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

export function useAuth(): AuthState {
  return useContext(Ctx);
}
