import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import { StrictMode } from "react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { SessionProvider, useSession } from "../../lib/auth";
import { createQueryClient } from "../../lib/queryClient";
import { forget } from "../../lib/session";
import { VerifyEmailPage } from "./VerifyEmailPage";

const TEST_TIMEOUT = 20_000;
const SECRET = "verify-secret-456"; // pragma: allowlist secret (a made-up one)
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const me = {
  id: "7d0b7f0e-1111-4c4c-9c9c-000000000001",
  email: "ada@example.com",
  display_name: "Ada",
  time_zone: "UTC",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

function fakeServer({ signedIn, verify }: { signedIn: boolean; verify: () => Response }) {
  let verified = false;
  const calls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const path = new URL(request.url).pathname;
      calls.push(`${request.method} ${path}`);
      if (path === "/api/auth/refresh") {
        return signedIn ? json(200, { access_token: "session-1", expires_in: 900 }) : json(401, { status: 401 });
      }
      if (path === "/api/auth/me") return json(200, { ...me, email_verified: verified });
      if (path === "/api/auth/verify-email") {
        expect(await request.json()).toEqual({ token: SECRET });
        const answer = verify();
        verified = answer.ok;
        return answer;
      }
      return json(404, { status: 404 });
    }),
  );
  return calls;
}

function Badge() {
  const { user } = useSession();
  return <p data-testid="badge">{user ? String(user.email_verified) : "signed out"}</p>;
}

function renderPage() {
  window.history.replaceState(null, "", `/verify-email#token=${SECRET}`);
  render(
    // Development's double effects: the single-use link must still be sent once.
    <StrictMode>
      <QueryClientProvider client={createQueryClient()}>
        <SessionProvider>
          <MemoryRouter initialEntries={["/verify-email"]}>
            <VerifyEmailPage />
            <Badge />
          </MemoryRouter>
        </SessionProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}

afterEach(() => {
  forget();
  window.history.replaceState(null, "", "/");
});

describe("the verify e-mail page", () => {
  it(
    "sends the link's token once, signed out, and says the address is verified",
    async () => {
      const calls = fakeServer({
        signedIn: false,
        verify: () => json(200, { email: "ada@example.com", email_verified: true }),
      });
      renderPage();
      expect(await screen.findByText(/will reach you there/)).toHaveTextContent("ada@example.com is verified");
      expect(window.location.hash).toBe("");
      expect(calls.filter((call) => call === "POST /api/auth/verify-email")).toHaveLength(1);
      expect(screen.getByRole("link", { name: "Sign in" })).toBeInTheDocument();
    },
    TEST_TIMEOUT,
  );

  it(
    "signed in, shows the account as verified afterwards",
    async () => {
      fakeServer({ signedIn: true, verify: () => json(200, { email: "ada@example.com", email_verified: true }) });
      renderPage();
      expect(await screen.findByText(/will reach you there/)).toBeInTheDocument();
      await waitFor(() => expect(screen.getByTestId("badge")).toHaveTextContent("true"));
    },
    TEST_TIMEOUT,
  );

  it(
    "shows why a link is refused",
    async () => {
      const detail = "This link is not valid: it was used, it expired, or it is wrong. Ask for a new one.";
      fakeServer({ signedIn: false, verify: () => json(400, { type: "invalid_link", status: 400, detail }) });
      renderPage();
      expect(await screen.findByRole("alert")).toHaveTextContent(detail);
    },
    TEST_TIMEOUT,
  );
});
