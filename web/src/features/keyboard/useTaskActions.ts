// What each action of the shortcut table does: the keys (dispatcher) and the command palette
// both run actions through here.
import { useCallback, useEffect, useMemo, useRef } from "react";
import { useLocation, useNavigate } from "react-router";

import type { Schemas } from "../../api/client";
import { useProjects } from "../../api/queries";
import { PRIORITIES, type TaskPriority } from "../../api/vocabulary";
import { priorityLabel, statusLabel } from "../../lib/labels";
import { useUser } from "../../lib/auth";
import { isTyping } from "./dispatcher";
import type { ActionId } from "./shortcuts";
import { createSelection, openerFor, taskOpenerOf, inTaskPanel } from "./taskFocus";

type Task = Schemas["TaskPublic"];
type TaskChanges = Omit<Schemas["TaskUpdate"], "version">;

/** Changes one task by id (the app passes the tasks feature's). See features/tasks/useChangeTask. */
export type ChangeTask = (taskId: string, decide: (task: Task) => TaskChanges | null) => Promise<Task | null>;

export interface ActionOptions {
  /** The task to act on, chosen before (the palette captures it when it opens). */
  taskId?: string | null;
  /** The key event that asked, if any. */
  event?: KeyboardEvent;
}

export interface TaskActionsConfig {
  changeTask: ChangeTask;
  announce: (message: string) => void;
  openPalette: () => void;
  openShortcuts: () => void;
}

// A project's task page: /projects/<id> (not its settings or activity).
const PROJECT_PAGE = /^\/projects\/[^/]+\/?$/;

/** The next priority up, wrapping from Urgent to Low: Low → Medium → High → Urgent → Low. */
export function raisedPriority(priority: TaskPriority): TaskPriority {
  const order = PRIORITIES.map((p) => p.value); // urgent, high, medium, low
  const at = order.indexOf(priority);
  return at <= 0 ? (order[order.length - 1] ?? "low") : (order[at - 1] ?? priority);
}

/** A field or control the page shows after a navigation: focused once it appears (up to 3 s). */
function focusWhenShown(find: () => HTMLElement | null) {
  const started = Date.now();
  const tick = () => {
    const element = find();
    if (element) element.focus();
    else if (Date.now() - started < 3000) window.setTimeout(tick, 50);
  };
  tick();
}

const quickAddField = () => document.getElementById("quick-add");
const searchField = () =>
  document.getElementById("task-search") ??
  document.querySelector<HTMLElement>("#main [role=search] input, #main input[type=search]");

/** The interactive elements whose Enter key is their own (a link, a button, a summary). */
function ownsEnter(target: EventTarget | null): boolean {
  return (
    target instanceof Element &&
    !taskOpenerOf(target)?.isSameNode(target) &&
    target.matches("a[href], button, summary, [role=button], [role=link], [role=menuitem], [role=option], [role=tab]")
  );
}

