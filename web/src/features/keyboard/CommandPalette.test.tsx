// The command palette: what it offers where, fuzzy filtering, and choosing with the keyboard.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, describe, expect, it, vi } from "vitest";

import type { Project } from "../../api/queries";
import { CommandPalette, paletteGroups, type PaletteContext } from "./CommandPalette";

beforeAll(() => {
  // jsdom lays nothing out: cmdk measures its list and scrolls the chosen item into view.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  Element.prototype.scrollIntoView ??= function scrollIntoView() {};
});

function project(id: string, name: string, extra: Partial<Project> = {}): Project {
  return {
    id,
    name,
    description: "",
    owner_id: "u1",
    is_inbox: false,
    role: "owner",
    created_at: "2026-11-20T10:00:00Z",
    updated_at: "2026-11-20T10:00:00Z",
    notify_new_tasks: false,
    ...extra,
  } as Project;
}

const PROJECTS = [project("p0", "Inbox", { is_inbox: true }), project("p1", "Website launch"), project("p2", "Hiring")];

function context(extra: Partial<PaletteContext> = {}): PaletteContext {
  return {
    task: null,
    projects: PROJECTS,
    onProjectPage: true,
    board: false,
    run: vi.fn(),
    go: vi.fn(),
    ...extra,
  };
}

function open(ctx: PaletteContext) {
  const onClose = vi.fn();
  render(
    <CommandPalette
      groups={paletteGroups(ctx)}
      onClose={onClose}
      onChoose={(command) => {
        command.perform();
      }}
    />,
  );
  return { onClose };
}

const options = () => screen.getAllByRole("option").map((option) => option.textContent?.replace(/Shortcut: .*$/, ""));

describe("the command palette", { timeout: 20_000 }, () => {
  it("is a dialog named Command palette, with a combobox that filters a list of commands", () => {
    open(context());
    const dialog = screen.getByRole("dialog", { name: "Command palette" });
    const input = within(dialog).getByRole("combobox");
    expect(input).toHaveFocus();
    expect(input).toHaveAttribute("aria-controls", screen.getByRole("listbox").id);
    expect(options()).toEqual(
      expect.arrayContaining([
        "New task",
        "Search tasks",
        "Switch to board view",
        "Show keyboard shortcuts",
        "My tasks",
        "Today",
        "Upcoming",
        "Calendar",
        "Notifications",
        "Settings",
        "Website launch",
        "Hiring",
      ]),
    );
  });

  it("offers the task commands only when a task is selected or open, naming it", () => {
    open(context());
    expect(screen.queryByRole("option", { name: /Set status to Done/ })).toBeNull();
    document.body.innerHTML = "";
    open(context({ task: { id: "t1", title: "Ship it" } }));
    expect(screen.getByText("Task: Ship it")).toBeInTheDocument();
    expect(options()).toEqual(
      expect.arrayContaining([
        "Set status to In review",
        "Set status to Done",
        "Set priority to Urgent",
        "Assign to me",
      ]),
    );
  });

  it("filters fuzzily: a few letters in order find the command, best match first", async () => {
    const user = userEvent.setup();
    open(context());
    await user.keyboard("wbst");
    expect(options()).toContain("Website launch");
    expect(options()).not.toContain("Hiring");
    await user.clear(screen.getByRole("combobox"));
    await user.keyboard("hrng");
    expect(options()).toContain("Hiring");
    expect(options()).not.toContain("Website launch");
    await user.clear(screen.getByRole("combobox"));
    await user.keyboard("my tsk");
    expect(options()[0]).toBe("My tasks");
  });

  it("finds a command by its other words too", async () => {
    const user = userEvent.setup();
    open(context());
    await user.keyboard("kanban");
    expect(options()).toEqual(["Switch to board view"]);
  });

  it("says so when nothing matches", async () => {
    const user = userEvent.setup();
    open(context());
    await user.keyboard("zzzzqqq");
    expect(screen.queryAllByRole("option")).toEqual([]);
    expect(screen.getByText("No command matches.")).toBeInTheDocument();
  });

  it("runs the command chosen with the arrow keys and Enter", async () => {
    const user = userEvent.setup();
    const ctx = context();
    open(ctx);
    await user.keyboard("hiring");
    await user.keyboard("{Enter}");
    expect(ctx.go).toHaveBeenCalledWith("/projects/p2", "Hiring");
  });

  it("moves the choice with the arrow keys (aria-activedescendant follows)", async () => {
    const user = userEvent.setup();
    const ctx = context({ task: { id: "t1", title: "Ship it" } });
    open(ctx);
    await user.keyboard("set status");
    const input = screen.getByRole("combobox");
    const first = screen.getAllByRole("option")[0];
    await waitFor(() => expect(input).toHaveAttribute("aria-activedescendant", first?.id));
    expect(first).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{ArrowDown}");
    const second = screen.getAllByRole("option")[1];
    expect(input).toHaveAttribute("aria-activedescendant", second?.id);
    await user.keyboard("{ArrowDown}{ArrowDown}{Enter}");
    expect(ctx.run).toHaveBeenCalledWith("status:done", "t1");
  });

  it("goes to My tasks", async () => {
    const user = userEvent.setup();
    const ctx = context();
    open(ctx);
    await user.keyboard("My tasks{Enter}");
    expect(ctx.go).toHaveBeenCalledWith("/my", "My tasks");
  });

  it("keeps two projects of one name apart", async () => {
    const user = userEvent.setup();
    const ctx = context({ projects: [project("a", "Design"), project("b", "Design")] });
    open(ctx);
    await user.keyboard("design");
    expect(options()).toEqual(["Design", "Design"]);
    await user.keyboard("{ArrowDown}{Enter}");
    expect(ctx.go).toHaveBeenCalledWith("/projects/b", "Design");
  });

  it("offers the list view on the board, and no view switch off a project's page", () => {
    open(context({ board: true }));
    expect(options()).toContain("Switch to list view");
    document.body.innerHTML = "";
    open(context({ onProjectPage: false }));
    expect(options().some((label) => label?.startsWith("Switch to"))).toBe(false);
  });
});
