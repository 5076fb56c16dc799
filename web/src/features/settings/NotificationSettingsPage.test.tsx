import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { createQueryClient } from "../../lib/queryClient";
import { forget, grant } from "../../lib/session";
import { NotificationSettingsPage } from "./NotificationSettingsPage";

vi.mock("sonner", () => ({ toast: Object.assign(vi.fn(), { error: vi.fn(), success: vi.fn() }), Toaster: () => null }));

const slow = { timeout: 5000 };
// Rendering and querying by role in jsdom takes seconds on a busy machine.
const TEST_TIMEOUT = 20_000;
const KINDS = ["task.created", "task.assigned", "comment.added", "project.member_added", "mention"];
const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });

function fakeServer() {
  const requests: { method: string; path: string; body: unknown }[] = [];
  let preferences = {
    email_enabled: true,
    email_kinds: Object.fromEntries(KINDS.map((k) => [k, k !== "task.created"])),
    default_reminders: [45, 60],
    updated_at: null,
  };
  let hooks: { id: string; url: string; description: string; created_at: string }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const path = new URL(request.url).pathname;
      const text = request.method === "GET" ? "" : await request.text();
      const body: unknown = text ? JSON.parse(text) : undefined;
      requests.push({ method: request.method, path, body });
      if (path === "/api/notifications/preferences") {
        // As the server does: only the fields sent change; the reminders in order, once each.
        if (request.method === "PUT") preferences = { ...preferences, ...(body as object) };
        preferences.default_reminders = [...new Set(preferences.default_reminders)].sort((a, b) => a - b);
        return json(200, preferences);
      }
      if (path === "/api/notifications/webhooks" && request.method === "GET") return json(200, { items: hooks });
      if (path === "/api/notifications/webhooks" && request.method === "POST") {
        const hook = {
          id: "5b4c1a52-0000-4000-8000-000000000001",
          created_at: "2026-11-26T10:00:00Z",
          ...(body as { url: string; description: string }),
        };
        hooks = [...hooks, hook];
        return json(201, { ...hook, secret: "whsec_once-and-only-once" });
      }
      if (path.endsWith("/test"))
        return json(200, { delivered: false, status_code: 500, error: null, duration_ms: 41.7 });
      if (request.method === "DELETE") {
        hooks = hooks.filter((hook) => !path.endsWith(hook.id));
        return new Response(null, { status: 204 });
      }
      return json(404, { title: "Not Found", status: 404 });
    }),
  );
  return requests;
}

