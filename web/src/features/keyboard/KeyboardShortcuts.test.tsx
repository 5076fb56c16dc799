// Keyboard control on a page: moving between tasks, acting on the selected one (and saying so),
// going places with g sequences, the "?" list and the palette, and keys left to fields.
import { QueryClientProvider } from "@tanstack/react-query";
import { configure, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import type { Schemas } from "../../api/client";
import { SessionProvider, useSession } from "../../lib/auth";
import { createQueryClient } from "../../lib/queryClient";
import { forget } from "../../lib/session";
import { KeyboardShortcuts } from "./KeyboardShortcuts";
import { SHORTCUTS } from "./shortcuts";
import type { ChangeTask } from "./useTaskActions";

configure({ asyncUtilTimeout: 5000 });

type Task = Schemas["TaskPublic"];

const ME = "0b7e7a4e-3f43-4d7b-9a53-2f0d2c8f7a11";
const INBOX = "9d0c8b7a-6f5e-4d3c-a2b1-c0d9e8f7a6b5";
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  Element.prototype.scrollIntoView ??= function scrollIntoView() {};
});

afterEach(() => {
  forget();
  vi.unstubAllGlobals();
});

function task(id: string, title: string, extra: Partial<Task> = {}): Task {
  return {
    id,
    project_id: INBOX,
    title,
    description: "",
    status: "todo",
    priority: "medium",
    due_at: null,
    due_date: null,
    labels: [],
    assignee_id: null,
    creator_id: ME,
    created_at: "2026-11-20T10:00:00Z",
    updated_at: "2026-11-20T10:00:00Z",
    completed_at: null,
    version: 1,
    ...extra,
  } as Task;
}

const TASKS = [task("t1", "Alpha"), task("t2", "Bravo", { priority: "low" }), task("t3", "Charlie")];

function fakeServer() {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(new URL(String(input), window.location.origin), init);
      const path = new URL(request.url).pathname;
      if (path === "/api/auth/refresh") return json(200, { access_token: "session-1", expires_in: 900 });
      if (path === "/api/auth/me") return json(200, { id: ME, email: "kim@example.com", display_name: "Kim" });
      if (path === "/api/projects")
        return json(200, {
          items: [{ id: INBOX, name: "Inbox", is_inbox: true, role: "owner", description: "", owner_id: ME }],
          next_cursor: null,
        });
      return json(404, { title: "Not Found", status: 404 });
    }),
  );
}

function Where() {
  const location = useLocation();
  return <p data-testid="where">{location.pathname + location.search}</p>;
}

/** A task page as the tasks feature draws one: quick add, search, rows that open tasks. */
function TaskPage() {
  const location = useLocation();
  const open = new URLSearchParams(location.search).get("task");
  return (
    <div id="main">
      <input id="quick-add" aria-label="New task" />
      <input id="task-search" type="search" aria-label="Search tasks" />
      <ul>
        {TASKS.map((item) => (
          <li key={item.id}>
            <input type="checkbox" aria-label={`Mark ${item.title} done`} />
            <button type="button" data-task-open={item.id} data-task-title={item.title}>
              {item.title}
            </button>
          </li>
        ))}
      </ul>
      {open ? (
        <section data-task-panel tabIndex={-1} aria-label="Task details">
          Details of {open}
        </section>
      ) : null}
    </div>
  );
}

function Gate({ changeTask }: { changeTask: ChangeTask }) {
  const { status } = useSession();
  if (status !== "signed-in") return <p>Signing in</p>;
  return (
    <>
      <KeyboardShortcuts changeTask={changeTask} />
      <Where />
      <Routes>
        <Route path="/projects/:projectId" element={<TaskPage />} />
        <Route path="*" element={<p>Elsewhere</p>} />
      </Routes>
    </>
  );
}

/** changeTask as the tasks feature does it, on the tasks above: records each change made. */
function fakeChangeTask() {
  const made: { id: string; changes: object }[] = [];
  const changeTask: ChangeTask = vi.fn(async (taskId, decide) => {
    const current = TASKS.find((item) => item.id === taskId);
    if (!current) throw new Error("no such task");
    const changes = decide(current);
    if (!changes) return null;
    made.push({ id: taskId, changes });
    return { ...current, ...changes } as Task;
  });
  return { changeTask, made };
}

async function renderPage(path = `/projects/${INBOX}`) {
  fakeServer();
  const fake = fakeChangeTask();
  const client = createQueryClient();
  render(
    <QueryClientProvider client={client}>
      <SessionProvider>
        <MemoryRouter initialEntries={[path]}>
          <Gate changeTask={fake.changeTask} />
        </MemoryRouter>
      </SessionProvider>
    </QueryClientProvider>,
  );
  await screen.findByTestId("where");
  return { user: userEvent.setup(), ...fake };
}

const where = () => screen.getByTestId("where").textContent;
const announcer = () => screen.getByTestId("keyboard-announcer");

