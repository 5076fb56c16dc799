import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "../../api/client";
import { aTask } from "../../test/liveChanges";
import type { Task } from "./api";
import { offsetWords, Reminders } from "./Reminders";

vi.mock("sonner", () => ({ toast: { error: vi.fn(), success: vi.fn() } }));

type Reminder = Schemas["ReminderPublic"];

const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": status < 400 ? "application/json" : "application/problem+json" },
  });

afterEach(() => vi.unstubAllGlobals());

const DUE = "2026-12-05T14:00:00Z";

function server(start: Reminder[] = []) {
  let reminders = start;
  const posted: unknown[] = [];
  const deleted: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      if (request.method === "GET") return json(200, { items: reminders });
      if (request.method === "POST") {
        const body = (await request.json()) as { offset_minutes?: number; remind_at?: string };
        posted.push(body);
        if (reminders.length >= 2) return json(409, { status: 409, detail: "at most 2 reminders on a task" });
        const fire = body.remind_at ?? new Date(Date.parse(DUE) - (body.offset_minutes ?? 0) * 60_000).toISOString();
        const created: Reminder = {
          id: `r${reminders.length + 1}`,
          task_id: "t1",
          remind_at: body.remind_at ?? null,
          offset_minutes: body.offset_minutes ?? null,
          fire_at: fire,
          fired_at: null,
          created_at: "",
        };
        reminders = [...reminders, created];
        return json(201, created);
      }
      deleted.push(url.pathname);
      reminders = reminders.filter((reminder) => !url.pathname.endsWith(reminder.id));
      return json(204);
    }),
  );
  return { posted, deleted };
}

function show(task: Task) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <Reminders task={task} />
    </QueryClientProvider>,
  );
}

describe("reminder offsets", () => {
  it("are said in the largest unit that fits exactly", () => {
    expect([0, 5, 15, 60, 90, 120, 1440, 2880, 10_080].map(offsetWords)).toEqual([
      "At the due time",
      "5 minutes before",
      "15 minutes before",
      "1 hour before",
      "90 minutes before",
      "2 hours before",
      "1 day before",
      "2 days before",
      "1 week before",
    ]);
  });
});

describe("Reminders", () => {
  it("adds one's own reminders before the due time or at a date and time, and deletes one", async () => {
    const user = userEvent.setup({ delay: null });
    const { posted, deleted } = server();
    show(aTask({ id: "t1", due_at: DUE }));

    expect(await screen.findByText(/No reminders/)).toBeInTheDocument();
    const when = screen.getByRole("combobox", { name: "Remind me" });
    await user.selectOptions(when, "1 hour before");
    await user.click(screen.getByRole("button", { name: "Add reminder" }));
    const list = await screen.findByRole("list", { name: "My reminders" });
    expect(within(list).getByText(/1 hour before/)).toBeInTheDocument();

    await user.selectOptions(when, "At a date and time…");
    const at = screen.getByLabelText("Date and time");
    await user.click(screen.getByRole("button", { name: "Add reminder" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Choose the date and time to be reminded at.");
    await user.type(at, "2026-12-04T09:30");
    await user.click(screen.getByRole("button", { name: "Add reminder" }));
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(2));
    expect(posted).toEqual([{ offset_minutes: 60 }, { remind_at: new Date(2026, 11, 4, 9, 30).toISOString() }]);

    // A third is past the (test server's) limit: its reason shows.
    await user.selectOptions(when, "15 minutes before");
    await user.click(screen.getByRole("button", { name: "Add reminder" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("At most 2 reminders on a task.");

    await user.click(within(list).getByRole("button", { name: "Delete the reminder “1 hour before”" }));
    await waitFor(() => expect(within(list).getAllByRole("listitem")).toHaveLength(1));
    expect(deleted).toEqual(["/api/tasks/t1/reminders/r1"]);
  });

  it("offers only a date and time while the task has no due date", async () => {
    server([
      {
        id: "r1",
        task_id: "t1",
        remind_at: null,
        offset_minutes: 15,
        fire_at: null,
        fired_at: null,
        created_at: "",
      },
    ]);
    show(aTask({ id: "t1" }));

    expect(await screen.findByText(/waits for a due date/)).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Remind me" })).toHaveValue("at");
    expect(screen.getByRole("option", { name: /15 minutes before/ })).toBeDisabled();
  });
});
