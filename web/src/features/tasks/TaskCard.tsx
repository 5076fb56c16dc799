// One task on the board: a draggable card that opens the task, and a "Move to" select.
import { useDraggable } from "@dnd-kit/core";
import { useCallback, useEffect, useId, useRef, type RefObject } from "react";

import { STATUSES, type TaskPriority, type TaskStatus } from "../../api/vocabulary";
import { ChangeBadge } from "../../components/ChangeBadge";
import { priorityLabel } from "../../lib/labels";
import { markKeys, useMark } from "../../lib/liveMarks";
import type { Task } from "./api";
import { progressWords, RepeatMark, repeatWords, SubtaskProgress } from "./TaskMarks";

const PRIORITY_BADGE: Record<TaskPriority, string> = {
  urgent: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
  high: "bg-orange-100 text-orange-800 dark:bg-orange-950 dark:text-orange-200",
  medium: "bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-200",
  low: "bg-muted text-ink-soft",
};

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]?.[0], parts[parts.length - 1]?.[0]] : [name.trim().slice(0, 2)];
  return letters.join("").toUpperCase() || "?";
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

function dueInfo(task: Task): { text: string; overdue: boolean } | null {
  if (!task.due_at) return null;
  const due = new Date(task.due_at);
  const finished = task.status === "done" || task.status === "cancelled";
  return { text: dayFormat.format(due), overdue: !finished && due.getTime() < Date.now() };
}

/** What a screen reader says for a card: the title first, then what the card shows. */
function cardName(task: Task, assignee: string | undefined): string {
  const due = dueInfo(task);
  return [
    task.title,
    `${priorityLabel(task.priority)} priority`,
    assignee ? `assigned to ${assignee}` : "unassigned",
    due ? `${due.overdue ? "overdue, " : ""}due ${due.text}` : null,
    repeatWords(task.recurrence)?.replace(/^R/, "r"),
    progressWords(task),
    task.labels.length ? `labels ${task.labels.join(", ")}` : null,
  ]
    .filter(Boolean)
    .join(", ");
}

export function CardBody({ task, assignee }: { task: Task; assignee: string | undefined }) {
  const due = dueInfo(task);
  return (
    <>
      <p
        className={`line-clamp-3 text-sm font-medium text-ink ${task.status === "cancelled" ? "line-through decoration-ink-soft" : ""}`}
      >
        {task.title}
      </p>
      {task.labels.length ? (
        <ul className="mt-2 flex flex-wrap gap-1" aria-hidden="true">
          {task.labels.map((label) => (
            <li
              key={label}
              className="rounded bg-accent-50 px-1.5 py-0.5 text-[11px] font-medium text-accent-700 dark:bg-accent-700/25 dark:text-accent-100"
            >
              {label}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="mt-2.5 flex flex-wrap items-center gap-x-2 gap-y-1.5 text-xs" aria-hidden="true">
        <span className={`rounded px-1.5 py-0.5 font-medium ${PRIORITY_BADGE[task.priority]}`}>
          {priorityLabel(task.priority)}
        </span>
        {due ? (
          <span
            className={`inline-flex items-center gap-1 whitespace-nowrap ${due.overdue ? "font-medium text-red-600 dark:text-red-400" : "text-ink-soft"}`}
          >
            <svg viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.5">
              <rect x="2.5" y="3.5" width="11" height="10" rx="1.5" />
              <path d="M2.5 6.5h11M5.5 2v3M10.5 2v3" />
            </svg>
            {due.text}
          </span>
        ) : null}
        <RepeatMark rule={task.recurrence} />
        <SubtaskProgress task={task} />
        <span className="ml-auto">
          {assignee ? (
            <span
              title={assignee}
              className="grid size-6 place-items-center rounded-full bg-accent-100 text-[10px] font-semibold text-accent-700 dark:bg-accent-700/40 dark:text-accent-100"
            >
              {initials(assignee)}
            </span>
          ) : (
            <span
              title="Unassigned"
              className="grid size-6 place-items-center rounded-full border border-dashed border-line text-[10px] text-ink-soft"
            >
              –
            </span>
          )}
        </span>
      </div>
    </>
  );
}

export function TaskCard({
  task,
  assignee,
  pending,
  onOpen,
  onMove,
  focusAfterMove,
}: {
  task: Task;
  assignee: string | undefined;
  pending: boolean;
  onOpen: (taskId: string) => void;
  onMove: (task: Task, status: TaskStatus, refocus: boolean) => void;
  focusAfterMove: RefObject<string | null>;
}) {
  const selectId = useId();
  const change = useMark(markKeys.task(task.id));
  const node = useRef<HTMLDivElement | null>(null);
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({
    id: task.id,
    data: { task },
    disabled: pending,
  });
  const ref = useCallback(
    (element: HTMLDivElement | null) => {
      node.current = element;
      setNodeRef(element);
    },
    [setNodeRef],
  );

  useEffect(() => {
    if (focusAfterMove.current === task.id && node.current) {
      focusAfterMove.current = null;
      node.current.focus();
    }
  }, [focusAfterMove, task.id, task.status]);

  return (
    <li
      className={`group rounded-lg border border-line bg-surface shadow-sm transition hover:border-accent-500/50 hover:shadow ${
        isDragging ? "opacity-40" : ""
      } ${pending ? "animate-pulse" : ""} ${change ? "live-mark" : ""}`}
    >
      <div
        ref={ref}
        {...attributes}
        {...listeners}
        aria-label={cardName(task, assignee)}
        aria-roledescription="draggable task"
        // The keyboard's j/k move between these, o opens one (features/keyboard).
        data-task-open={task.id}
        data-task-title={task.title}
        onClick={() => onOpen(task.id)}
        className="cursor-grab touch-manipulation rounded-t-lg p-3 focus-ring active:cursor-grabbing"
      >
        <CardBody task={task} assignee={assignee} />
      </div>
      <div className="flex items-center gap-2 border-t border-line px-3 py-1.5">
        <label htmlFor={selectId} className="text-ink-soft" title="Move to">
          <svg
            viewBox="0 0 16 16"
            className="size-3.5"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.5"
            aria-hidden="true"
          >
            <path d="M2.5 5.5h10M10 3l2.5 2.5L10 8M13.5 10.5h-10M6 8l-2.5 2.5L6 13" />
          </svg>
          <span className="sr-only">Move {task.title} to</span>
        </label>
        <select
          id={selectId}
          value={task.status}
          disabled={pending}
          onChange={(event) => onMove(task, event.target.value as TaskStatus, true)}
          className="min-w-0 flex-1 cursor-pointer rounded border-0 bg-transparent py-0.5 text-xs font-medium text-ink focus-ring hover:bg-muted disabled:cursor-wait"
        >
          {STATUSES.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        {change ? <ChangeBadge mark={change} /> : null}
        <button
          type="button"
          onClick={() => onOpen(task.id)}
          aria-label="Open details"
          title="Open details"
          className="rounded p-1 text-ink-soft hover:bg-muted hover:text-ink focus-ring"
        >
          <svg
            viewBox="0 0 16 16"
            className="size-3.5"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.5"
            aria-hidden="true"
          >
            <path d="M9.5 2.5h4v4M13.5 2.5 8 8M6.5 3.5h-3v9h9v-3" />
          </svg>
        </button>
      </div>
    </li>
  );
}