// Rendering and querying by role in jsdom takes seconds on a busy machine.
describe("keyboard control on a page", { timeout: 20_000 }, () => {
  it("moves the focus along the tasks with j and k, and opens the one focused with o", async () => {
    const { user } = await renderPage();
    await user.keyboard("j");
    expect(screen.getByRole("button", { name: "Alpha" })).toHaveFocus();
    await user.keyboard("jj");
    expect(screen.getByRole("button", { name: "Charlie" })).toHaveFocus();
    await user.keyboard("j");
    expect(screen.getByRole("button", { name: "Charlie" })).toHaveFocus();
    expect(announcer()).toHaveTextContent("That is the last task.");
    await user.keyboard("k");
    expect(screen.getByRole("button", { name: "Bravo" })).toHaveFocus();
    const bravo = screen.getByRole("button", { name: "Bravo" });
    const opened = vi.fn();
    bravo.addEventListener("click", opened);
    await user.keyboard("o");
    expect(opened).toHaveBeenCalledTimes(1);
  });

  it("changes the selected task's status with a digit and says what it did", async () => {
    const { user, made } = await renderPage();
    await user.keyboard("jj4");
    await waitFor(() => expect(made).toEqual([{ id: "t2", changes: { status: "done" } }]));
    await waitFor(() => expect(announcer()).toHaveTextContent("Status: Done: “Bravo”"));
  });

  it("acts on the task open in the panel when the focus is there", async () => {
    const { user, made } = await renderPage(`/projects/${INBOX}?task=t3`);
    screen.getByRole("region", { name: "Task details" }).focus();
    await user.keyboard("s2");
    await user.keyboard("{Shift>}!{/Shift}");
    await user.keyboard("i");
    await waitFor(() =>
      expect(made).toEqual([
        { id: "t3", changes: { status: "in_progress" } },
        { id: "t3", changes: { priority: "urgent" } },
        { id: "t3", changes: { assignee_id: ME } },
      ]),
    );
  });

  it("raises the priority with p, from Low back round to Urgent", async () => {
    const { user, made } = await renderPage();
    await user.keyboard("jjp");
    await waitFor(() => expect(made).toEqual([{ id: "t2", changes: { priority: "medium" } }]));
  });

  it("says a task must be selected first when none is", async () => {
    const { user, changeTask } = await renderPage();
    await user.keyboard("4");
    expect(changeTask).not.toHaveBeenCalled();
    expect(announcer()).toHaveTextContent(/No task selected/);
  });

  it("goes to My tasks with g m, the Inbox with g i and notifications with g n", async () => {
    const { user } = await renderPage();
    await user.keyboard("gm");
    await waitFor(() => expect(where()).toBe("/my"));
    await user.keyboard("gn");
    await waitFor(() => expect(where()).toBe("/notifications"));
    await user.keyboard("gi");
    await waitFor(() => expect(where()).toBe(`/projects/${INBOX}`));
  });

  it("focuses quick add with q and search with /, and typing there stays typing", async () => {
    const { user, changeTask } = await renderPage();
    await user.keyboard("q");
    const quickAdd = screen.getByRole("textbox", { name: "New task" });
    expect(quickAdd).toHaveFocus();
    await user.keyboard("jg4mi?");
    expect(quickAdd).toHaveValue("jg4mi?");
    expect(where()).toBe(`/projects/${INBOX}`);
    expect(changeTask).not.toHaveBeenCalled();
    await user.keyboard("{Escape}");
    expect(quickAdd).not.toHaveFocus();
    await user.keyboard("/");
    expect(screen.getByRole("searchbox", { name: "Search tasks" })).toHaveFocus();
    expect(screen.getByRole("searchbox", { name: "Search tasks" })).toHaveValue("");
  });

  it("switches the project page between list and board with v", async () => {
    const { user } = await renderPage();
    await user.keyboard("v");
    await waitFor(() => expect(where()).toBe(`/projects/${INBOX}?view=board`));
    await user.keyboard("v");
    await waitFor(() => expect(where()).toBe(`/projects/${INBOX}`));
  });

  it("lists every shortcut of the table in the ? dialog", async () => {
    const { user } = await renderPage();
    await user.keyboard("?");
    const dialog = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    for (const shortcut of SHORTCUTS) expect(dialog).toHaveTextContent(shortcut.label);
    // The page behind takes no keys while it is open.
    await user.keyboard("gm");
    expect(where()).toBe(`/projects/${INBOX}`);
  });

  it("opens the palette with Ctrl+K, naming the selected task, and runs what is chosen", async () => {
    const { user, made } = await renderPage();
    await user.keyboard("j");
    await user.keyboard("{Control>}k{/Control}");
    const palette = await screen.findByRole("dialog", { name: "Command palette" });
    expect(palette).toHaveTextContent("Task: Alpha");
    await user.keyboard("set status to done{Enter}");
    await waitFor(() => expect(made).toEqual([{ id: "t1", changes: { status: "done" } }]));
    expect(screen.queryByRole("dialog", { name: "Command palette" })).toBeNull();
  });

  it("closes the palette with Ctrl+K again", async () => {
    const { user } = await renderPage();
    await user.keyboard("{Control>}k{/Control}");
    await screen.findByRole("dialog", { name: "Command palette" });
    await user.keyboard("{Control>}k{/Control}");
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "Command palette" })).toBeNull());
  });
});
