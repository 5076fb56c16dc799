// The signed-in session: the access token lives only in this module's memory; the refresh
// token only in its httpOnly cookie, which the browser sends to /api/auth/refresh.

export interface TokenGrant {
  access_token: string;
  expires_in: number;
}

type Listener = (token: string | null) => void;

const REFRESH_PATH = "/api/auth/refresh";
// Refresh this long before the access token expires, so requests rarely meet a 401.
const EARLY_SECONDS = 60;

let accessToken: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<string | null> | null = null;
const listeners = new Set<Listener>();

export function currentToken(): string | null {
  return accessToken;
}

export function onTokenChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function publish(token: string | null): void {
  accessToken = token;
  for (const listener of listeners) listener(token);
}

/** Keep a freshly granted token and schedule its silent refresh. */
export function grant(tokens: TokenGrant): void {
  clearTimeout(refreshTimer);
  const delay = Math.max(5, tokens.expires_in - EARLY_SECONDS) * 1000;
  refreshTimer = setTimeout(() => void refresh(), delay);
  publish(tokens.access_token);
}

/** Forget the token (after signing out, or when the session cannot be renewed). */
export function forget(): void {
  clearTimeout(refreshTimer);
  publish(null);
}

async function exchange(): Promise<string | null> {
  const response = await fetch(REFRESH_PATH, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
  if (!response.ok) {
    forget();
    return null;
  }
  const tokens = (await response.json()) as TokenGrant;
  grant(tokens);
  return tokens.access_token;
}

/**
 * Trade the refresh cookie for a new access token. Concurrent callers share one request,
 * and tabs take turns (Web Locks): the server treats a second use of a rotated refresh
 * token as theft and ends the whole session.
 */
export function refresh(): Promise<string | null> {
  if (inFlight) return inFlight;
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  const run: Promise<string | null> = locks
    ? locks.request("taskflow-refresh", exchange).then((token) => token)
    : exchange();
  const shared = run
    .catch(() => {
      forget();
      return null;
    })
    .finally(() => {
      inFlight = null;
    });
  inFlight = shared;
  return shared;
}
