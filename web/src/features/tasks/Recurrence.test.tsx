import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";

import { aTask } from "../../test/liveChanges";
import { useTask, type Task } from "./api";
import { Recurrence } from "./Recurrence";

vi.mock("sonner", () => ({ toast: { error: vi.fn(), success: vi.fn() } }));

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": status < 400 ? "application/json" : "application/problem+json" },
  });

afterEach(() => vi.unstubAllGlobals());

// Due on Saturday 5 December 2026, all day.
function server(start: Partial<Task> = {}) {
  let task = aTask({ id: "t1", due_date: "2026-12-05", due_at: "2026-12-05T00:00:00Z", version: 3, ...start });
  const patches: Record<string, unknown>[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      if (request.method === "GET") return json(200, task);
      const body = (await request.json()) as Record<string, unknown>;
      patches.push(body);
      if (body.recurrence === "FREQ=HOURLY") {
        return json(422, { status: 422, errors: [{ loc: ["body", "recurrence"], msg: "repeats daily at most" }] });
      }
      const { version: _version, ...changes } = body;
      const basis = changes.recurrence === null ? { recurrence_basis: null } : {};
      task = { ...task, ...changes, ...basis, version: task.version + 1 } as Task;
      return json(200, task);
    }),
  );
  return patches;
}

function Panel({ readOnly }: { readOnly: boolean }) {
  const task = useTask("t1");
  return task.data ? <Recurrence task={task.data} readOnly={readOnly} /> : null;
}

function show(readOnly = false) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <Panel readOnly={readOnly} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("Recurrence", () => {
  it("offers the common rules in words for the due date, and saves the one chosen with the version", async () => {
    const user = userEvent.setup({ delay: null });
    const patches = server();
    show();

    const repeats = await screen.findByRole("combobox", { name: "Repeats" });
    expect(repeats).toHaveValue("none");
    expect(screen.getByRole("option", { name: "Every week on Saturday" })).toBeInTheDocument();
    expect(screen.getByRole("option", { name: "Every month on the 5th" })).toBeInTheDocument();

    await user.selectOptions(repeats, "Every week on Saturday");
    await waitFor(() => expect(patches).toHaveLength(1));
    expect(patches[0]).toEqual({ recurrence: "FREQ=WEEKLY;BYDAY=SA", recurrence_basis: "due", version: 3 });
    expect(await screen.findByText(/Every week on Saturday\. Completing it adds the next one/)).toBeInTheDocument();

    await user.selectOptions(screen.getByRole("combobox", { name: "Next one is due" }), "A step after completion");
    await waitFor(() => expect(patches).toHaveLength(2));
    expect(patches[1]).toEqual({ recurrence_basis: "completion", version: 4 });

    await user.selectOptions(screen.getByRole("combobox", { name: "Repeats" }), "Does not repeat");
    await waitFor(() => expect(patches).toHaveLength(3));
    expect(patches[2]).toEqual({ recurrence: null, version: 5 });
    await waitFor(() => expect(screen.queryByRole("combobox", { name: "Next one is due" })).not.toBeInTheDocument());
  });

  it("takes a custom rule, checks its shape, and shows the server's refusal beside it", async () => {
    const user = userEvent.setup({ delay: null });
    const patches = server();
    show();

    await user.selectOptions(await screen.findByRole("combobox", { name: "Repeats" }), "Custom (RRULE)…");
    const rule = screen.getByRole("textbox", { name: "Rule (RFC 5545 RRULE)" });
    expect(rule).toHaveValue("FREQ=WEEKLY;BYDAY=SA");
    await user.clear(rule);
    await user.type(rule, "every other week");
    expect(screen.getByRole("alert")).toHaveTextContent(/with a FREQ/);
    expect(screen.getByRole("button", { name: "Save rule" })).toBeDisabled();

    await user.clear(rule);
    await user.type(rule, "FREQ=HOURLY");
    await user.click(screen.getByRole("button", { name: "Save rule" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Recurrence: repeats daily at most.");
    expect(rule).toBeInTheDocument();

    await user.clear(rule);
    await user.type(rule, "rrule:freq=weekly;interval=2;byday=mo,fr");
    expect(screen.getByText("Every 2 weeks on Monday and Friday.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Save rule" }));
    await waitFor(() =>
      expect(patches.at(-1)).toEqual({
        recurrence: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR",
        recurrence_basis: "due",
        version: 3,
      }),
    );
    await waitFor(() => expect(screen.queryByRole("textbox", { name: /Rule/ })).not.toBeInTheDocument());
    expect(screen.getByRole("combobox", { name: "Repeats" })).toHaveValue("custom");
    expect(screen.getByText(/Every 2 weeks on Monday and Friday\. Completing it/)).toBeInTheDocument();
  });

  it("asks for a due date before a task can repeat", async () => {
    server({ due_date: null, due_at: null });
    show();
    const repeats = await screen.findByRole("combobox", { name: "Repeats" });
    expect(repeats).toBeDisabled();
    expect(screen.getByText("Give the task a due date first: it repeats from there.")).toBeInTheDocument();
  });

  it("links to the next occurrence once completing made one", async () => {
    server({ recurrence: "FREQ=DAILY", recurrence_basis: "due", status: "done", next_occurrence_id: "t2" });
    show(true);
    expect(await screen.findByRole("combobox", { name: "Repeats" })).toHaveValue("daily");
    expect(screen.getByRole("combobox", { name: "Repeats" })).toBeDisabled();
    expect(screen.getByRole("link", { name: "Open the next one" })).toHaveAttribute("href", "/?task=t2");
  });
});
