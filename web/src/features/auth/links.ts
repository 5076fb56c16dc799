// The secret in an e-mailed account link (`/reset-password#token=…`, `/verify-email#token=…`):
// it travels in the fragment, which browsers never send to a server.

export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 1024;

/** The token in a location hash such as "#token=abc", or null when there is none. */
export function tokenFromHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, "")).get("token")?.trim();
  return token ? token : null;
}

/** Take the secret out of the address bar (and the history entry), so it does not linger. */
export function forgetHash(): void {
  if (!window.location.hash) return;
  const { pathname, search } = window.location;
  // history.state is the router's own record of this entry: kept as it is.
  window.history.replaceState(window.history.state, "", pathname + search);
}

/** What is wrong with a new password and its repetition, or null when both are fine. */
export function newPasswordProblem(
  password: string,
  repeated: string,
): { password?: string; repeated?: string } | null {
  if (password.length < MIN_PASSWORD) return { password: `Use at least ${MIN_PASSWORD} characters.` };
  if (password.length > MAX_PASSWORD) return { password: `Use at most ${MAX_PASSWORD} characters.` };
  if (repeated !== password) return { repeated: "The two passwords are not the same." };
  return null;
}
