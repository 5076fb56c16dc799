import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { RouterProvider, createMemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { TaskViewsProvider, type TaskViews, type ViewTask } from "../../lib/taskViews";
import { CalendarPage, type ChangeTask } from "./CalendarPage";

const task = (over: Partial<ViewTask> = {}): ViewTask => ({
  id: "t1",
  project_id: "p1",
  title: "Print the posters",
  description: "",
  status: "todo",
  priority: "medium",
  due_at: "2026-12-04T23:59:59Z",
  due_date: "2026-12-04",
  labels: [],
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
  version: 4,
  ...over,
});

const project = (id: string, role: string) => ({
  id,
  name: id,
  description: "",
  owner_id: "u1",
  is_inbox: false,
  notify_new_tasks: false,
  role,
  created_at: "",
  updated_at: "",
});

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });

/** The server's tasks (every query answers them all) and the projects, the second a viewer's. */
function server(tasks: ViewTask[]) {
  const queries: URLSearchParams[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (url.pathname === "/api/projects")
        return json({ items: [project("p1", "editor"), project("p2", "viewer")], next_cursor: null });
      queries.push(url.searchParams);
      return json({ items: tasks, next_cursor: null });
    }),
  );
  return queries;
}

/** changeTask as the tasks feature does it, on the tasks above: records each change made. */
function fakeChangeTask(tasks: ViewTask[]) {
  const made: unknown[] = [];
  const changeTask: ChangeTask = vi.fn(async (taskId, decide) => {
    const current = tasks.find((t) => t.id === taskId);
    const changes = current ? decide(current) : null;
    if (changes) made.push(changes);
    return null;
  });
  return { changeTask, made };
}

const views: TaskViews = {
  TaskRows: () => null,
  QuickAdd: () => null,
  TaskPanel: ({ taskId }) => <p>Panel of {taskId}</p>,
};

function show(tasks: ViewTask[], at = "/calendar?date=2026-12-04") {
  const queries = server(tasks);
  const { changeTask, made } = fakeChangeTask(tasks);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  const router = createMemoryRouter([{ path: "/calendar", element: <CalendarPage changeTask={changeTask} /> }], {
    initialEntries: [at],
  });
  render(
    <QueryClientProvider client={client}>
      <TaskViewsProvider value={views}>
        <RouterProvider router={router} />
      </TaskViewsProvider>
    </QueryClientProvider>,
  );
  return { queries, made, router };
}

// Days are named in the browser's language, as the page names them.
const long = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const short = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const december = (date: number) => long.format(new Date(2026, 11, date));
const day = (date: number) => screen.getByRole("group", { name: december(date) });
const named = (title: string) => new RegExp(`^${title}`);

/** jsdom lays nothing out: each day a 100-pixel square in its week's row, a task a strip in its day. */
function layOut() {
  const cellBox = (cell: Element) => {
    const index = Array.from(document.querySelectorAll("[data-day]")).indexOf(cell);
    return new DOMRect((index % 7) * 100, Math.floor(index / 7) * 100, 100, 100);
  };
  vi.spyOn(Element.prototype, "getBoundingClientRect").mockImplementation(function (this: Element) {
    // The overlay that follows the keys while a task is lifted sits where the task does.
    const preview = this.hasAttribute("data-drag-preview") || this.firstElementChild?.hasAttribute("data-drag-preview");
    const lifted = preview
      ? (document.querySelector('[data-task-open][aria-pressed="true"]') ?? document.activeElement)
      : this.hasAttribute("data-task-open")
        ? this
        : null;
    const cell = (lifted ?? this).closest("[data-day]");
    if (!cell) return new DOMRect(0, 0, 0, 0);
    const box = cellBox(cell);
    return lifted ? new DOMRect(box.x + 5, box.y + 20, 90, 20) : box;
  });
}

const pause = () => act(() => new Promise((resolve) => setTimeout(resolve, 20)));

vi.setConfig({ testTimeout: 30_000 });

afterEach(() => vi.unstubAllGlobals());

