// The task list screen against a fake API: what it asks for as filters change, and what it
// shows for what it gets back.
import { QueryClientProvider } from "@tanstack/react-query";
import { configure, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { RouterProvider, createMemoryRouter } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { SessionProvider, useSession } from "../../lib/auth";
import { createQueryClient } from "../../lib/queryClient";
import { forget } from "../../lib/session";
import type { Task } from "./api";
import { ProjectTasksPage } from "./ProjectTasksPage";

// The panel and the board are their own screens (with their own tests); stand-ins here.
vi.mock("./TaskDetail", () => ({
  TaskDetail: ({ taskId, onClose }: { taskId: string; onClose: () => void }) => (
    <section aria-label="Task details">
      <p>Details of {taskId}</p>
      <button type="button" onClick={onClose}>
        Close task details
      </button>
    </section>
  ),
}));
vi.mock("./TaskBoard", () => ({ TaskBoard: () => <p>Board</p> }));

// A busy machine can take more than the default second to render a page of rows.
configure({ asyncUtilTimeout: 5000 });

const PROJECT = "9d0c8b7a-6f5e-4d3c-a2b1-c0d9e8f7a6b5";
const ME = "0b7e7a4e-3f43-4d7b-9a53-2f0d2c8f7a11";
const BEA = "5f2c1d9e-8a6b-4c3d-b2e1-0a9f8e7d6c5b";
const STAMP = "2026-11-20T10:00:00Z";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

function task(id: string, title: string, extra: Partial<Task> = {}): Task {
  return {
    id,
    project_id: PROJECT,
    title,
    description: "",
    status: "todo",
    priority: "medium",
    due_at: null,
    due_date: null,
    labels: [],
    assignee_id: null,
    creator_id: ME,
    created_at: STAMP,
    updated_at: STAMP,
    completed_at: null,
    parent_id: null,
    subtask_count: 0,
    subtasks_done: 0,
    recurrence: null,
    recurrence_basis: null,
    next_occurrence_id: null,
    version: 1,
    ...extra,
  };
}

const FIRST_PAGE = [
  task("t1", "Write release notes", { assignee_id: BEA, labels: ["docs"], priority: "high" }),
  task("t2", "Fix the login bug", { status: "in_progress", due_at: "2020-01-01T09:00:00Z" }),
];
const SECOND_PAGE = [task("t3", "Plan the offsite", { priority: "low" })];

interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** The API as far as this screen uses it; `GET /api/tasks` answers from `tasks` unless a filter is set. */
function fakeApi(listed: Task[] = []) {
  const calls: Call[] = [];
  const created: Task[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const url = new URL(request.url);
      const text = request.method === "GET" ? "" : await request.text();
      const body: unknown = text ? JSON.parse(text) : undefined;
      calls.push({ method: request.method, path: url.pathname, query: url.searchParams, body });
      const route = `${request.method} ${url.pathname}`;
      if (route === "POST /api/auth/refresh")
        return json(200, { access_token: "token", token_type: "Bearer", expires_in: 900 });
      if (route === "GET /api/auth/me")
        return json(200, {
          id: ME,
          email: "me@example.com",
          display_name: "Me Myself",
          created_at: STAMP,
          updated_at: STAMP,
        });
      if (route === `GET /api/projects/${PROJECT}`)
        return json(200, {
          id: PROJECT,
          name: "Launch",
          description: "",
          owner_id: ME,
          is_inbox: false,
          role: "owner",
          created_at: STAMP,
          updated_at: STAMP,
        });
      if (route === `GET /api/projects/${PROJECT}/members`)
        return json(200, {
          items: [
            { user_id: ME, email: "me@example.com", display_name: "Me Myself", role: "owner", created_at: STAMP },
            { user_id: BEA, email: "bea@example.com", display_name: "Bea Rivera", role: "editor", created_at: STAMP },
          ],
          next_cursor: null,
        });
      if (route === "GET /api/tasks") {
        const filtered = [...url.searchParams.keys()].some((key) => !["project_id", "limit", "cursor"].includes(key));
        if (filtered) return json(200, { items: [], next_cursor: null });
        return url.searchParams.get("cursor") === "page-2"
          ? json(200, { items: SECOND_PAGE, next_cursor: null })
          : json(200, { items: [...created, ...listed, ...FIRST_PAGE], next_cursor: "page-2" });
      }
      if (route === "PATCH /api/tasks/t1")
        return json(200, { ...FIRST_PAGE[0], status: "done", version: 2, completed_at: STAMP });
      if (route === "POST /api/tasks") {
        const { title } = body as { title: string };
        created.unshift(task(`t${9 + created.length}`, title));
        return json(201, created[0]);
      }
      return json(404, { type: "about:blank", title: "Not Found", status: 404, detail: `No route ${route}` });
    }),
  );
  const taskRequests = () => calls.filter((call) => call.method === "GET" && call.path === "/api/tasks");
  return { calls, taskRequests, lastTaskQuery: () => taskRequests().at(-1)?.query };
}

