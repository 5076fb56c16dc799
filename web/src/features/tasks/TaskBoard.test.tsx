import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Task } from "./api";
import { TaskBoard } from "./TaskBoard";

vi.mock("sonner", () => ({ toast: { error: vi.fn(), success: vi.fn() } }));
const { toast } = await import("sonner");

const task = (over: Partial<Task> = {}): Task => ({
  id: "t1",
  project_id: "p1",
  title: "Fix the login form",
  description: "",
  status: "todo",
  priority: "high",
  due_at: null,
  due_date: null,
  labels: ["web"],
  assignee_id: "u2",
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
  version: 1,
  ...over,
});

const json = (status: number, body: unknown, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });

/** The server: lists by status from `tasks`; PATCH answers with `patch`. */
function server(tasks: Task[], patch: (body: Record<string, unknown>) => Response) {
  const patches: Record<string, unknown>[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (request.method === "PATCH") {
        const body = (await request.json()) as Record<string, unknown>;
        patches.push(body);
        return patch(body);
      }
      if (url.pathname === "/api/projects/p1/members") {
        return json(200, {
          items: [
            { user_id: "u2", email: "b@example.com", display_name: "Bob Builder", role: "editor", created_at: "" },
          ],
          next_cursor: null,
        });
      }
      const status = url.searchParams.get("status");
      return json(200, { items: tasks.filter((t) => t.status === status), next_cursor: null });
    }),
  );
  return patches;
}

function show(onOpen = vi.fn()) {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } },
  });
  render(
    <QueryClientProvider client={client}>
      <TaskBoard projectId="p1" query={{ sort: "-priority" }} onOpen={onOpen} />
    </QueryClientProvider>,
  );
  return { onOpen };
}

const column = (name: string) => screen.getByRole("region", { name });

// Typing into a form is slow on a busy machine; the default 5 s is for pure logic.
vi.setConfig({ testTimeout: 30_000 });

afterEach(() => vi.unstubAllGlobals());

describe("TaskBoard", () => {
  it("shows one column per status with its cards, named by title first", async () => {
    server([task(), task({ id: "t2", title: "Ship 2.0", status: "done", labels: [], assignee_id: null })], () =>
      json(500, {}),
    );
    show();

    const card = await within(column("To do")).findByRole("button", { name: /^Fix the login form/ });
    expect(card).toHaveAccessibleName("Fix the login form, High priority, assigned to Bob Builder, labels web");
    expect(await within(column("Done")).findByRole("button", { name: /^Ship 2.0/ })).toBeInTheDocument();
    for (const name of ["In progress", "In review", "Cancelled"]) {
      expect(await within(column(name)).findByText(/No tasks here/)).toBeInTheDocument();
    }
  });

  it("moves a card with its Move to menu: at once, then saved with the version", async () => {
    const user = userEvent.setup({ delay: null });
    let answer: (response: Response) => void = () => undefined;
    const saved = task({ status: "in_progress", version: 2 });
    const patches = server(
      [task()],
      () =>
        new Promise<Response>((resolve) => {
          answer = resolve;
        }) as unknown as Response,
    );
    show();
    await within(column("To do")).findByRole("button", { name: /^Fix the login form/ });

    await user.selectOptions(screen.getByRole("combobox", { name: "Move Fix the login form to" }), "In progress");

    // The card moves before the server answers.
    expect(
      await within(column("In progress")).findByRole("button", { name: /^Fix the login form/ }),
    ).toBeInTheDocument();
    expect(within(column("To do")).queryByRole("button", { name: /^Fix the login form/ })).not.toBeInTheDocument();
    expect(patches).toEqual([{ status: "in_progress", version: 1 }]);
    // Keyboard users stay on the card they moved.
    await waitFor(() =>
      expect(within(column("In progress")).getByRole("button", { name: /^Fix the login form/ })).toHaveFocus(),
    );

    act(() => answer(json(200, saved)));
    await waitFor(() =>
      expect(screen.getByRole("combobox", { name: "Move Fix the login form to" })).not.toBeDisabled(),
    );
    expect(within(column("In progress")).getByRole("button", { name: /^Fix the login form/ })).toBeInTheDocument();
  });

  it("puts the card back and says why when the server refuses the move", async () => {
    const user = userEvent.setup({ delay: null });
    server([task()], () =>
      json(409, { title: "Conflict", status: 409, current_version: 4 }, "application/problem+json"),
    );
    show();
    await within(column("To do")).findByRole("button", { name: /^Fix the login form/ });

    await user.selectOptions(screen.getByRole("combobox", { name: "Move Fix the login form to" }), "Done");

    await waitFor(() => expect(toast.error).toHaveBeenCalledWith(expect.stringMatching(/^Someone else changed this/)));
    expect(await within(column("To do")).findByRole("button", { name: /^Fix the login form/ })).toBeInTheDocument();
    expect(within(column("Done")).queryByRole("button", { name: /^Fix the login form/ })).not.toBeInTheDocument();
  });

  it("moves a card with the keyboard: Space lifts it, an arrow picks the next column, Space drops it", async () => {
    const patches = server([task()], (body) => json(200, task({ ...(body as Partial<Task>), version: 2 })));
    show();
    const card = await within(column("To do")).findByRole("button", { name: /^Fix the login form/ });
    // jsdom lays nothing out: give the columns side-by-side boxes and the card a box in the first.
    const boxes = new Map<string, DOMRect>(
      ["To do", "In progress", "In review", "Done", "Cancelled"].map((name, i) => [
        name,
        new DOMRect(i * 300, 0, 280, 600),
      ]),
    );
    vi.spyOn(Element.prototype, "getBoundingClientRect").mockImplementation(function (this: Element) {
      // The card, and the overlay that follows the pointer or the keys while it is lifted.
      const preview =
        this.hasAttribute("data-drag-preview") || this.firstElementChild?.hasAttribute("data-drag-preview");
      if (preview || this.getAttribute("aria-roledescription") === "draggable task") {
        return new DOMRect(10, 50, 260, 80);
      }
      const name = this.getAttribute("aria-labelledby");
      const heading = name ? document.getElementById(name)?.textContent : undefined;
      return (heading && boxes.get(heading)) || new DOMRect(0, 0, 0, 0);
    });

    card.focus();
    fireEvent.keyDown(card, { code: "Space", key: " " });
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    fireEvent.keyDown(document, { code: "ArrowRight", key: "ArrowRight" });
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(await screen.findByText("Task Fix the login form is over In progress.")).toBeInTheDocument();
    fireEvent.keyDown(document, { code: "Space", key: " " });

    await waitFor(() => expect(patches).toEqual([{ status: "in_progress", version: 1 }]));
    expect(
      await within(column("In progress")).findByRole("button", { name: /^Fix the login form/ }),
    ).toBeInTheDocument();
    expect(await screen.findByText("Task Fix the login form was moved to In progress.")).toBeInTheDocument();
  });

  it("opens a card with a click, and with its Open details button", async () => {
    const user = userEvent.setup({ delay: null });
    server([task()], () => json(500, {}));
    const { onOpen } = show();
    const card = await within(column("To do")).findByRole("button", { name: /^Fix the login form/ });

    await user.click(card);
    await user.click(within(column("To do")).getByRole("button", { name: "Open details" }));
    expect(onOpen.mock.calls).toEqual([["t1"], ["t1"]]);
  });
});
