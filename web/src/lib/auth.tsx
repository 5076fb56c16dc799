// Who is signed in, for the whole app. Tokens stay in lib/session; this holds the user.
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { api, type Schemas } from "../api/client";
import { unwrap } from "../api/problem";
import { forget, grant, onTokenChange, refresh } from "./session";

export type User = Schemas["UserPublic"];
type Status = "checking" | "signed-in" | "signed-out";

interface SessionValue {
  status: Status;
  user: User | null;
  signIn: (email: string, password: string) => Promise<void>;
  signUp: (email: string, password: string, displayName: string) => Promise<void>;
  signOut: () => Promise<void>;
  setUser: (user: User) => void;
}

const SessionContext = createContext<SessionValue | null>(null);

async function loadMe(): Promise<User> {
  return unwrap(await api.GET("/api/auth/me"));
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>("checking");
  const [user, setUser] = useState<User | null>(null);

  // A page load starts signed out in memory: the refresh cookie, if any, signs back in.
  useEffect(() => {
    let active = true;
    void refresh().then(async (token) => {
      if (!active) return;
      if (!token) return setStatus("signed-out");
      try {
        const me = await loadMe();
        if (active) {
          setUser(me);
          setStatus("signed-in");
        }
      } catch {
        if (active) setStatus("signed-out");
      }
    });
    return () => {
      active = false;
    };
  }, []);

  // When a refresh fails mid-session, the session is over.
  useEffect(
    () =>
      onTokenChange((token) => {
        if (token === null) {
          setUser(null);
          setStatus("signed-out");
          queryClient.clear();
        }
      }),
    [queryClient],
  );

  const signIn = useCallback(async (email: string, password: string) => {
    grant(unwrap(await api.POST("/api/auth/login", { body: { email, password } })));
    setUser(await loadMe());
    setStatus("signed-in");
  }, []);

  const signUp = useCallback(async (email: string, password: string, displayName: string) => {
    grant(
      unwrap(
        await api.POST("/api/auth/register", {
          body: { email, password, display_name: displayName },
        }),
      ),
    );
    setUser(await loadMe());
    setStatus("signed-in");
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.POST("/api/auth/logout", {});
    } finally {
      forget();
    }
  }, []);

  const value = useMemo(
    () => ({ status, user, signIn, signUp, signOut, setUser }),
    [status, user, signIn, signUp, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession needs a SessionProvider");
  return value;
}

/** The signed-in user (inside the authenticated part of the app). */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error("useUser outside the signed-in app");
  return user;
}
