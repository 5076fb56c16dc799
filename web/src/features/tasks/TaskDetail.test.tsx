import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Toaster } from "sonner";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import type { Task } from "./api";
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
  labels: ["docs"],
  assignee_id: null,
  creator_id: "u1",
  created_at: "2026-11-20T10:00:00Z",
  updated_at: "2026-11-20T10:00:00Z",
  completed_at: null,
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
      return json(404, { title: "Not Found", status: 404 }, "application/problem+json");
    }),
  );
  return patches;
}

function show(onClose = vi.fn()) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <TaskDetail taskId="t1" onClose={onClose} />
      <Toaster />
    </QueryClientProvider>,
  );
  return { onClose };
}

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

afterEach(() => vi.unstubAllGlobals());

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

  it("keeps what the user is typing when a newer version arrives, and shows its other fields", async () => {
    const user = userEvent.setup({ delay: null });
    let latest = task();
    const patches = server(
      () => latest,
      () => json(409, { title: "Conflict", status: 409, current_version: 4 }, "application/problem+json"),
    );
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <TaskDetail taskId="t1" onClose={vi.fn()} />
      </QueryClientProvider>,
    );
    const title = await screen.findByLabelText("Title");
    await user.clear(title);
    await user.type(title, "Half-typed");

    latest = task({ description: "Bob's new description", version: 4 });
    await client.invalidateQueries();

    await waitFor(() => expect(screen.getByLabelText("Description")).toHaveValue("Bob's new description"));
    expect(screen.getByLabelText("Title")).toHaveValue("Half-typed");
    // Saving still names the version the edit started from, so the server can refuse it.
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(patches).toEqual([{ title: "Half-typed", version: 3 }]));
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
    await user.type(screen.getByLabelText("Due date"), "2026-12-24T17:30");
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
