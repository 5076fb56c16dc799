// The task panel's history against a fake API: entries in words with their age, assignees named
// from the members, and looking again when the task or its comments change.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { TaskTimelineProvider, TaskTimelineSlot } from "../../lib/taskTimeline";
import { activityKeys } from "./api";
import { TaskTimeline } from "./TaskTimeline";
import type { ActivityEntry } from "./wording";

vi.setConfig({ testTimeout: 30_000 });

const ANA = "0b7e7a4e-3f43-4d7b-9a53-2f0d2c8f7a11";
const BEN = "5f2c1d9e-8a6b-4c3d-b2e1-0a9f8e7d6c5b";
const PROJECT = "9d0c8b7a-6f5e-4d3c-a2b1-c0d9e8f7a6b5";
const TASK = "3c2b1a09-8f7e-4d6c-b5a4-93827161504f";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

let serial = 0;
function entry(minutes: number, kind: ActivityEntry["kind"], extra: Partial<ActivityEntry> = {}): ActivityEntry {
  serial += 1;
  return {
    id: `e${serial}`,
    project_id: PROJECT,
    task_id: TASK,
    task_title: "Write the post",
    actor_id: ANA,
    actor_name: "Ana",
    kind,
    changes: [],
    comment_id: null,
    excerpt: null,
    occurred_at: minutesAgo(minutes),
    ...extra,
  };
}

const member = (userId: string, name: string) => ({
  user_id: userId,
  email: `${name.toLowerCase()}@example.com`,
  display_name: name,
  role: "editor",
  created_at: minutesAgo(100),
});

/** A fake API whose history is `history()` at the time of each request; counts history reads. */
function serve(history: () => { items: ActivityEntry[]; next_cursor: string | null }) {
  const reads: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (url.pathname === `/api/tasks/${TASK}/activity`) {
        reads.push(url.search);
        return json(200, history());
      }
      if (url.pathname === `/api/projects/${PROJECT}/members`) {
        return json(200, { items: [member(ANA, "Ana"), member(BEN, "Ben")], next_cursor: null });
      }
      return json(404, { type: "about:blank", title: "Not found", status: 404 });
    }),
  );
  return reads;
}

const newClient = () => new QueryClient({ defaultOptions: { queries: { retry: false } } });

afterEach(() => vi.unstubAllGlobals());

