import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { createQueryClient } from "../../lib/queryClient";
import { forget, grant } from "../../lib/session";
import type { Notification } from "./api";
import { LiveNotifications, type LiveHandlers } from "./LiveNotifications";
import { NotificationBell } from "./NotificationBell";

const { toast } = vi.hoisted(() => ({
  toast: Object.assign(vi.fn(), { error: vi.fn(), success: vi.fn() }),
}));
vi.mock("sonner", () => ({ toast, Toaster: () => null }));

const encoder = new TextEncoder();
// Generous: the machine running the tests may be busy.
const slow = { timeout: 5000 };
// Rendering and querying by role in jsdom takes seconds on a busy machine.
const TEST_TIMEOUT = 20_000;

function notice(id: string, message: string, read = false): Notification {
  return {
    id,
    kind: "task.assigned",
    message,
    task_id: "7d0b7f0e-1111-4c4c-9c9c-000000000001",
    project_id: "7d0b7f0e-2222-4c4c-9c9c-000000000002",
    actor_id: "7d0b7f0e-3333-4c4c-9c9c-000000000003",
    created_at: new Date().toISOString(),
    read,
  };
}

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });

/** A feed on a fake server, with a live stream the test pushes events into. */
function fakeServer(feed: Notification[]) {
  let push: ((n: Notification) => void) | undefined;
  let send: ((text: string) => void) | undefined;
  const marked: unknown[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request =
      input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
    const path = new URL(request.url).pathname;
    if (path === "/api/notifications/stream") {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          push = (n) => {
            if (!feed.some((item) => item.id === n.id)) feed.unshift(n);
            controller.enqueue(encoder.encode(`id: ${n.id}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`));
          };
          send = (text) => controller.enqueue(encoder.encode(text));
          controller.enqueue(encoder.encode(": heartbeat\n\n"));
          init?.signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
        },
      });
      return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
    }
    if (path === "/api/notifications/unread-count") return json({ unread: feed.filter((n) => !n.read).length });
    if (path === "/api/notifications") return json({ items: feed, next_cursor: null });
    if (path === "/api/notifications/read") {
      const body = (await request.json()) as { all?: boolean; ids?: string[] | null };
      marked.push(body);
      for (const n of feed) if (body.all || body.ids?.includes(n.id)) n.read = true;
      return json({ unread: feed.filter((n) => !n.read).length });
    }
    return new Response(null, { status: 404 });
  });
  vi.stubGlobal("fetch", fetchMock);
  return {
    marked,
    push: (n: Notification) => {
      if (!push) throw new Error("the stream is not open yet");
      push(n);
    },
    send: (text: string) => {
      if (!send) throw new Error("the stream is not open yet");
      send(text);
    },
    streams: () => fetchMock.mock.calls.filter(([input]) => String(input).endsWith("/api/notifications/stream")).length,
  };
}