export function useTaskActions({ changeTask, announce, openPalette, openShortcuts }: TaskActionsConfig) {
  const navigate = useNavigate();
  const location = useLocation();
  const user = useUser();
  const projects = useProjects();
  const selection = useMemo(() => createSelection(), []);
  const refocus = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(refocus.current), []);
  const openTaskId = new URLSearchParams(location.search).get("task");
  const onProjectPage = PROJECT_PAGE.test(location.pathname);
  const board = new URLSearchParams(location.search).get("view") === "board";

  const change = useCallback(
    (taskId: string | null, decide: (task: Task) => TaskChanges | null, said: (task: Task) => string) => {
      if (!taskId) {
        announce("No task selected. Press J to select one, or open one first.");
        return;
      }
      let seen: Task | null = null;
      const decideSeeing = (task: Task) => {
        seen = task;
        return decide(task);
      };
      changeTask(taskId, decideSeeing).then(
        (saved) => {
          // Nothing to change (already so) is said too, so a key press never goes unanswered.
          const shown: Task | null = saved ?? seen;
          if (shown) announce(`${said(shown)}: “${shown.title}”`);
          // A card that changed column is drawn anew there: the focus follows it.
          selection.remember(taskId);
          window.clearTimeout(refocus.current);
          refocus.current = window.setTimeout(() => {
            if (document.activeElement === document.body) openerFor(taskId)?.focus();
          }, 50);
        },
        // The refusal is shown (and announced) by the tasks feature.
        () => undefined,
      );
    },
    [announce, changeTask, selection],
  );

  const go = useCallback(
    (path: string, name: string) => {
      void navigate(path);
      announce(name);
    },
    [announce, navigate],
  );

  /** Runs `action`; false when the key is left to the page (Enter on a link, arrows with no tasks). */
  const run = useCallback(
    (action: ActionId, { taskId, event }: ActionOptions = {}): boolean => {
      const target = event?.target ?? null;
      const task = () => (taskId !== undefined ? taskId : selection.current(openTaskId));
      switch (action) {
        case "command-palette":
          openPalette();
          return true;
        case "show-shortcuts":
          openShortcuts();
          return true;
        case "quick-add": {
          const field = quickAddField();
          if (field) field.focus();
          else {
            const inbox = projects.data?.find((project) => project.is_inbox);
            void navigate(inbox ? `/projects/${inbox.id}` : "/");
            focusWhenShown(quickAddField);
          }
          return true;
        }
        case "search": {
          const field = searchField();
          if (field) field.focus();
          else {
            void navigate("/search");
            focusWhenShown(searchField);
          }
          return true;
        }
        case "next-task":
        case "previous-task": {
          const arrow = event?.key === "ArrowDown" || event?.key === "ArrowUp";
          // Arrows stay with whatever has the focus unless it is a task (or nothing is).
          if (arrow && target !== document.body && !taskOpenerOf(target as Element | null)) return false;
          const moved = selection.move(action === "next-task" ? 1 : -1, openTaskId);
          if (!moved && arrow) return false;
          if (!moved) announce(action === "next-task" ? "That is the last task." : "That is the first task.");
          return true;
        }
        case "open-task": {
          if (event?.key === "Enter" && ownsEnter(target)) return false;
          const id = task();
          const opener = id ? openerFor(id) : null;
          if (!opener) {
            announce("No task selected. Press J to select one.");
            return true;
          }
          opener.click();
          return true;
        }
        case "close": {
          const element = target instanceof HTMLElement ? target : null;
          if (!element || element === document.body || element.closest("dialog") || inTaskPanel(element)) {
            // The panel and dialogs close themselves on Escape.
            return false;
          }
          // A field is left first (its keys are shortcuts again), then the panel closes.
          if (isTyping(element)) {
            element.blur();
            return true;
          }
          if (openTaskId) {
            const next = new URLSearchParams(location.search);
            next.delete("task");
            void navigate({ search: next.toString() ? `?${next.toString()}` : "" });
            openerFor(openTaskId)?.focus();
            return true;
          }
          return false;
        }
        case "switch-view": {
          if (!onProjectPage) {
            announce("List and board are on a project's page.");
            return true;
          }
          const next = new URLSearchParams(location.search);
          if (board) next.delete("view");
          else next.set("view", "board");
          void navigate({ search: next.toString() ? `?${next.toString()}` : "" });
          announce(board ? "List view" : "Board view");
          return true;
        }
        case "cycle-priority":
          change(
            task(),
            (current) => ({ priority: raisedPriority(current.priority) }),
            (saved) => `Priority: ${priorityLabel(saved.priority)}`,
          );
          return true;
        case "assign-to-me":
          change(
            task(),
            (current) => (current.assignee_id === user.id ? null : { assignee_id: user.id }),
            () => "Assigned to you",
          );
          return true;
        case "go-my-tasks":
          go("/my", "My tasks");
          return true;
        case "go-inbox": {
          const inbox = projects.data?.find((project) => project.is_inbox);
          go(inbox ? `/projects/${inbox.id}` : "/", "Inbox");
          return true;
        }
        case "go-notifications":
          go("/notifications", "Notifications");
          return true;
        default: {
          const [kind, value] = action.split(":") as ["status" | "priority", string];
          if (kind === "status") {
            change(
              task(),
              (current) => (current.status === value ? null : { status: value as Task["status"] }),
              (saved) => `Status: ${statusLabel(saved.status)}`,
            );
          } else {
            change(
              task(),
              (current) => (current.priority === value ? null : { priority: value as TaskPriority }),
              (saved) => `Priority: ${priorityLabel(saved.priority)}`,
            );
          }
          return true;
        }
      }
    },
    [
      announce,
      board,
      change,
      go,
      location.search,
      navigate,
      onProjectPage,
      openPalette,
      openShortcuts,
      openTaskId,
      projects.data,
      selection,
      user.id,
    ],
  );

  return { run, selection, openTaskId, onProjectPage, board };
}
