// The command palette (Ctrl/Cmd+K): every action and place by name, filtered fuzzily as one
// types (cmdk), chosen with the arrow keys and Enter, in a modal <dialog> (focus stays inside,
// Escape closes, focus goes back to where it was).
import { Command, useCommandState } from "cmdk";
import { useEffect, useRef, type ReactNode } from "react";

import type { Project } from "../../api/queries";
import { PRIORITIES, STATUSES } from "../../api/vocabulary";
import { SHORTCUTS, keysText, type ActionId } from "./shortcuts";

export interface PaletteCommand {
  id: string;
  label: string;
  /** Other words it is found by. */
  keywords?: string[];
  /** The shortcut that does the same, shown beside it. */
  action?: ActionId;
  perform: () => void;
}

export interface PaletteGroup {
  heading: string;
  commands: PaletteCommand[];
}

export interface PaletteContext {
  /** The task the palette's task commands act on (selected or open when it opened), if any. */
  task: { id: string; title: string } | null;
  projects: readonly Project[];
  onProjectPage: boolean;
  board: boolean;
  run: (action: ActionId, taskId?: string | null) => void;
  go: (path: string, name: string) => void;
}

/** The palette's commands, in groups, for where the person is and what they have selected. */
export function paletteGroups({ task, projects, onProjectPage, board, run, go }: PaletteContext): PaletteGroup[] {
  const groups: PaletteGroup[] = [
    {
      heading: "Actions",
      commands: [
        {
          id: "new-task",
          label: "New task",
          keywords: ["add", "create", "quick add"],
          action: "quick-add",
          perform: () => run("quick-add"),
        },
        { id: "search", label: "Search tasks", keywords: ["find"], action: "search", perform: () => run("search") },
        ...(onProjectPage
          ? [
              {
                id: "switch-view",
                label: board ? "Switch to list view" : "Switch to board view",
                keywords: ["view", "board", "list", "kanban"],
                action: "switch-view" as const,
                perform: () => run("switch-view"),
              },
            ]
          : []),
        {
          id: "shortcuts",
          label: "Show keyboard shortcuts",
          keywords: ["help", "keys", "hotkeys"],
          action: "show-shortcuts",
          perform: () => run("show-shortcuts"),
        },
      ],
    },
  ];
  if (task) {
    groups.push({
      heading: `Task: ${task.title}`,
      commands: [
        ...STATUSES.map(({ value, label }) => ({
          id: `status:${value}`,
          label: `Set status to ${label}`,
          keywords: ["status", "move", "mark"],
          action: `status:${value}` as const,
          perform: () => run(`status:${value}`, task.id),
        })),
        ...PRIORITIES.map(({ value, label }) => ({
          id: `priority:${value}`,
          label: `Set priority to ${label}`,
          keywords: ["priority"],
          action: `priority:${value}` as const,
          perform: () => run(`priority:${value}`, task.id),
        })),
        {
          id: "assign-to-me",
          label: "Assign to me",
          keywords: ["assignee", "mine", "take"],
          action: "assign-to-me",
          perform: () => run("assign-to-me", task.id),
        },
      ],
    });
  }
  groups.push({
    heading: "Go to",
    commands: [
      {
        id: "go-my",
        label: "My tasks",
        keywords: ["assigned", "mine"],
        action: "go-my-tasks",
        perform: () => go("/my", "My tasks"),
      },
      { id: "go-today", label: "Today", keywords: ["due"], perform: () => go("/today", "Today") },
      { id: "go-upcoming", label: "Upcoming", keywords: ["due", "soon"], perform: () => go("/upcoming", "Upcoming") },
      {
        id: "go-calendar",
        label: "Calendar",
        keywords: ["month", "week", "due"],
        perform: () => go("/calendar", "Calendar"),
      },
      {
        id: "go-notifications",
        label: "Notifications",
        keywords: ["inbox", "alerts"],
        action: "go-notifications",
        perform: () => go("/notifications", "Notifications"),
      },
      {
        id: "go-settings",
        label: "Settings",
        keywords: ["profile", "account", "time zone"],
        perform: () => go("/settings", "Settings"),
      },
      {
        id: "go-notification-settings",
        label: "Notification settings",
        keywords: ["email", "preferences"],
        perform: () => go("/settings/notifications", "Notification settings"),
      },
    ],
  });
  if (projects.length) {
    groups.push({
      heading: "Projects",
      commands: projects.map((project) => ({
        id: `project:${project.id}`,
        label: project.name,
        keywords: ["project", ...(project.is_inbox ? ["inbox"] : [])],
        action: project.is_inbox ? ("go-inbox" as const) : undefined,
        perform: () => go(`/projects/${project.id}`, project.name),
      })),
    });
  }
  return groups;
}

function Hint({ action }: { action: ActionId }) {
  const binding = SHORTCUTS.find((shortcut) => shortcut.action === action)?.keys[0];
  if (!binding) return null;
  return (
    <span className="ml-auto shrink-0 pl-3 text-xs text-ink-soft">
      <span className="sr-only">Shortcut: </span>
      {keysText(binding)}
    </span>
  );
}