function renderPage() {
  render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter initialEntries={["/settings/notifications"]}>
        <NotificationSettingsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("the notification settings page", () => {
  beforeEach(() => {
    grant({ access_token: "token", expires_in: 900 });
  });
  afterEach(() => {
    forget();
    vi.unstubAllGlobals();
  }, TEST_TIMEOUT);

  it(
    "saves the master switch and each kind with its label",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderPage();
      const assigned = await screen.findByRole("checkbox", { name: "A task is assigned to me" }, slow);
      expect(assigned).toBeChecked();
      expect(
        screen.getByRole("checkbox", { name: "Someone mentions me (@name) in a comment or a task description" }),
      ).toBeChecked();
      expect(
        screen.getByRole("checkbox", {
          name: "A task is created in a project where I asked to hear of every new task",
        }),
      ).not.toBeChecked();

      await user.click(assigned);
      await user.click(screen.getByRole("switch", { name: /E-mail me about notifications/ }));
      expect(assigned).toBeDisabled();
      await user.click(screen.getByRole("button", { name: "Save preferences" }));

      expect(await screen.findByText("Preferences saved.", undefined, slow)).toBeVisible();
      expect(requests.find((r) => r.method === "PUT")?.body).toEqual({
        email_enabled: false,
        email_kinds: {
          "task.created": false,
          "task.assigned": false,
          "comment.added": true,
          "project.member_added": true,
          mention: true,
        },
      });
    },
    TEST_TIMEOUT,
  );

  it(
    "shows a new webhook's secret once, reports a test, and deletes after confirming",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderPage();
      await screen.findByText("No webhooks yet", undefined, slow);

      await user.type(screen.getByLabelText("URL"), "https://hooks.example.com/taskflow");
      await user.type(screen.getByLabelText("Description"), "Team chat");
      await user.click(screen.getByRole("button", { name: "Add webhook" }));

      expect(await screen.findByLabelText("Signing secret", undefined, slow)).toHaveValue("whsec_once-and-only-once");
      const list = await screen.findByRole("list", { name: "Your webhooks" }, slow);
      expect(within(list).getByText("https://hooks.example.com/taskflow")).toBeVisible();
      await user.click(screen.getByRole("button", { name: "Done" }));
      expect(screen.queryByLabelText("Signing secret")).toBeNull();

      await user.click(within(list).getByRole("button", { name: "Send test" }));
      expect(await within(list).findByText("Not delivered: HTTP 500 (42 ms).", undefined, slow)).toBeVisible();

      await user.click(within(list).getByRole("button", { name: "Delete" }));
      await user.click(
        within(screen.getByRole("dialog", { name: "Delete webhook" })).getByRole("button", { name: "Delete webhook" }),
      );
      await screen.findByText("No webhooks yet", undefined, slow);
      await waitFor(() =>
        expect(requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual([
          "/api/notifications/webhooks/5b4c1a52-0000-4000-8000-000000000001",
        ]),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    "saves default reminders on their own, at most five, offering one saved elsewhere too",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderPage();
      const reminders = await screen.findByRole("group", { name: "Remind me" }, slow);
      expect(within(reminders).getByRole("checkbox", { name: "1 hour before" })).toBeChecked();
      // Not one of the usual choices, but saved: offered, ticked.
      expect(within(reminders).getByRole("checkbox", { name: "45 minutes before" })).toBeChecked();

      await user.click(within(reminders).getByRole("checkbox", { name: "45 minutes before" }));
      for (const name of ["At the due time", "15 minutes before", "1 day before"])
        await user.click(within(reminders).getByRole("checkbox", { name }));
      await user.click(within(reminders).getByRole("checkbox", { name: "2 hours before" }));
      expect(reminders).toHaveAccessibleDescription(/That is 5, the most there can be/);
      expect(within(reminders).getByRole("checkbox", { name: "1 week before" })).toBeDisabled();
      expect(within(reminders).getByRole("checkbox", { name: "1 hour before" })).toBeEnabled();

      await user.click(screen.getByRole("button", { name: "Save default reminders" }));
      expect(await screen.findByText("Default reminders saved.", undefined, slow)).toBeVisible();
      expect(requests.filter((r) => r.method === "PUT").map((r) => r.body)).toEqual([
        { default_reminders: [0, 15, 60, 120, 1440] },
      ]);
    },
    TEST_TIMEOUT,
  );

  it(
    "refuses an address that is not a URL before asking the server",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderPage();
      await screen.findByText("No webhooks yet", undefined, slow);
      await user.type(screen.getByLabelText("URL"), "hooks.example.com");
      await user.click(screen.getByRole("button", { name: "Add webhook" }));
      expect(screen.getByText("Enter the full address, starting with https://")).toBeVisible();
      expect(requests.some((r) => r.method === "POST")).toBe(false);
    },
    TEST_TIMEOUT,
  );

  it(
    "says a description past its limit is too long, keeps all of it, and does not send it",
    async () => {
      const user = userEvent.setup();
      const requests = fakeServer();
      renderPage();
      await screen.findByText("No webhooks yet", undefined, slow);
      await user.type(screen.getByLabelText("URL"), "https://hooks.example.com/taskflow");
      const description = screen.getByLabelText("Description");
      await user.click(description);
      await user.paste("x".repeat(205));
      expect(description).toHaveValue("x".repeat(205));
      expect(screen.getByText("The description is 205 characters; the limit is 200.")).toBeVisible();
      expect(screen.getByRole("button", { name: "Add webhook" })).toBeDisabled();
      expect(requests.some((r) => r.method === "POST")).toBe(false);
    },
    TEST_TIMEOUT,
  );
});
