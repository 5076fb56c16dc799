import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { ReactNode } from "react";
import { RouterProvider, createMemoryRouter } from "react-router";
import { Toaster } from "sonner";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import type { LiveChange } from "../../api/liveChanges";
import { clearMarks } from "../../lib/liveMarks";
import { aChange } from "../../test/liveChanges";
import type { Task } from "./api";
import { applyTaskChange, markTaskChange } from "./liveTasks";
import { TaskDetail } from "./TaskDetail";
import { fromLocalInput, parseLabels, toLocalInput } from "./taskFormValues";

vi.mock("../../lib/auth", () => ({
  useUser: () => ({ id: "u1", email: "ada@example.com", display_name: "Ada Lovelace", created_at: "", updated_at: "" }),
}));

const CONFLICT = "Someone else changed this in the meantime. The latest version is shown; make your change again.";

const task = (over: Partial<Task> = {}): Task => ({
  id: "t1",
  project_id: "p1",
  title: "Write the release notes",
  description: "For 2.0",
  status: "todo",
  priority: "medium",
  due_at: null,
  due_date: null,
  labels: ["docs"],
  assignee_id: null,
  creator_id: "u1",
  created_at: "2026-11-20T10:00:00Z",
  updated_at: "2026-11-20T10:00:00Z",
  completed_at: null,
  parent_id: null,
  subtask_count: 0,
  subtasks_done: 0,
  recurrence: null,
  recurrence_basis: null,
  next_occurrence_id: null,
  version: 3,
  ...over,
});

const json = (status: number, body: unknown, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });

const members = {
  items: [
    { user_id: "u1", email: "ada@example.com", display_name: "Ada Lovelace", role: "owner", created_at: "" },
    { user_id: "u2", email: "bob@example.com", display_name: "Bob Builder", role: "editor", created_at: "" },
  ],
  next_cursor: null,
};

/** The server: GET answers with `current()`, PATCH with `patch(body)`. */
function server(current: () => Task, patch: (body: Record<string, unknown>) => Response) {
  const patches: Record<string, unknown>[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const path = new URL(request.url).pathname;
      if (request.method === "PATCH") {
        const body = (await request.json()) as Record<string, unknown>;
        patches.push(body);
        return patch(body);
      }
      if (path === "/api/tasks/t1") return json(200, current());
      if (path === "/api/projects/p1/members") return json(200, members);
      if (path === "/api/tasks/t1/comments") return json(200, { items: [], next_cursor: null });
      // The panel's other sections: no subtasks, relations, files or reminders.
      if (path === "/api/tasks") return json(200, { items: [], next_cursor: null });
      if (/^\/api\/tasks\/t1\/(relations|attachments|reminders)$/.test(path)) return json(200, { items: [] });
      return json(404, { title: "Not Found", status: 404 }, "application/problem+json");
    }),
  );
  return patches;
}

/** The panel on its page (a data router: leaving the page may be held up). */
function onItsPage(element: ReactNode) {
  return createMemoryRouter(
    [
      { path: "/projects/:projectId", element },
      { path: "*", element: <p>Another page</p> },
    ],
    { initialEntries: ["/projects/p1?task=t1"] },
  );
}

function show(onClose = vi.fn()) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = onItsPage(<TaskDetail taskId="t1" onClose={onClose} />);
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
      <Toaster />
    </QueryClientProvider>,
  );
  return { onClose, client, router };
}

/** A change Bob made, arriving on the live stream as the app applies it. */
function live(client: QueryClient, change: LiveChange) {
  act(() => {
    applyTaskChange(client, change);
    markTaskChange(change, "u1");
  });
}

const byBob = { actor_id: "u2", actor_name: "Bob Builder" };

beforeAll(() => {
  // jsdom has no matchMedia; the toaster asks it for the colour scheme.
  window.matchMedia ??= ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    addListener: () => undefined,
    removeListener: () => undefined,
    dispatchEvent: () => false,
  })) as typeof window.matchMedia;
});

// Typing into a form is slow on a busy machine; the default 5 s is for pure logic.
vi.setConfig({ testTimeout: 30_000 });

afterEach(() => {
  vi.unstubAllGlobals();
  clearMarks();
});