describe("the calendar", () => {
  it("shows the month's tasks on their days, all-day first, and asks for the days shown", async () => {
    const queries = show([
      task({ id: "t2", title: "Call the printer", due_at: new Date(2026, 11, 4, 9, 30).toISOString(), due_date: null }),
      task(),
      task({ id: "t3", title: "Hang the posters", due_date: "2026-12-09", due_at: "2026-12-09T23:59:59Z" }),
      task({ id: "t4", title: "Old news", due_date: "2026-12-09", status: "done" }),
    ]).queries;

    const friday = await screen.findByRole("group", { name: december(4) });
    expect(
      within(friday)
        .getAllByRole("button")
        .map((chip) => chip.getAttribute("aria-label")),
    ).toEqual(["Print the posters, all day", expect.stringMatching(/^Call the printer, 0?9:30/)]);
    expect(within(day(9)).getByRole("button", { name: "Old news, all day, done" })).toBeVisible();
    expect(screen.getByRole("heading", { name: "December 2026" })).toBeVisible();
    // From the Monday before the 1st to the Sunday after the 31st, with a day to spare each side.
    const asked = queries[0];
    expect(asked?.get("sort")).toBe("due");
    expect(new Date(asked?.get("due_after") ?? "").getTime()).toBe(new Date(2026, 10, 29).getTime() - 1);
    expect(asked?.get("due_before")).toBe(new Date(2027, 0, 5).toISOString());
  });

  it("moves a task with the keyboard: Space lifts it, arrows pick a day or a week, Space drops it", async () => {
    const timed = task({ id: "t2", title: "Call the printer", due_at: new Date(2026, 11, 4, 9, 30).toISOString() });
    const { made } = show([task(), { ...timed, due_date: null }]);
    const chip = await screen.findByRole("button", { name: named("Print the posters") });
    layOut();

    chip.focus();
    fireEvent.keyDown(chip, { code: "Space", key: " " });
    await pause();
    expect(await screen.findByText(`Task Print the posters is over ${december(4)}.`)).toBeInTheDocument();
    fireEvent.keyDown(document, { code: "ArrowRight", key: "ArrowRight" });
    await pause();
    fireEvent.keyDown(document, { code: "ArrowDown", key: "ArrowDown" });
    await pause();
    expect(await screen.findByText(`Task Print the posters is over ${december(12)}.`)).toBeInTheDocument();
    fireEvent.keyDown(document, { code: "Space", key: " " });

    await waitFor(() => expect(made).toEqual([{ due_date: "2026-12-12" }]));
    expect(await screen.findByText(`Task Print the posters was moved to ${december(12)}.`)).toBeInTheDocument();

    // A timed task keeps its time of day.
    const call = screen.getByRole("button", { name: named("Call the printer") });
    call.focus();
    fireEvent.keyDown(call, { code: "Space", key: " " });
    await pause();
    fireEvent.keyDown(document, { code: "ArrowLeft", key: "ArrowLeft" });
    await pause();
    fireEvent.keyDown(document, { code: "Enter", key: "Enter" });
    await waitFor(() =>
      expect(made).toEqual([{ due_date: "2026-12-12" }, { due_at: new Date(2026, 11, 3, 9, 30).toISOString() }]),
    );
  });

  it("opens a task in the panel with a click or Enter; a viewer's task opens but does not move", async () => {
    const user = userEvent.setup({ delay: null });
    const { router } = show([task(), task({ id: "t9", title: "Read only", project_id: "p2" })]);
    const chip = await screen.findByRole("button", { name: named("Print the posters") });
    await user.click(chip);
    expect(await screen.findByText("Panel of t1")).toBeVisible();
    expect(router.state.location.search).toContain("task=t1");

    const other = screen.getByRole("button", { name: named("Read only") });
    await waitFor(() => expect(other).not.toHaveAttribute("aria-roledescription"));
    expect(chip).toHaveAttribute("aria-roledescription", "draggable task");
    other.focus();
    await user.keyboard("{Enter}");
    expect(await screen.findByText("Panel of t9")).toBeVisible();
  });

  it("goes from month to month and to the week, whose days show every task", async () => {
    const user = userEvent.setup({ delay: null });
    const many = ["A", "B", "C", "D", "E"].map((title, i) =>
      task({ id: `m${i}`, title: `Task ${title}`, due_date: "2026-12-15" }),
    );
    const { queries, router } = show(many);
    const tuesday = await screen.findByRole("group", { name: december(15) });
    expect(within(tuesday).getAllByRole("button", { name: /^Task/ })).toHaveLength(3);

    await user.click(within(tuesday).getByRole("button", { name: /^\+2 more/ }));
    expect(
      await screen.findByRole("heading", {
        name: `${short.format(new Date(2026, 11, 14))} – ${short.format(new Date(2026, 11, 20))} 2026`,
      }),
    ).toBeVisible();
    expect(Object.fromEntries(new URLSearchParams(router.state.location.search))).toEqual({
      view: "week",
      date: "2026-12-15",
    });
    expect(within(day(15)).getAllByRole("button", { name: /^Task/ })).toHaveLength(5);
    expect(screen.getByRole("button", { name: "Week" })).toHaveAttribute("aria-pressed", "true");

    await user.click(screen.getByRole("button", { name: "Month" }));
    await user.click(screen.getByRole("button", { name: "Next month" }));
    expect(await screen.findByRole("heading", { name: "January 2027" })).toBeVisible();
    await waitFor(() => expect(queries.at(-1)?.get("due_before")).toBe(new Date(2027, 1, 2).toISOString()));
  });
});
