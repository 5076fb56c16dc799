import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { createQueryClient } from "../../lib/queryClient";
import { forget, grant } from "../../lib/session";
import type { Notification } from "./api";
import { NotificationsPage } from "./NotificationsPage";

vi.mock("sonner", () => ({ toast: Object.assign(vi.fn(), { error: vi.fn(), success: vi.fn() }), Toaster: () => null }));

const slow = { timeout: 5000 };
// Rendering and querying by role in jsdom takes seconds on a busy machine.
const TEST_TIMEOUT = 20_000;
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function notice(n: number, read: boolean): Notification {
  return {
    id: `${1000 + n}-0`,
    kind: n % 2 ? "comment.added" : "task.deleted",
    message: `Notice number ${n}`,
    task_id: "7d0b7f0e-1111-4c4c-9c9c-000000000001",
    project_id: "7d0b7f0e-2222-4c4c-9c9c-000000000002",
    actor_id: null,
    created_at: "2026-11-26T10:00:00Z",
    read,
  };
}

/** 25 notifications, newest first (every third one unread), served 20 at a time. */
function fakeServer() {
  const feed = Array.from({ length: 25 }, (_, i) => notice(25 - i, (25 - i) % 3 !== 0));
  const queries: URLSearchParams[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const url = new URL(request.url);
      if (url.pathname === "/api/notifications/unread-count")
        return json(200, { unread: feed.filter((n) => !n.read).length });
      if (url.pathname === "/api/notifications/read") {
        const body = (await request.json()) as { ids: string[] | null; all: boolean };
        for (const n of feed) if (body.all || body.ids?.includes(n.id)) n.read = true;
        return json(200, { unread: feed.filter((n) => !n.read).length });
      }
      if (url.pathname === "/api/notifications") {
        queries.push(url.searchParams);
        const matching = feed.filter((n) => url.searchParams.get("unread_only") !== "true" || !n.read);
        const start = Number(url.searchParams.get("cursor") ?? 0);
        const end = start + Number(url.searchParams.get("limit"));
        return json(200, {
          items: matching.slice(start, end),
          next_cursor: end < matching.length ? String(end) : null,
        });
      }
      return json(404, { title: "Not Found", status: 404 });
    }),
  );
  return queries;
}

function renderPage() {
  render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter initialEntries={["/notifications"]}>
        <NotificationsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("the notifications page", () => {
  beforeEach(() => grant({ access_token: "token", expires_in: 900 }));
  afterEach(() => {
    forget();
    vi.unstubAllGlobals();
  }, TEST_TIMEOUT);

  it(
    "loads more pages on the cursor, and links each notice to its task or, once deleted, its project",
    async () => {
      const user = userEvent.setup();
      const queries = fakeServer();
      renderPage();
      const region = await screen.findByRole("region", { name: "All notifications" }, slow);
      await within(region).findByText("Notice number 25", undefined, slow);
      expect(within(region).getAllByRole("link")).toHaveLength(20);
      expect(within(region).getByRole("link", { name: /Notice number 25/ })).toHaveAttribute(
        "href",
        "/tasks/7d0b7f0e-1111-4c4c-9c9c-000000000001",
      );
      expect(within(region).getByRole("link", { name: /Notice number 24/ })).toHaveAttribute(
        "href",
        "/projects/7d0b7f0e-2222-4c4c-9c9c-000000000002",
      );

      await user.click(screen.getByRole("button", { name: "Load more" }));
      await within(region).findByText("Notice number 1", undefined, slow);
      expect(within(region).getAllByRole("link")).toHaveLength(25);
      expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
      expect(queries.at(-1)?.get("cursor")).toBe("20");
    },
    TEST_TIMEOUT,
  );

  it(
    "filters to the unread ones and marks one read",
    async () => {
      const user = userEvent.setup();
      const queries = fakeServer();
      renderPage();
      await screen.findByText("8 unread", undefined, slow);
      await user.click(screen.getByRole("button", { name: "Unread only" }));
      const region = await screen.findByRole("region", { name: "Unread notifications" }, slow);
      await within(region).findByText("Notice number 24", undefined, slow);
      expect(within(region).getAllByRole("link")).toHaveLength(8);
      expect(queries.at(-1)?.get("unread_only")).toBe("true");

      await user.click(within(region).getByRole("button", { name: "Mark as read: Notice number 24" }));
      await screen.findByText("7 unread", undefined, slow);
      expect(within(region).queryByRole("button", { name: "Mark as read: Notice number 24" })).toBeNull();
    },
    TEST_TIMEOUT,
  );
});