function renderShell(handlers: LiveHandlers = {}) {
  const client = createQueryClient();
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <LiveNotifications {...handlers} />
        <NotificationBell />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("live notifications in the bell", () => {
  beforeEach(() => grant({ access_token: "token", expires_in: 900 }));
  afterEach(() => {
    forget();
    vi.unstubAllGlobals();
  }, TEST_TIMEOUT);

  it(
    "raises the count and shows a toast for a pushed notification, once even when replayed",
    async () => {
      const server = fakeServer([notice("10-0", "Ada assigned you “Draft plan”"), notice("9-0", "Old news", true)]);
      renderShell();
      await screen.findByRole("button", { name: "Notifications, 1 unread" }, slow);
      await waitFor(() => expect(server.streams()).toBeGreaterThan(0), slow);

      const fresh = notice("11-0", "Grace assigned you “Ship it”");
      await waitFor(() => server.push(fresh), slow);
      const bell = await screen.findByRole("button", { name: "Notifications, 2 unread" }, slow);
      expect(within(bell).getByText("2")).toBeVisible();
      expect(toast).toHaveBeenCalledTimes(1);
      expect(toast).toHaveBeenCalledWith(
        "Grace assigned you “Ship it”",
        expect.objectContaining({ action: expect.objectContaining({ label: "View" }) }),
      );

      server.push(fresh); // a replay of the same event
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(screen.getByRole("button", { name: "Notifications, 2 unread" })).toBeInTheDocument();
      expect(toast).toHaveBeenCalledTimes(1);
    },
    TEST_TIMEOUT,
  );

  it(
    "lists the latest in a panel that live notifications join, marks all read, and closes on Escape",
    async () => {
      const user = userEvent.setup();
      const server = fakeServer([notice("10-0", "Ada assigned you “Draft plan”")]);
      renderShell();
      const bell = await screen.findByRole("button", { name: "Notifications, 1 unread" }, slow);
      await user.click(bell);
      const panel = await screen.findByRole("dialog", { name: /Notifications/ }, slow);
      const link = await within(panel).findByRole("link", { name: /Ada assigned you/ }, slow);
      expect(link).toHaveAttribute("href", "/tasks/7d0b7f0e-1111-4c4c-9c9c-000000000001");

      await waitFor(() => server.push(notice("12-0", "Linus commented on “Draft plan”: looks good")), slow);
      await waitFor(() => {
        const links = within(panel).getAllByRole("link", { name: /assigned you|commented on/ });
        expect(links.map((link) => link.textContent)).toEqual([
          expect.stringContaining("Linus commented"),
          expect.stringContaining("Ada assigned you"),
        ]);
      }, slow);
      expect(screen.getByRole("button", { name: "Notifications, 2 unread" })).toBe(bell);

      await user.click(within(panel).getByRole("button", { name: "Mark all as read" }));
      await screen.findByRole("button", { name: "Notifications" }, slow);
      expect(server.marked).toEqual([{ ids: null, all: true }]);
      expect(within(panel).queryByText("Unread")).toBeNull();

      await user.keyboard("{Escape}");
      expect(screen.queryByRole("dialog")).toBeNull();
      expect(bell).toHaveFocus();
    },
    TEST_TIMEOUT,
  );

  it(
    "passes the project changes, revocations and refetches on the same stream to the app's handlers",
    async () => {
      const server = fakeServer([]);
      const onChange = vi.fn();
      const onRevoked = vi.fn();
      const onRefetch = vi.fn();
      renderShell({ onChange, onRevoked, onRefetch });
      await waitFor(() => expect(server.streams()).toBe(1), slow);
      const change = {
        type: "com.taskflow.project.deleted",
        event_id: "e-1",
        project_id: "7d0b7f0e-2222-4c4c-9c9c-000000000002",
        actor_id: null,
        actor_name: null,
        time: new Date().toISOString(),
        data: { project_id: "7d0b7f0e-2222-4c4c-9c9c-000000000002", project_name: "Launch" },
      };
      await waitFor(() => server.send(`id: p1\nevent: change\ndata: ${JSON.stringify(change)}\n\n`), slow);
      server.send(`event: revoked\ndata: {"project_id":"p2"}\n\n`);
      server.send(`event: refetch\ndata: {}\n\n`);
      await waitFor(() => expect(onRefetch).toHaveBeenCalledTimes(1), slow);
      expect(onChange).toHaveBeenCalledWith(change);
      expect(onRevoked).toHaveBeenCalledWith("p2");
      expect(server.streams()).toBe(1);
    },
    TEST_TIMEOUT,
  );

  it(
    "caps the visible badge at 99+ while the name keeps the real count",
    async () => {
      fakeServer(Array.from({ length: 120 }, (_, i) => notice(`${200 - i}-0`, `Notice ${i}`)));
      renderShell();
      const bell = await screen.findByRole("button", { name: "Notifications, 120 unread" }, slow);
      expect(within(bell).getByText("99+")).toBeVisible();
    },
    TEST_TIMEOUT,
  );
});