describe("TaskDetail", () => {
  it("saves only the changed title, with the version it was read at", async () => {
    const user = userEvent.setup({ delay: null });
    let latest = task();
    const patches = server(
      () => latest,
      (body) => {
        latest = task({ ...body, version: 4 } as Partial<Task>);
        return json(200, latest);
      },
    );
    show();
    const panel = await screen.findByRole("region", { name: "Task details" });
    const title = await within(panel).findByLabelText("Title");
    expect(within(panel).getByRole("button", { name: "Save changes" })).toBeDisabled();

    await user.clear(title);
    await user.type(title, "Write the 2.0 release notes");
    await user.click(within(panel).getByRole("button", { name: "Save changes" }));

    await waitFor(() => expect(patches).toEqual([{ title: "Write the 2.0 release notes", version: 3 }]));
    await waitFor(() => expect(within(panel).getByRole("button", { name: "Save changes" })).toBeDisabled());
    expect(within(panel).getByLabelText("Title")).toHaveValue("Write the 2.0 release notes");
  });

  it("shows the conflict and the server's latest title when the version is stale", async () => {
    const user = userEvent.setup({ delay: null });
    let latest = task();
    const patches = server(
      () => latest,
      () => {
        // Someone else saved first.
        latest = task({ title: "Release notes, reviewed by Bob", version: 4 });
        return json(
          409,
          { title: "Conflict", status: 409, detail: "Version 3 is stale.", current_version: 4 },
          "application/problem+json",
        );
      },
    );
    show();
    const title = await screen.findByLabelText("Title");

    await user.clear(title);
    await user.type(title, "My title");
    await user.click(screen.getByRole("button", { name: "Save changes" }));

    expect(await screen.findByText(CONFLICT)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText("Title")).toHaveValue("Release notes, reviewed by Bob"));
    expect(patches).toEqual([{ title: "My title", version: 3 }]);
    expect(screen.getByRole("button", { name: "Save changes" })).toBeDisabled();
  });

  it("keeps what the user is typing when a newer version arrives, shows its other fields, and saves on it", async () => {
    const user = userEvent.setup({ delay: null });
    let latest = task();
    const patches = server(
      () => latest,
      (body) => {
        latest = task({ ...latest, ...body, version: 5 } as Partial<Task>);
        return json(200, latest);
      },
    );
    const { client } = show();
    const title = await screen.findByLabelText("Title");
    await user.clear(title);
    await user.type(title, "Half-typed");

    latest = task({ description: "Bob's new description", version: 4 });
    await client.invalidateQueries();

    await waitFor(() => expect(screen.getByLabelText("Description")).toHaveValue("Bob's new description"));
    expect(screen.getByLabelText("Title")).toHaveValue("Half-typed");
    expect(screen.queryByRole("button", { name: "Use theirs" })).not.toBeInTheDocument();
    // The form stands on the version it shows: the merged change is not a conflict.
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(patches).toEqual([{ title: "Half-typed", version: 4 }]));
  });

  it("sends every field in the server's shapes: assignee, due date with its timezone, labels", async () => {
    const user = userEvent.setup({ delay: null });
    let latest = task();
    const patches = server(
      () => latest,
      (body) => {
        latest = task({ ...body, version: 4 } as Partial<Task>);
        return json(200, latest);
      },
    );
    show();
    await screen.findByLabelText("Title");
    await screen.findByRole("option", { name: "Bob Builder" });

    await user.selectOptions(screen.getByLabelText("Assignee"), "Bob Builder");
    await user.selectOptions(screen.getByLabelText("Status"), "In review");
    await user.selectOptions(screen.getByLabelText("Priority"), "Urgent");
    await user.type(screen.getByLabelText("Due date"), "2026-12-24");
    await user.type(screen.getByLabelText("Time (optional)"), "17:30");
    await user.clear(screen.getByLabelText("Labels"));
    await user.type(screen.getByLabelText("Labels"), "docs, release ,docs");
    await user.click(screen.getByRole("button", { name: "Save changes" }));

    await waitFor(() => expect(patches).toHaveLength(1));
    expect(patches[0]).toEqual({
      assignee_id: "u2",
      status: "review",
      priority: "urgent",
      due_at: new Date("2026-12-24T17:30").toISOString(),
      labels: ["docs", "release"],
      version: 3,
    });
  });

  it("saves a day without a time as an all-day due date, from a shortcut", async () => {
    const user = userEvent.setup({ delay: null });
    let latest = task();
    const patches = server(
      () => latest,
      (body) => {
        latest = task({ ...body, version: 4 } as Partial<Task>);
        return json(200, latest);
      },
    );
    show();
    await screen.findByLabelText("Title");
    await user.click(screen.getByRole("button", { name: "Tomorrow" }));
    expect(screen.getByLabelText("Time (optional)")).toHaveValue("");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    const tomorrow = new Date();
    tomorrow.setDate(tomorrow.getDate() + 1);
    const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, "0")}-${String(tomorrow.getDate()).padStart(2, "0")}`;
    await waitFor(() => expect(patches).toEqual([{ due_date: day, version: 3 }]));
  });

  it("refuses an overlong title with the limit stated, and says why Save is disabled", async () => {
    const user = userEvent.setup({ delay: null });
    const patches = server(
      () => task(),
      () => json(500, {}),
    );
    show();
    const title = await screen.findByLabelText("Title");
    const save = screen.getByRole("button", { name: "Save changes" });
    expect(save).toBeDisabled();
    expect(save).toHaveAccessibleDescription("Nothing to save: no field has changed.");
    await user.clear(title);
    await user.click(title);
    await user.paste("x".repeat(512));
    expect(title).toHaveValue("x".repeat(512));
    expect(title).toHaveAccessibleDescription("Title is 512 characters; the limit is 200.");
    expect(save).toBeDisabled();
    expect(save).toHaveAccessibleDescription("Cannot save yet. Title is 512 characters; the limit is 200.");
    expect(patches).toEqual([]);
  });

  it("closes with Escape and with its close button", async () => {
    const user = userEvent.setup({ delay: null });
    server(
      () => task(),
      () => json(500, {}),
    );
    const { onClose } = show();
    await screen.findByLabelText("Title");

    await user.click(screen.getByLabelText("Description"));
    await user.keyboard("{Escape}");
    expect(onClose).toHaveBeenCalledTimes(1);
    await user.click(screen.getByRole("button", { name: "Close task details" }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });
  it("deletes the task once the dialog confirms it, and closes", async () => {
    const user = userEvent.setup({ delay: null });
    server(
      () => task(),
      () => json(500, {}),
    );
    const { onClose } = show();
    await screen.findByLabelText("Title");

    await user.click(screen.getByRole("button", { name: "Delete task" }));
    const dialog = screen.getByRole("dialog", { name: "Delete this task?" });
    await user.click(within(dialog).getByRole("button", { name: "Delete task" }));

    expect(await screen.findByText("Task deleted.")).toBeInTheDocument();
    const methods = vi.mocked(fetch).mock.calls.map(([request]) => (request as Request).method);
    expect(methods).toContain("DELETE");
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });
});

describe("the task panel, as someone else changes the task", () => {
  /** A server that saves what it is sent, at the next version. */
  function saving(start: Task) {
    const state = { latest: start };
    const patches = server(
      () => state.latest,
      (body) => {
        state.latest = task({ ...state.latest, ...body, version: state.latest.version + 1 } as Partial<Task>);
        return json(200, state.latest);
      },
    );
    return { state, patches };
  }

  it("merges a change to a field not being edited, keeps the unsaved edit, and saves on the new version", async () => {
    const user = userEvent.setup({ delay: null });
    const { state, patches } = saving(task());
    const { client } = show();
    const description = await screen.findByLabelText("Description");
    await user.clear(description);
    await user.type(description, "Steps for the 2.0 notes");

    state.latest = task({ status: "review", version: 4 });
    live(client, aChange("com.taskflow.task.status_changed", { task: state.latest, previous_status: "todo" }, byBob));

    expect(screen.getByLabelText("Status")).toHaveValue("review");
    expect(screen.getByLabelText("Description")).toHaveValue("Steps for the 2.0 notes");
    expect(screen.getByRole("status", { name: "" })).toHaveTextContent("Bob Builder moved this to In review");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(patches).toEqual([{ description: "Steps for the 2.0 notes", version: 4 }]));
  });

  it("shows a change to the field being edited beside it, and saves nothing until the user chooses", async () => {
    const user = userEvent.setup({ delay: null });
    const { state, patches } = saving(task());
    const { client } = show();
    const title = await screen.findByLabelText("Title");
    await user.clear(title);
    await user.type(title, "My title");

    state.latest = task({ title: "Bob's title", version: 4 });
    live(client, aChange("com.taskflow.task.updated", { task: state.latest, changed: ["title"] }, byBob));

    const note = screen.getByRole("note");
    expect(note).toHaveTextContent("Bob Builder changed this to “Bob's title”.");
    expect(title).toHaveValue("My title");
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText(/choose “Use theirs” or “Keep mine” there first/)).toBeInTheDocument();
    expect(patches).toEqual([]);

    await user.click(within(note).getByRole("button", { name: "Use theirs" }));
    expect(title).toHaveValue("Bob's title");
    expect(screen.queryByRole("note")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Save changes" })).toBeDisabled();
  });

  it("keeps the user's value when they choose, and saves it on the new version without a conflict", async () => {
    const user = userEvent.setup({ delay: null });
    const { state, patches } = saving(task());
    const { client } = show();
    await user.selectOptions(await screen.findByLabelText("Priority"), "Urgent");

    state.latest = task({ priority: "low", title: "Renamed by Bob", version: 4 });
    live(client, aChange("com.taskflow.task.updated", { task: state.latest, changed: ["title", "priority"] }, byBob));

    expect(screen.getByLabelText("Title")).toHaveValue("Renamed by Bob");
    const note = screen.getByRole("note");
    expect(note).toHaveTextContent("Bob Builder changed this to Low.");
    await user.click(within(note).getByRole("button", { name: "Keep mine" }));
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(patches).toEqual([{ priority: "urgent", version: 4 }]));
  });

  it("drops an edit that Bob's change made already, with nothing to choose", async () => {
    const user = userEvent.setup({ delay: null });
    const { state } = saving(task());
    const { client } = show();
    await user.selectOptions(await screen.findByLabelText("Status"), "Done");

    state.latest = task({ status: "done", version: 4 });
    live(client, aChange("com.taskflow.task.status_changed", { task: state.latest, previous_status: "todo" }, byBob));

    expect(screen.queryByRole("note")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Save changes" })).toBeDisabled();
  });

  it("says the task was deleted, by whom, in place of its fields", async () => {
    saving(task());
    const { client } = show();
    await screen.findByLabelText("Title");
    live(client, aChange("com.taskflow.task.deleted", { task: task() }, byBob));
    expect(screen.getByRole("alert")).toHaveTextContent("Bob Builder deleted this task.");
    expect(screen.queryByLabelText("Title")).not.toBeInTheDocument();
  });
});

describe("unsaved changes in the task panel", () => {
  it("asks before closing with unsaved changes: Keep editing stays, Discard changes closes", async () => {
    const user = userEvent.setup({ delay: null });
    server(
      () => task(),
      () => json(500, {}),
    );
    const { onClose } = show();
    await user.type(await screen.findByLabelText("Description"), " and more");

    await user.click(screen.getByRole("button", { name: "Close task details" }));
    let dialog = screen.getByRole("dialog", { name: "Discard unsaved changes?" });
    await user.click(within(dialog).getByRole("button", { name: "Keep editing" }));
    expect(onClose).not.toHaveBeenCalled();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Description")).toHaveValue("For 2.0 and more");

    await user.click(screen.getByLabelText("Description"));
    await user.keyboard("{Escape}");
    dialog = screen.getByRole("dialog", { name: "Discard unsaved changes?" });
    await user.click(within(dialog).getByRole("button", { name: "Discard changes" }));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("holds a navigation away from the task until the user discards their changes", async () => {
    const user = userEvent.setup({ delay: null });
    server(
      () => task(),
      () => json(500, {}),
    );
    const { router } = show();
    await user.type(await screen.findByLabelText("Title"), "!");

    // Other filters keep the task open: nothing to ask.
    await act(() => router.navigate("/projects/p1?task=t1&status=todo"));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();

    // Held: the navigation's promise settles only once the user decides.
    await act(async () => {
      void router.navigate("/settings");
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const dialog = await screen.findByRole("dialog", { name: "Discard unsaved changes?" });
    expect(router.state.location.pathname).toBe("/projects/p1");
    await user.click(within(dialog).getByRole("button", { name: "Discard changes" }));
    expect(await screen.findByText("Another page")).toBeInTheDocument();
  });

  it("lets the person go at once when they lost the project", async () => {
    const user = userEvent.setup({ delay: null });
    server(
      () => task(),
      () => json(500, {}),
    );
    const { router } = show();
    await user.type(await screen.findByLabelText("Title"), "!");
    await act(() => router.navigate("/", { state: { accessEnded: true } }));
    expect(await screen.findByText("Another page")).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });
});

describe("the detail form's conversions", () => {
  it("turns a local date and time into an ISO instant and back", () => {
    const iso = fromLocalInput("2026-03-05T09:07");
    expect(iso).toMatch(/Z$/);
    expect(toLocalInput(iso)).toBe("2026-03-05T09:07");
    expect(fromLocalInput("")).toBeNull();
  });

  it("reads comma-separated labels without blanks or repeats", () => {
    expect(parseLabels(" a, b,,a , c ")).toEqual(["a", "b", "c"]);
  });
});
