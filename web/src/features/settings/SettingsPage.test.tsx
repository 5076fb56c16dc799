import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { SessionProvider, useSession } from "../../lib/auth";
import { createQueryClient } from "../../lib/queryClient";
import { currentToken, forget } from "../../lib/session";
import { SettingsPage } from "./SettingsPage";

vi.mock("sonner", () => ({ toast: Object.assign(vi.fn(), { error: vi.fn(), success: vi.fn() }), Toaster: () => null }));

const slow = { timeout: 5000 };
// Rendering and querying by role in jsdom takes seconds on a busy machine.
const TEST_TIMEOUT = 20_000;
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

/** The account's server: the right current password is "correct horse". */
function fakeServer() {
  const requests: { method: string; path: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const path = new URL(request.url).pathname;
      const body: unknown = request.method === "GET" ? undefined : await request.json();
      requests.push({ method: request.method, path, body });
      if (path === "/api/auth/refresh") return json(200, { access_token: "session-1", expires_in: 900 });
      if (path === "/api/auth/me" && request.method === "GET") return json(200, me);
      if (path === "/api/auth/me" && request.method === "PATCH") return json(200, { ...me, ...(body as object) });
      if (path === "/api/auth/password") {
        const { current_password } = body as { current_password: string };
        return current_password === "correct horse"
          ? json(200, {
              access_token: "session-2",
              refresh_token: "r",
              expires_in: 900,
              refresh_expires_in: 9000,
              token_type: "Bearer",
            })
          : json(403, {
              type: "about:blank",
              title: "Forbidden",
              status: 403,
              detail: "the current password is wrong",
            });
      }
      return json(404, { title: "Not Found", status: 404 });
    }),
  );
  return requests;
}

function SignedInName() {
  const { user } = useSession();
  return <p data-testid="signed-in-as">{user?.display_name}</p>;
}

function renderSettings() {
  const client = createQueryClient();
  render(
    <QueryClientProvider client={client}>
      <SessionProvider>
        <MemoryRouter>
          <Gate />
        </MemoryRouter>
      </SessionProvider>
    </QueryClientProvider>,
  );
}

function Gate() {
  const { status } = useSession();
  return status === "signed-in" ? (
    <>
      <SignedInName />
      <SettingsPage />
    </>
  ) : (
    <p>Signing in</p>
  );
}

describe("the settings page", () => {
  afterEach(() => {
    forget();
    vi.unstubAllGlobals();
  }, TEST_TIMEOUT);

  it(
    "says the current password is wrong when the server answers 403, and keeps the session",
    async () => {
      const user = userEvent.setup();
      fakeServer();
      renderSettings();
      await screen.findByRole("heading", { name: "Password" }, slow);

      await user.type(screen.getByLabelText("Current password"), "wrong horse");
      await user.type(screen.getByLabelText("New password"), "battery staple");
      await user.click(screen.getByRole("button", { name: "Change password" }));

      expect(await screen.findByText("The current password is wrong.", undefined, slow)).toBeVisible();
      expect(screen.getByLabelText("Current password")).toHaveAttribute("aria-invalid", "true");
      expect(currentToken()).toBe("session-1");
    },
    TEST_TIMEOUT,
  );

  it(
    "changes the password and goes on with the fresh session's token",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderSettings();
      await screen.findByRole("heading", { name: "Password" }, slow);

      await user.type(screen.getByLabelText("Current password"), "correct horse");
      await user.type(screen.getByLabelText("New password"), "battery staple");
      await user.click(screen.getByRole("button", { name: "Change password" }));

      expect(await screen.findByText(/Password changed/, undefined, slow)).toBeVisible();
      expect(currentToken()).toBe("session-2");
      expect(screen.getByLabelText("Current password")).toHaveValue("");
      expect(requests.find((r) => r.path === "/api/auth/password")?.body).toEqual({
        current_password: "correct horse",
        new_password: "battery staple",
      });
    },
    TEST_TIMEOUT,
  );

  it(
    "refuses a new password shorter than eight characters without asking the server",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderSettings();
      await screen.findByRole("heading", { name: "Password" }, slow);
      await user.type(screen.getByLabelText("Current password"), "correct horse");
      await user.type(screen.getByLabelText("New password"), "short");
      await user.click(screen.getByRole("button", { name: "Change password" }));
      expect(screen.getByText("Use at least 8 characters.")).toBeVisible();
      expect(requests.some((r) => r.path === "/api/auth/password")).toBe(false);
    },
    TEST_TIMEOUT,
  );

  it(
    "saves only the changed profile fields and updates the signed-in user",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderSettings();
      const name = await screen.findByLabelText("Name", undefined, slow);
      await user.clear(name);
      await user.type(name, "Ada Lovelace");
      await user.click(screen.getByRole("button", { name: "Save profile" }));

      expect(await screen.findByText("Profile saved.", undefined, slow)).toBeVisible();
      await waitFor(() => expect(screen.getByTestId("signed-in-as")).toHaveTextContent("Ada Lovelace"));
      expect(requests.find((r) => r.method === "PATCH")?.body).toEqual({ display_name: "Ada Lovelace" });
    },
    TEST_TIMEOUT,
  );

  it(
    "saves the time zone chosen, and refuses an overlong name with the limit stated",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderSettings();
      const zone = await screen.findByLabelText("Time zone", undefined, slow);
      expect(zone).toHaveValue("UTC");
      await user.selectOptions(zone, "Europe/Lisbon");
      const name = screen.getByLabelText("Name");
      await user.click(name);
      await user.paste("x".repeat(150));
      expect(name).toHaveValue(`Ada${"x".repeat(150)}`);
      expect(name).toHaveAccessibleDescription("The name is 153 characters; the limit is 100.");
      await user.click(screen.getByRole("button", { name: "Save profile" }));
      expect(requests.some((r) => r.method === "PATCH")).toBe(false);

      await user.clear(name);
      await user.type(name, "Ada");
      await user.click(screen.getByRole("button", { name: "Save profile" }));
      expect(await screen.findByText("Profile saved.", undefined, slow)).toBeVisible();
      expect(requests.find((r) => r.method === "PATCH")?.body).toEqual({ time_zone: "Europe/Lisbon" });
    },
    TEST_TIMEOUT,
  );
});
