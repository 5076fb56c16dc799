import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { toast } from "sonner";
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
  email_verified: true,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

const FEED_URL = "https://taskflow.example.com/api/calendar/ical/s3cr3t-once.ics";
const TOKEN = "tfp_0123456789abcdefghijABCDEFGHIJklmnop1a2B3c"; // pragma: allowlist secret (a made-up one)

/** The account's server: the right current password is "correct horse". */
function fakeServer() {
  const requests: { method: string; path: string; body: unknown }[] = [];
  let verified = true;
  let feeds: { id: string; name: string; created_at: string; last_used_at: string | null }[] = [
    { id: "f1", name: "Phone", created_at: "2026-11-02T09:00:00Z", last_used_at: "2026-11-30T12:00:00Z" },
  ];
  let tokens: {
    id: string;
    name: string;
    scopes: string[];
    created_at: string;
    expires_at: string | null;
    last_used_at: string | null;
  }[] = [
    {
      id: "t1",
      name: "Deploy script",
      scopes: ["tasks:read"],
      created_at: "2026-11-02T09:00:00Z",
      expires_at: null,
      last_used_at: "2026-11-30T12:00:00Z",
    },
  ];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const path = new URL(request.url).pathname;
      const text = ["GET", "DELETE"].includes(request.method) ? "" : await request.text();
      const body: unknown = text ? JSON.parse(text) : undefined;
      requests.push({ method: request.method, path, body });
      if (path === "/api/calendar/feeds" && request.method === "GET") return json(200, { items: feeds });
      if (path === "/api/calendar/feeds" && request.method === "POST") {
        const feed = { id: "f2", name: (body as { name: string }).name, created_at: "2026-12-04T10:00:00Z" };
        feeds = [...feeds, { ...feed, last_used_at: null }];
        return json(201, { ...feed, url: FEED_URL });
      }
      if (path.startsWith("/api/calendar/feeds/") && request.method === "DELETE") {
        feeds = feeds.filter((feed) => !path.endsWith(feed.id));
        return new Response(null, { status: 204 });
      }
      if (path === "/api/auth/tokens" && request.method === "GET") return json(200, { items: tokens });
      if (path === "/api/auth/tokens" && request.method === "POST") {
        const { name, scopes, expires_at } = body as { name: string; scopes: string[]; expires_at: string | null };
        const token = { id: "t2", name, scopes, created_at: "2026-12-04T10:00:00Z", expires_at, last_used_at: null };
        tokens = [...tokens, token];
        return json(201, { ...token, token: TOKEN });
      }
      if (path.startsWith("/api/auth/tokens/") && request.method === "DELETE") {
        tokens = tokens.filter((token) => !path.endsWith(token.id));
        return new Response(null, { status: 204 });
      }
      if (path === "/api/auth/refresh") return json(200, { access_token: "session-1", expires_in: 900 });
      if (path === "/api/auth/me" && request.method === "GET") return json(200, me);
      if (path === "/api/auth/me" && request.method === "PATCH") {
        // A new address is not verified until its link is opened.
        if ((body as { email?: string }).email) verified = false;
        return json(200, { ...me, ...(body as object), email_verified: verified });
      }
      if (path === "/api/auth/verify-email/resend") {
        return verified
          ? json(409, { title: "Conflict", status: 409, detail: "the address is verified already" })
          : json(202, { detail: "A link is on its way." });
      }
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
  it(
    "creates a calendar feed, shows its address once with a copy button, and revokes one after confirming",
    async () => {
      const user = userEvent.setup();
      const writeText = vi.fn(async () => undefined);
      Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
      const requests = fakeServer();
      renderSettings();
      const list = await screen.findByRole("list", { name: "Your calendar feeds" }, slow);
      expect(within(list).getByText("Phone")).toBeVisible();
      expect(within(list).getByText(/last read/)).toBeVisible();

      await user.type(screen.getByLabelText("Feed name"), "Work laptop");
      await user.click(screen.getByRole("button", { name: "Create feed" }));
      const shown = await screen.findByRole("region", { name: "New calendar feed address" }, slow);
      expect(within(shown).getByLabelText("Feed address")).toHaveValue(FEED_URL);
      await user.click(within(shown).getByRole("button", { name: "Copy address" }));
      expect(writeText).toHaveBeenCalledWith(FEED_URL);
      expect(within(shown).getByRole("button", { name: "Copied" })).toBeVisible();
      expect(await within(list).findByText("Work laptop", undefined, slow)).toBeVisible();
      expect(within(list).getByText(/not read by a calendar yet/)).toBeVisible();
      expect(requests.find((r) => r.path === "/api/calendar/feeds" && r.method === "POST")?.body).toEqual({
        name: "Work laptop",
      });
      // The list never shows the address: once it is put away, it is gone.
      await user.click(within(shown).getByRole("button", { name: "Done" }));
      expect(screen.queryByDisplayValue(FEED_URL)).toBeNull();

      await user.click(within(list).getAllByRole("button", { name: "Revoke" })[0] as HTMLElement);
      await user.click(
        within(screen.getByRole("dialog", { name: "Revoke calendar feed" })).getByRole("button", {
          name: "Revoke feed",
        }),
      );
      await waitFor(() => expect(within(list).queryByText("Phone")).toBeNull());
      expect(requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual(["/api/calendar/feeds/f1"]);
    },
    TEST_TIMEOUT,
  );

  it(
    "creates a personal access token with the scopes and expiry chosen, shows it once with a copy button, and revokes one after confirming",
    async () => {
      const user = userEvent.setup();
      const writeText = vi.fn(async () => undefined);
      Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
      const requests = fakeServer();
      renderSettings();
      const list = await screen.findByRole("list", { name: "Your personal access tokens" }, slow);
      expect(within(list).getByText("Deploy script")).toBeVisible();
      expect(within(list).getByText("tasks:read")).toBeVisible();
      expect(within(list).getByText(/last used .* never expires/)).toBeVisible();

      const form = screen.getByRole("form", { name: "Create a personal access token" });
      // Nothing goes without a name and a scope.
      await user.click(within(form).getByRole("button", { name: "Create token" }));
      expect(within(form).getByText("Name the token.")).toBeVisible();
      expect(within(form).getByText("Choose at least one scope.")).toBeVisible();
      expect(requests.some((r) => r.path === "/api/auth/tokens" && r.method === "POST")).toBe(false);

      await user.type(within(form).getByLabelText("Token name"), "Producer");
      await user.click(within(form).getByRole("checkbox", { name: /^events:write/ }));
      await user.click(within(form).getByRole("checkbox", { name: /^tasks:read/ }));
      await user.selectOptions(within(form).getByLabelText("Expires"), "In 30 days");
      const before = Date.now();
      await user.click(within(form).getByRole("button", { name: "Create token" }));

      const shown = await screen.findByRole("region", { name: "New personal access token" }, slow);
      expect(within(shown).getByLabelText("Token")).toHaveValue(TOKEN);
      await user.click(within(shown).getByRole("button", { name: "Copy token" }));
      expect(writeText).toHaveBeenCalledWith(TOKEN);
      const sent = requests.find((r) => r.path === "/api/auth/tokens" && r.method === "POST")?.body as {
        expires_at: string;
      };
      expect(sent).toMatchObject({ name: "Producer", scopes: ["events:write", "tasks:read"] });
      const days = (Date.parse(sent.expires_at) - before) / 86_400_000;
      expect(days).toBeGreaterThan(29.99);
      expect(days).toBeLessThan(30.01);
      expect(await within(list).findByText("Producer", undefined, slow)).toBeVisible();
      expect(within(list).getByText("events:write tasks:read")).toBeVisible();
      expect(within(list).getByText(/never used .* expires/)).toBeVisible();
      // The list never shows the secret: once it is put away, it is gone.
      await user.click(within(shown).getByRole("button", { name: "Done" }));
      expect(screen.queryByDisplayValue(TOKEN)).toBeNull();

      await user.click(within(list).getAllByRole("button", { name: "Revoke" })[0] as HTMLElement);
      await user.click(
        within(screen.getByRole("dialog", { name: "Revoke personal access token" })).getByRole("button", {
          name: "Revoke token",
        }),
      );
      await waitFor(() => expect(within(list).queryByText("Deploy script")).toBeNull());
      expect(requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual(["/api/auth/tokens/t1"]);
    },
    TEST_TIMEOUT,
  );

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
    "after a change of e-mail, says a link went to the new address, shows it not verified, and sends the link again",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderSettings();
      const profile = await screen.findByRole("region", { name: "Profile" }, slow);
      expect(within(profile).getByText("Verified")).toBeVisible();
      expect(within(profile).queryByRole("button", { name: "Send the link again" })).toBeNull();

      const email = within(profile).getByLabelText("E-mail");
      await user.clear(email);
      await user.type(email, "ada@new.example.com");
      await user.click(within(profile).getByRole("button", { name: "Save profile" }));

      expect(
        await within(profile).findByText(/We sent a link to ada@new\.example\.com: open it to verify/, undefined, slow),
      ).toBeVisible();
      expect(within(profile).getByText("Not verified")).toBeVisible();
      expect(within(profile).getByText(/Notification e-mails start once you open the link/)).toBeVisible();

      await user.click(within(profile).getByRole("button", { name: "Send the link again" }));
      await waitFor(() =>
        expect(toast.success).toHaveBeenCalledWith("A new link is on its way to ada@new.example.com."),
      );
      expect(requests.filter((r) => r.path === "/api/auth/verify-email/resend").map((r) => r.method)).toEqual(["POST"]);
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
