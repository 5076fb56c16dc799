import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { aTask } from "../../test/liveChanges";
import { useTask, type Task } from "./api";
import { deletionWords } from "./DeleteTask";
import { ParentTask, Subtasks } from "./Subtasks";

vi.mock("sonner", () => ({ toast: { error: vi.fn(), success: vi.fn() } }));

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": status < 400 ? "application/json" : "application/problem+json" },
  });

afterEach(() => vi.unstubAllGlobals());

/** A server holding a parent and its subtasks, counting them as the database's triggers do. */
function server(subtasks: Task[]) {
  const requests: { method: string; path: string; body?: unknown }[] = [];
  const parent = () => {
    const open = subtasks.filter((task) => task.status !== "cancelled");
    return aTask({
      id: "t1",
      title: "Paint the shed",
      subtask_count: open.length,
      subtasks_done: open.filter((task) => task.status === "done").length,
    });
  };
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const body = request.method === "GET" ? undefined : await request.json();
      requests.push({ method: request.method, path: url.pathname + url.search, body });
      if (request.method === "GET" && url.pathname === "/api/tasks/t1") return json(200, parent());
      if (request.method === "GET" && url.pathname === "/api/tasks") {
        expect(url.searchParams.get("parent_id")).toBe("t1");
        return json(200, { items: subtasks, next_cursor: null });
      }
      if (request.method === "PATCH") {
        const id = url.pathname.split("/").pop();
        const at = subtasks.findIndex((task) => task.id === id);
        const saved = { ...subtasks[at], ...(body as object), version: (subtasks[at]?.version ?? 0) + 1 } as Task;
        subtasks[at] = saved;
        return json(200, saved);
      }
      if (request.method === "POST" && url.pathname === "/api/tasks") {
        const { title } = body as { title: string };
        if (title === "Too deep") {
          return json(422, { status: 422, errors: [{ loc: ["body", "parent_id"], msg: "subtasks go 3 levels deep" }] });
        }
        const created = aTask({ id: `s${subtasks.length + 1}`, title, parent_id: "t1" });
        subtasks.push(created);
        return json(201, created);
      }
      return json(404, { status: 404, title: "Not Found" });
    }),
  );
  return requests;
}

function Panel({ canEdit = true }: { canEdit?: boolean }) {
  const task = useTask("t1");
  return task.data ? <Subtasks task={task.data} canEdit={canEdit} /> : null;
}

function show(canEdit = true) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={["/projects/p1?task=t1"]}>
        <Panel canEdit={canEdit} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("Subtasks", () => {
  it("lists the subtasks as a checklist with the parent's progress, each a link to open it", async () => {
    server([
      aTask({ id: "s1", title: "Buy paint", parent_id: "t1", status: "done" }),
      aTask({ id: "s2", title: "Sand the walls", parent_id: "t1" }),
    ]);
    show();

    const list = await screen.findByRole("list", { name: "Subtasks" });
    expect(within(list).getByRole("checkbox", { name: "Mark Buy paint done" })).toBeChecked();
    expect(within(list).getByRole("checkbox", { name: "Mark Sand the walls done" })).not.toBeChecked();
    expect(within(list).getByRole("link", { name: "Sand the walls" })).toHaveAttribute("href", "/projects/p1?task=s2");
    const progress = screen.getByRole("progressbar", { name: "Subtasks done" });
    expect(progress).toHaveAttribute("aria-valuenow", "1");
    expect(progress).toHaveAttribute("aria-valuetext", "1 of 2 subtasks done");
    expect(screen.getByText("1/2")).toBeInTheDocument();
  });

  it("ticks a subtask done with its version, and the parent's count follows", async () => {
    const user = userEvent.setup({ delay: null });
    const requests = server([
      aTask({ id: "s1", title: "Buy paint", parent_id: "t1", status: "done" }),
      aTask({ id: "s2", title: "Sand the walls", parent_id: "t1", version: 4 }),
    ]);
    show();

    await user.click(await screen.findByRole("checkbox", { name: "Mark Sand the walls done" }));
    await waitFor(() => expect(screen.getByText("2/2")).toBeInTheDocument());
    expect(requests).toContainEqual({ method: "PATCH", path: "/api/tasks/s2", body: { status: "done", version: 4 } });
    await waitFor(() =>
      expect(screen.getByRole("progressbar", { name: "Subtasks done" })).toHaveAttribute("aria-valuenow", "2"),
    );

    // And back to do.
    await user.click(screen.getByRole("checkbox", { name: "Mark Sand the walls done" }));
    await waitFor(() => expect(screen.getByText("1/2")).toBeInTheDocument());
    expect(requests).toContainEqual({ method: "PATCH", path: "/api/tasks/s2", body: { status: "todo", version: 5 } });
  });

  it("adds subtasks one after another from the quick add field", async () => {
    const user = userEvent.setup({ delay: null });
    const requests = server([]);
    show();

    expect(await screen.findByText(/Break this task into steps/)).toBeInTheDocument();
    const field = screen.getByRole("textbox", { name: "Add a subtask" });
    await user.type(field, "Buy paint{Enter}");
    expect(field).toHaveValue("");
    expect(field).toHaveFocus();
    await user.type(field, "Sand the walls{Enter}");

    const list = await screen.findByRole("list", { name: "Subtasks" });
    await waitFor(() => expect(within(list).getAllByRole("checkbox")).toHaveLength(2));
    expect(requests.filter((request) => request.method === "POST").map((request) => request.body)).toEqual([
      { project_id: "p1", title: "Buy paint", parent_id: "t1" },
      { project_id: "p1", title: "Sand the walls", parent_id: "t1" },
    ]);
    await waitFor(() => expect(screen.getByText("0/2")).toBeInTheDocument());
  });

  it("puts a refused title back with the server's reason", async () => {
    const user = userEvent.setup({ delay: null });
    server([]);
    show();

    const field = await screen.findByRole("textbox", { name: "Add a subtask" });
    await user.type(field, "Too deep{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("Parent id: subtasks go 3 levels deep.");
    expect(field).toHaveValue("Too deep");
  });

  it("shows a viewer the checklist locked and no quick add", async () => {
    server([aTask({ id: "s1", title: "Buy paint", parent_id: "t1" })]);
    show(false);

    expect(await screen.findByRole("checkbox", { name: "Mark Buy paint done" })).toBeDisabled();
    expect(screen.queryByRole("textbox", { name: "Add a subtask" })).not.toBeInTheDocument();
  });
});

describe("ParentTask", () => {
  it("links a subtask back to its parent", async () => {
    server([]);
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={["/my?task=s1"]}>
          <ParentTask parentId="t1" />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    expect(await screen.findByRole("link", { name: "Paint the shed" })).toHaveAttribute("href", "/my?task=t1");
    expect(screen.getByText(/Subtask of/)).toBeInTheDocument();
  });
});

describe("deleting a task", () => {
  it("says its subtasks go with it", () => {
    expect(deletionWords({ title: "Paint the shed", subtask_count: 0 })).toBe(
      "“Paint the shed”, its comments and files will be deleted for everyone in the project. This cannot be undone.",
    );
    expect(deletionWords({ title: "Paint the shed", subtask_count: 2 })).toBe(
      "“Paint the shed”, its comments and files, and its 2 subtasks with any of their own, will be deleted for everyone in the project. This cannot be undone.",
    );
  });
});