/** The page as the app shows it: only once the session has signed back in. */
function SignedIn() {
  const { status } = useSession();
  return status === "signed-in" ? <ProjectTasksPage /> : <p>Signing in</p>;
}

function renderPage(search = "") {
  const router = createMemoryRouter([{ path: "/projects/:projectId", element: <SignedIn /> }], {
    initialEntries: [`/projects/${PROJECT}${search}`],
  });
  render(
    <QueryClientProvider client={createQueryClient()}>
      <SessionProvider>
        <RouterProvider router={router} />
      </SessionProvider>
    </QueryClientProvider>,
  );
  return router;
}

describe("the project's task list", { timeout: 20_000 }, () => {
  beforeEach(() => {
    // jsdom has no layout, so no IntersectionObserver: the "Load more" button is the way on.
    vi.stubGlobal("IntersectionObserver", undefined);
  });
  afterEach(() => {
    forget();
    vi.unstubAllGlobals();
  });

  it("shows the project's tasks with their assignee, status and priority", async () => {
    const api = fakeApi();
    renderPage();
    const list = await screen.findByRole("list", { name: "Tasks" });
    expect(await screen.findByRole("heading", { name: "Launch" })).toBeInTheDocument();
    const rows = within(list).getAllByRole("listitem");
    expect(rows).toHaveLength(2);
    expect(within(rows[0] as HTMLElement).getByRole("button", { name: "Write release notes" })).toBeInTheDocument();
    expect(await within(rows[0] as HTMLElement).findByText("Bea Rivera")).toBeInTheDocument();
    expect(within(rows[0] as HTMLElement).getByText("#docs")).toBeInTheDocument();
    expect(within(rows[1] as HTMLElement).getByText("In progress")).toBeInTheDocument();
    expect(within(rows[1] as HTMLElement).getByText(/Overdue/)).toBeInTheDocument();
    expect(api.lastTaskQuery()?.get("project_id")).toBe(PROJECT);
    expect([...(api.lastTaskQuery()?.keys() ?? [])].sort()).toEqual(["limit", "project_id"]);
  });

  it("names a subtask's parent under its title when the list holds the parent", async () => {
    fakeApi([
      task("s1", "Proofread the notes", { parent_id: "t1" }),
      task("s2", "Check the links", { parent_id: "elsewhere" }),
    ]);
    renderPage();
    const list = await screen.findByRole("list", { name: "Tasks" });
    const row = (title: string) =>
      within(list)
        .getAllByRole("listitem")
        .find((item) => within(item).queryByRole("button", { name: title })) as HTMLElement;
    await within(list).findByRole("button", { name: "Proofread the notes" });
    expect(row("Proofread the notes")).toHaveTextContent("subtask of Write release notes");
    // A parent the list does not hold is not named (nor guessed).
    expect(row("Check the links")).not.toHaveTextContent("subtask of");
  });

  it("asks again with the filter in the query string, and says when nothing matches", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    const router = renderPage();
    await screen.findByRole("list", { name: "Tasks" });

    await user.selectOptions(screen.getByLabelText("Due"), "Overdue");
    expect(await screen.findByText("No tasks match these filters")).toBeInTheDocument();
    expect(api.lastTaskQuery()?.get("overdue")).toBe("true");
    expect(router.state.location.search).toBe("?due=overdue");

    await user.click(screen.getByText("Status"));
    await user.click(
      within(screen.getByRole("group", { name: "Status" })).getByRole("checkbox", { name: "In review" }),
    );
    await user.click(within(screen.getByRole("group", { name: "Status" })).getByRole("checkbox", { name: "To do" }));
    await waitFor(() => expect(api.lastTaskQuery()?.getAll("status")).toEqual(["todo", "review"]));
    expect(api.lastTaskQuery()?.get("overdue")).toBe("true");

    await user.selectOptions(screen.getByLabelText("Assignee"), "Bea Rivera");
    await waitFor(() => expect(api.lastTaskQuery()?.get("assignee_id")).toBe(BEA));

    // The empty state's own button clears every filter.
    const empty = screen.getByText("No tasks match these filters").parentElement as HTMLElement;
    await user.click(within(empty).getByRole("button", { name: "Clear filters" }));
    expect(await screen.findByRole("button", { name: "Write release notes" })).toBeInTheDocument();
    expect(router.state.location.search).toBe("");
  });

  it("searches a moment after typing stops, without a request per keystroke", async () => {
    // Keys typed without pauses between them: only the pause after the last one may send.
    const user = userEvent.setup({ delay: null });
    const api = fakeApi();
    const router = renderPage();
    await screen.findByRole("list", { name: "Tasks" });
    const before = api.taskRequests().length;

    await user.type(screen.getByRole("searchbox", { name: "Search tasks" }), "release");
    await waitFor(() => expect(api.lastTaskQuery()?.get("q")).toBe("release"));
    expect(api.taskRequests().length).toBe(before + 1);
    expect(router.state.location.search).toBe("?q=release");
    expect(await screen.findByText("No tasks match these filters")).toBeInTheDocument();
  });

  it("reads its filters from the address and shows them in the controls", async () => {
    const api = fakeApi();
    renderPage(`?priority=urgent&priority=high&assignee=me&sort=-priority&label=ops`);
    await screen.findByText("No tasks match these filters");
    const query = api.lastTaskQuery();
    expect(query?.getAll("priority")).toEqual(["urgent", "high"]);
    expect(query?.get("assignee_id")).toBe(ME);
    expect(query?.get("sort")).toBe("-priority");
    expect(query?.get("label")).toBe("ops");
    expect(screen.getByLabelText("Assignee")).toHaveValue("me");
    expect(screen.getByLabelText("Sort by")).toHaveValue("-priority");
    expect(screen.getByLabelText("Label")).toHaveValue("ops");
    expect(
      within(screen.getByRole("group", { name: "Priority" })).getByRole("checkbox", { name: "Urgent" }),
    ).toBeChecked();
  });

  it("loads the next page on the cursor with Load more", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    renderPage();
    await screen.findByRole("list", { name: "Tasks" });
    await user.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("button", { name: "Plan the offsite" })).toBeInTheDocument();
    expect(api.lastTaskQuery()?.get("cursor")).toBe("page-2");
    expect(screen.queryByRole("button", { name: "Load more" })).not.toBeInTheDocument();
  });

  it("marks a task done at once, sending its version", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    renderPage();
    const box = await screen.findByRole("checkbox", { name: "Mark Write release notes done" });
    await user.click(box);
    expect(box).toBeChecked();
    await waitFor(() =>
      expect(api.calls.find((call) => call.method === "PATCH")?.body).toEqual({ status: "done", version: 1 }),
    );
  });

  it("opens a task in the panel through the address, and closes it again", async () => {
    const user = userEvent.setup();
    fakeApi();
    const router = renderPage("?status=todo");
    await screen.findByText("No tasks match these filters");
    const empty = screen.getByText("No tasks match these filters").parentElement as HTMLElement;
    await user.click(within(empty).getByRole("button", { name: "Clear filters" }));
    await user.click(await screen.findByRole("button", { name: "Fix the login bug" }));
    expect(screen.getByRole("region", { name: "Task details" })).toHaveTextContent("Details of t2");
    expect(new URLSearchParams(router.state.location.search).get("task")).toBe("t2");
    await user.click(await screen.findByRole("button", { name: "Close task details" }));
    expect(new URLSearchParams(router.state.location.search).get("task")).toBeNull();
  });

  it("adds a task from the quick add field, trimmed, and keeps the field ready for the next", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    renderPage();
    await screen.findByRole("list", { name: "Tasks" });
    const field = screen.getByRole("textbox", { name: "New task" });
    await user.type(field, "  Book the venue  {Enter}");
    await waitFor(() =>
      expect(api.calls.find((call) => call.method === "POST" && call.path === "/api/tasks")?.body).toMatchObject({
        project_id: PROJECT,
        title: "Book the venue",
      }),
    );
    expect(field).toHaveValue("");
    expect(field).toHaveFocus();
    expect(await screen.findByRole("button", { name: "Book the venue" })).toBeInTheDocument();
  });

  it("asks for a title instead of sending an empty one", async () => {
    const user = userEvent.setup();
    const api = fakeApi();
    renderPage();
    await screen.findByRole("list", { name: "Tasks" });
    await user.click(screen.getByRole("button", { name: "Add task" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Type a title for the task first.");
    expect(api.calls.some((call) => call.method === "POST" && call.path === "/api/tasks")).toBe(false);
  });
});
