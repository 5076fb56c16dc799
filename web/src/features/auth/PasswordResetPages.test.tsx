import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { SessionProvider } from "../../lib/auth";
import { createQueryClient } from "../../lib/queryClient";
import { ForgotPasswordPage, ResetPasswordPage } from "./PasswordResetPages";
import { SignInPage } from "./SignInPage";

const TEST_TIMEOUT = 20_000;
const SECRET = "link-secret-123"; // pragma: allowlist secret (a made-up one)
const SENT = "If an account uses that address, a link to reset its password is on its way.";
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** The API as these pages meet it: signed out, and `answer` for the account link calls. */
function fakeServer(answer: (path: string, body: unknown) => Response) {
  const sent: { path: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const path = new URL(request.url).pathname;
      if (path === "/api/auth/refresh") return json(401, { title: "Unauthorized", status: 401 });
      const body: unknown = await request.json();
      sent.push({ path, body });
      return answer(path, body);
    }),
  );
  return sent;
}

function renderAt(path: string) {
  render(
    <QueryClientProvider client={createQueryClient()}>
      <SessionProvider>
        <MemoryRouter initialEntries={[path]}>
          <Routes>
            <Route path="/signin" element={<SignInPage />} />
            <Route path="/forgot-password" element={<ForgotPasswordPage />} />
            <Route path="/reset-password" element={<ResetPasswordPage />} />
          </Routes>
        </MemoryRouter>
      </SessionProvider>
    </QueryClientProvider>,
  );
}

afterEach(() => window.history.replaceState(null, "", "/"));

describe("the reset password page", () => {
  it(
    "takes the token out of the address, checks the two passwords, then sends them and asks to sign in",
    async () => {
      const sent = fakeServer(() => new Response(null, { status: 204 }));
      window.history.replaceState(null, "", `/reset-password#token=${SECRET}`);
      renderAt("/reset-password");
      const user = userEvent.setup();

      await screen.findByRole("heading", { name: "Choose a new password" });
      expect(window.location.hash).toBe("");

      await user.type(screen.getByLabelText("New password"), "a new password");
      await user.type(screen.getByLabelText("Repeat the new password"), "a new passw0rd");
      await user.click(screen.getByRole("button", { name: "Change password" }));
      expect(await screen.findByText("The two passwords are not the same.")).toBeInTheDocument();
      expect(sent).toEqual([]);

      await user.clear(screen.getByLabelText("Repeat the new password"));
      await user.type(screen.getByLabelText("Repeat the new password"), "a new password");
      await user.click(screen.getByRole("button", { name: "Change password" }));

      expect(await screen.findByRole("heading", { name: "Sign in to TaskFlow" })).toBeInTheDocument();
      expect(screen.getByRole("status")).toHaveTextContent(/Password changed; sign in with the new one/);
      expect(sent).toEqual([
        { path: "/api/auth/password-reset/complete", body: { token: SECRET, password: "a new password" } },
      ]);
    },
    TEST_TIMEOUT,
  );

  it(
    "shows why a used or expired link is refused, with a way to ask for a new one",
    async () => {
      const detail = "This link is not valid: it was used, it expired, or it is wrong. Ask for a new one.";
      fakeServer(() => json(400, { type: "invalid_link", title: "Bad Request", status: 400, detail }));
      window.history.replaceState(null, "", `/reset-password#token=${SECRET}`);
      renderAt("/reset-password");
      const user = userEvent.setup();

      await user.type(await screen.findByLabelText("New password"), "a new password");
      await user.type(screen.getByLabelText("Repeat the new password"), "a new password");
      await user.click(screen.getByRole("button", { name: "Change password" }));

      const alert = await screen.findByRole("alert");
      expect(alert).toHaveTextContent(detail);
      await user.click(screen.getByRole("link", { name: "Ask for a new link" }));
      expect(await screen.findByRole("heading", { name: "Forgot your password?" })).toBeInTheDocument();
    },
    TEST_TIMEOUT,
  );

  it(
    "says the link is incomplete when the address has no token",
    async () => {
      fakeServer(() => json(500, {}));
      renderAt("/reset-password");
      expect(await screen.findByRole("alert")).toHaveTextContent(/The link is incomplete/);
      expect(screen.queryByRole("button", { name: "Change password" })).not.toBeInTheDocument();
    },
    TEST_TIMEOUT,
  );
});

describe("the forgot password page", () => {
  it(
    "checks the address, then shows the server's answer",
    async () => {
      const sent = fakeServer(() => json(202, { detail: SENT }));
      renderAt("/signin");
      const user = userEvent.setup();

      await user.click(await screen.findByRole("link", { name: "Forgot password?" }));
      await user.type(await screen.findByLabelText("E-mail"), "not an address");
      await user.click(screen.getByRole("button", { name: "Send me a link" }));
      expect(await screen.findByText("Enter an e-mail address like name@example.com.")).toBeInTheDocument();
      expect(sent).toEqual([]);

      await user.clear(screen.getByLabelText("E-mail"));
      await user.type(screen.getByLabelText("E-mail"), "ada@example.com");
      await user.click(screen.getByRole("button", { name: "Send me a link" }));
      expect(await screen.findByRole("status")).toHaveTextContent(SENT);
      expect(sent).toEqual([{ path: "/api/auth/password-reset", body: { email: "ada@example.com" } }]);
    },
    TEST_TIMEOUT,
  );

  it(
    "says to wait when too many links were asked for",
    async () => {
      fakeServer(() => json(429, { title: "Too Many Requests", status: 429, detail: "Too many requests." }));
      renderAt("/forgot-password");
      const user = userEvent.setup();
      await user.type(await screen.findByLabelText("E-mail"), "ada@example.com");
      await user.click(screen.getByRole("button", { name: "Send me a link" }));
      await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent(/Wait a few minutes, then try again/));
    },
    TEST_TIMEOUT,
  );
});