export function CommandPalette({
  groups,
  onClose,
  onChoose,
}: {
  groups: PaletteGroup[];
  /** Closed without a choice (Escape, the backdrop). */
  onClose: () => void;
  /** A command chosen: the palette closes, then the command runs. */
  onChoose: (command: PaletteCommand) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const chosen = useRef<PaletteCommand | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    // showModal focuses the first focusable element, which is cmdk's root (tabindex -1): the
    // typing belongs in the input.
    element?.querySelector<HTMLElement>("[cmdk-input]")?.focus();
  }, []);

  function choose(command: PaletteCommand) {
    chosen.current = command;
    dialog.current?.close();
  }

  return (
    <dialog
      ref={dialog}
      aria-label="Command palette"
      onClose={() => {
        const command = chosen.current;
        if (command) onChoose(command);
        else onClose();
      }}
      // A click on the backdrop (the dialog itself, outside its panel) closes it.
      onClick={(event) => {
        if (event.target === dialog.current) dialog.current.close();
      }}
      className="mx-auto mt-[12vh] w-[calc(100%-2rem)] max-w-xl overflow-hidden rounded-xl border border-line bg-surface p-0 text-ink shadow-2xl backdrop:bg-black/40"
    >
      {/* No vim bindings: Ctrl+K (up, to cmdk) closes the palette here, as it opened it. */}
      <Command label="Command palette" loop vimBindings={false} className="flex max-h-[70vh] flex-col">
        <FollowChoice />
        <div className="flex items-center gap-2 border-b border-line px-4">
          <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className="size-4 shrink-0 text-ink-soft">
            <path
              fillRule="evenodd"
              d="M9 3.5a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11ZM2 9a7 7 0 1 1 12.45 4.39l3.08 3.08a.75.75 0 1 1-1.06 1.06l-3.08-3.08A7 7 0 0 1 2 9Z"
              clipRule="evenodd"
            />
          </svg>
          <Command.Input
            placeholder="Type a command, a place or a project…"
            className="h-12 w-full bg-transparent text-sm text-ink outline-none placeholder:text-ink-soft"
          />
        </div>
        <Command.List label="Commands" className="min-h-0 flex-1 overflow-y-auto p-2">
          <Command.Empty className="px-3 py-6 text-center text-sm text-ink-soft">No command matches.</Command.Empty>
          {withValues(groups).map((group) => (
            <Command.Group
              key={group.heading}
              heading={group.heading}
              className="[&_[cmdk-group-heading]]:truncate [&_[cmdk-group-heading]]:px-3 [&_[cmdk-group-heading]]:pb-1 [&_[cmdk-group-heading]]:pt-3 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-semibold [&_[cmdk-group-heading]]:text-ink-soft"
            >
              {group.commands.map(({ value, ...command }) => (
                <Item key={command.id} command={command} value={value} onChoose={choose}>
                  {command.label}
                </Item>
              ))}
            </Command.Group>
          ))}
        </Command.List>
        <p className="border-t border-line px-4 py-2 text-xs text-ink-soft">
          ↑ ↓ to choose, Enter to run, Esc to close
        </p>
      </Command>
    </dialog>
  );
}

/** Each command's value for cmdk (what is matched, and its identity): its label, made unique
 * with zero-width spaces where two share one (two projects of one name). */
function withValues(groups: PaletteGroup[]) {
  const seen = new Set<string>();
  return groups.map((group) => ({
    ...group,
    commands: group.commands.map((command) => {
      let value = command.label;
      while (seen.has(value)) value += "\u200b";
      seen.add(value);
      return { ...command, value };
    }),
  }));
}

/**
 * Points the input's aria-activedescendant at the chosen option whenever the choice changes.
 * cmdk 1.1 sets it when the arrow keys move the choice, but not when typing picks the first
 * match, so a screen reader would not hear what Enter will run.
 */
function FollowChoice() {
  const value = useCommandState((state) => state.value);
  useEffect(() => {
    const input = document.querySelector("dialog[open] [cmdk-input]");
    const options = Array.from(document.querySelectorAll("dialog[open] [cmdk-item]"));
    const chosen = options.find((option) => option.getAttribute("data-value") === value);
    if (!input) return;
    if (chosen?.id) input.setAttribute("aria-activedescendant", chosen.id);
    else input.removeAttribute("aria-activedescendant");
  }, [value]);
  return null;
}

function Item({
  command,
  value,
  onChoose,
  children,
}: {
  command: PaletteCommand;
  value: string;
  onChoose: (command: PaletteCommand) => void;
  children: ReactNode;
}) {
  return (
    <Command.Item
      value={value}
      keywords={command.keywords}
      onSelect={() => onChoose(command)}
      className="flex cursor-pointer items-center rounded-md px-3 py-2 text-sm text-ink data-[selected=true]:bg-accent-50 data-[selected=true]:text-accent-700 data-[selected=true]:outline-2 data-[selected=true]:outline-accent-500 dark:data-[selected=true]:bg-accent-500/15 dark:data-[selected=true]:text-ink"
    >
      <span className="min-w-0 truncate">{children}</span>
      {command.action ? <Hint action={command.action} /> : null}
    </Command.Item>
  );
}