describe("TaskTimeline", () => {
  it("tells the task's history in words, newest first, with assignees by name", async () => {
    serve(() => ({
      items: [
        entry(0.2, "comment_added", { actor_id: BEN, actor_name: "Ben", excerpt: "Draft is in the doc." }),
        entry(2, "status_changed", {
          actor_id: BEN,
          actor_name: "Ben",
          changes: [{ field: "status", before: "todo", after: "in_progress" }],
        }),
        entry(3, "assigned", { changes: [{ field: "assignee_id", before: null, after: BEN }] }),
        entry(4, "updated", { changes: [{ field: "title", before: "Draft", after: "Write the post" }] }),
        entry(5, "updated", { changes: [{ field: "due_at", before: null, after: "2030-03-01T17:00:00Z" }] }),
        entry(60, "created"),
      ],
      next_cursor: null,
    }));
    render(
      <QueryClientProvider client={newClient()}>
        <TaskTimeline taskId={TASK} version={3} />
      </QueryClientProvider>,
    );

    const history = await screen.findByRole("region", { name: "Activity" });
    await waitFor(() => expect(history).toHaveTextContent("Ana assigned this to Ben"));
    expect(
      within(history)
        .getAllByRole("listitem")
        .map((item) => item.textContent),
    ).toEqual([
      "Ben commented: “Draft is in the doc.”, just now",
      "Ben moved this from To do to In progress, 2 minutes ago",
      "Ana assigned this to Ben, 3 minutes ago",
      "Ana renamed this from “Draft” to “Write the post”, 4 minutes ago",
      "Ana set the due date, 5 minutes ago",
      "Ana created this, 1 hour ago",
    ]);
    expect(within(history).queryByRole("button", { name: /older/ })).not.toBeInTheDocument();
  });

  it("loads older entries a page at a time", async () => {
    const user = userEvent.setup({ delay: null });
    const reads = serve(() => ({ items: [], next_cursor: null }));
    vi.mocked(fetch).mockImplementation(async (input) => {
      const url = new URL((input as Request).url);
      if (url.pathname.endsWith("/members")) return json(200, { items: [member(ANA, "Ana")], next_cursor: null });
      reads.push(url.search);
      return url.searchParams.get("cursor") === "older"
        ? json(200, { items: [entry(90, "created")], next_cursor: null })
        : json(200, { items: [entry(1, "deleted")], next_cursor: "older" });
    });
    render(
      <QueryClientProvider client={newClient()}>
        <TaskTimeline taskId={TASK} version={1} />
      </QueryClientProvider>,
    );

    await user.click(await screen.findByRole("button", { name: "Show older activity" }));

    const history = screen.getByRole("region", { name: "Activity" });
    await waitFor(() => expect(within(history).getAllByRole("listitem")).toHaveLength(2));
    expect(history).toHaveTextContent("Ana deleted this, 1 minute ago");
    expect(history).toHaveTextContent("Ana created this, 2 hours ago");
    expect(reads).toEqual(["?limit=30", "?limit=30&cursor=older"]);
    expect(screen.queryByRole("button", { name: "Show older activity" })).not.toBeInTheDocument();
  });

  it("looks again when the task's version moves and when its comments change", async () => {
    let items = [entry(5, "created")];
    const reads = serve(() => ({ items, next_cursor: null }));
    const client = newClient();
    const view = (version: number) => (
      <QueryClientProvider client={client}>
        <TaskTimeline taskId={TASK} version={version} />
      </QueryClientProvider>
    );
    const { rerender } = render(view(1));
    const history = await screen.findByRole("region", { name: "Activity" });
    await waitFor(() => expect(history).toHaveTextContent("Ana created this"));
    expect(reads).toHaveLength(1);

    items = [entry(0, "updated", { changes: [{ field: "priority", before: "low", after: "high" }] }), ...items];
    rerender(view(2));
    await waitFor(() => expect(history).toHaveTextContent("Ana changed the priority from Low to High"));

    // The comments the panel shows (the tasks feature's cache, under the shared "tasks" key).
    const comments = ["tasks", "comments", TASK];
    client.setQueryData(comments, { pages: [{ items: [] }] });
    const before = reads.length;
    items = [entry(0, "comment_added", { excerpt: "Shipped." }), ...items];
    client.setQueryData(comments, { pages: [{ items: [{ id: "c1" }] }] });
    await waitFor(() => expect(history).toHaveTextContent("Ana commented: “Shipped.”"));
    expect(reads.length).toBeGreaterThan(before);
    // Its key starts with "activity": live updates invalidate every history at once.
    expect(client.getQueryData(activityKeys.task(TASK))).toBeDefined();
  });

  it("looks once more a moment after a change, for an entry recorded after the first look", async () => {
    let items = [entry(5, "created")];
    const reads = serve(() => ({ items, next_cursor: null }));
    const client = newClient();
    const view = (version: number) => (
      <QueryClientProvider client={client}>
        <TaskTimeline taskId={TASK} version={version} />
      </QueryClientProvider>
    );
    const { rerender } = render(view(1));
    const history = await screen.findByRole("region", { name: "Activity" });
    await waitFor(() => expect(history).toHaveTextContent("Ana created this"));

    rerender(view(2));
    await waitFor(() => expect(reads).toHaveLength(2));
    // Recorded only now, from the change's event.
    items = [entry(0, "status_changed", { changes: [{ field: "status", before: "todo", after: "done" }] }), ...items];

    await waitFor(() => expect(history).toHaveTextContent("Ana moved this from To do to Done"), { timeout: 5000 });
    expect(reads).toHaveLength(3);
  });

  it("says so when nothing has happened yet", async () => {
    serve(() => ({ items: [], next_cursor: null }));
    render(
      <QueryClientProvider client={newClient()}>
        <TaskTimeline taskId={TASK} version={1} />
      </QueryClientProvider>,
    );
    expect(await screen.findByText("Nothing has happened to this task yet.")).toBeInTheDocument();
  });
});

describe("TaskTimelineSlot", () => {
  it("shows the timeline the app provides, and nothing without one", async () => {
    serve(() => ({ items: [entry(1, "created")], next_cursor: null }));
    const { rerender } = render(
      <QueryClientProvider client={newClient()}>
        <TaskTimelineSlot taskId={TASK} version={1} />
      </QueryClientProvider>,
    );
    expect(screen.queryByRole("region", { name: "Activity" })).not.toBeInTheDocument();

    rerender(
      <QueryClientProvider client={newClient()}>
        <TaskTimelineProvider value={TaskTimeline}>
          <TaskTimelineSlot taskId={TASK} version={1} />
        </TaskTimelineProvider>
      </QueryClientProvider>,
    );
    expect(await screen.findByText(/Ana created this/)).toBeInTheDocument();
  });
});
