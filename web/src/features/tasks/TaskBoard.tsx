// The board: one column per status; dragging a card (mouse, touch or keyboard) or picking
// "Move to" on it changes the task's status, optimistically.
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  TouchSensor,
  pointerWithin,
  rectIntersection,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type Announcements,
  type CollisionDetection,
  type DragEndEvent,
  type DragStartEvent,
  type KeyboardCoordinateGetter,
  type PointerSensorOptions,
  type UniqueIdentifier,
} from "@dnd-kit/core";
import { useCallback, useEffect, useId, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent, type RefObject } from "react";

import { useMembers } from "../../api/queries";
import { Button } from "../../components/Button";
import { ErrorState } from "../../components/States";
import { PRIORITIES, STATUSES, useTaskList, useUpdateTask, type Task, type TaskQuery, type TaskStatus } from "./api";

const statusLabel = (status: UniqueIdentifier | undefined): string =>
  STATUSES.find((s) => s.value === status)?.label ?? String(status ?? "");
const priorityLabel = (priority: Task["priority"]): string =>
  PRIORITIES.find((p) => p.value === priority)?.label ?? priority;

const STATUS_DOT: Record<TaskStatus, string> = {
  todo: "bg-slate-400",
  in_progress: "bg-sky-500",
  review: "bg-amber-500",
  done: "bg-emerald-500",
  cancelled: "bg-zinc-400 dark:bg-zinc-500",
};

const PRIORITY_BADGE: Record<Task["priority"], string> = {
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
    task.labels.length ? `labels ${task.labels.join(", ")}` : null,
  ]
    .filter(Boolean)
    .join(", ");
}

// Mouse and pen drag after a few pixels (so a click still opens the card); touch has its own
// sensor below, with a long press, so a swipe still scrolls the board.
class FinePointerSensor extends PointerSensor {
  static override activators = [
    {
      eventName: "onPointerDown" as const,
      handler: ({ nativeEvent: event }: ReactPointerEvent, { onActivation }: PointerSensorOptions) => {
        if (!event.isPrimary || event.button !== 0 || event.pointerType === "touch") return false;
        onActivation?.({ event });
        return true;
      },
    },
  ];
}

/** Arrow keys jump a lifted card to the column on the left or right (up/down do nothing: a
 * column's order comes from the sort, not from where a card is dropped). */
export const columnCoordinates: KeyboardCoordinateGetter = (event, { context }) => {
  if (event.code !== "ArrowRight" && event.code !== "ArrowLeft") {
    if (event.code === "ArrowUp" || event.code === "ArrowDown") event.preventDefault();
    return undefined;
  }
  const { collisionRect, droppableRects, droppableContainers, over, active } = context;
  if (!collisionRect) return undefined;
  const columns = droppableContainers
    .getEnabled()
    .flatMap((container) => {
      const rect = droppableRects.get(container.id);
      return rect ? [{ id: container.id, rect }] : [];
    })
    .sort((a, b) => a.rect.left - b.rect.left);
  const start = active ? taskOf(active.data)?.status : undefined;
  let index = columns.findIndex((column) => column.id === (over?.id ?? start));
  if (index < 0) index = 0;
  const target = columns[index + (event.code === "ArrowRight" ? 1 : -1)];
  if (!target) return undefined;
  return {
    x: target.rect.left + (target.rect.width - collisionRect.width) / 2,
    y: Math.min(Math.max(collisionRect.top, target.rect.top), target.rect.top + Math.max(0, target.rect.height - collisionRect.height)),
  };
};

// Where the pointer is, when there is one; otherwise (keyboard) the column the card overlaps most.
const collision: CollisionDetection = (args) => {
  const within = args.pointerCoordinates ? pointerWithin(args) : [];
  return within.length ? within : rectIntersection(args);
};

function taskOf(data: { current?: Record<string, unknown> | undefined } | undefined): Task | undefined {
  return data?.current?.task as Task | undefined;
}

export function TaskBoard({
  projectId,
  query,
  onOpen,
}: {
  projectId: string;
  query: TaskQuery;
  onOpen: (taskId: string) => void;
}) {
  const update = useUpdateTask();
  const members = useMembers(projectId);
  const names = useMemo(
    () => new Map((members.data ?? []).map((member) => [member.user_id, member.display_name])),
    [members.data],
  );
  const [active, setActive] = useState<Task | null>(null);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  // The card to focus once it shows up in its new column (keyboard users keep their place).
  const focusAfterMove = useRef<string | null>(null);

  const sensors = useSensors(
    useSensor(FinePointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 250, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter: columnCoordinates }),
  );

  const move = useCallback(
    (task: Task, status: TaskStatus, refocus: boolean) => {
      if (status === task.status) return;
      if (refocus) focusAfterMove.current = task.id;
      setPending((ids) => new Set(ids).add(task.id));
      update.mutate(
        { task, changes: { status } },
        {
          onSettled: () =>
            setPending((ids) => {
              const next = new Set(ids);
              next.delete(task.id);
              return next;
            }),
        },
      );
    },
    [update],
  );

  const announcements: Announcements = useMemo(
    () => ({
      onDragStart: ({ active: dragged }) => {
        const task = taskOf(dragged.data);
        return task ? `Picked up task ${task.title} in ${statusLabel(task.status)}.` : undefined;
      },
      onDragOver: ({ active: dragged, over }) => {
        const task = taskOf(dragged.data);
        if (!task) return undefined;
        return over ? `Task ${task.title} is over ${statusLabel(over.id)}.` : `Task ${task.title} is not over a column.`;
      },
      onDragEnd: ({ active: dragged, over }) => {
        const task = taskOf(dragged.data);
        if (!task) return undefined;
        return over && over.id !== task.status
          ? `Task ${task.title} was moved to ${statusLabel(over.id)}.`
          : `Task ${task.title} was dropped back in ${statusLabel(task.status)}.`;
      },
      onDragCancel: ({ active: dragged }) => {
        const task = taskOf(dragged.data);
        return task ? `Moving was cancelled. Task ${task.title} stays in ${statusLabel(task.status)}.` : undefined;
      },
    }),
    [],
  );

  function onDragStart({ active: dragged }: DragStartEvent) {
    setActive(taskOf(dragged.data) ?? null);
  }

  function onDragEnd({ active: dragged, over, activatorEvent }: DragEndEvent) {
    setActive(null);
    const task = taskOf(dragged.data);
    if (task && over) move(task, over.id as TaskStatus, activatorEvent instanceof KeyboardEvent);
  }

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collision}
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
      onDragCancel={() => setActive(null)}
      accessibility={{
        announcements,
        screenReaderInstructions: {
          draggable:
            "To move this task, press Space or Enter to pick it up, the left and right arrow keys to choose a column, and Space or Enter to drop it there. Escape cancels. The Move to menu on each card does the same.",
        },
      }}
    >
      {/* relative: the cards' screen-reader-only text is positioned absolutely and must be
          clipped by this scroller, or it widens the page on phones. */}
      <div className="relative -mx-4 flex snap-x snap-mandatory gap-3 overflow-x-auto px-4 pb-4 sm:mx-0 sm:snap-none sm:px-0">
        {STATUSES.map(({ value, label }) => (
          <Column
            key={value}
            status={value}
            label={label}
            query={{ ...query, project_id: projectId, status: [value] }}
            names={names}
            pending={pending}
            onOpen={onOpen}
            onMove={move}
            focusAfterMove={focusAfterMove}
          />
        ))}
      </div>
      <DragOverlay dropAnimation={null}>
        {active ? (
          <div data-drag-preview className="rotate-2 cursor-grabbing rounded-lg border border-accent-500 bg-surface p-3 shadow-xl">
            <CardBody task={active} assignee={active.assignee_id ? names.get(active.assignee_id) : undefined} />
          </div>
        ) : null}
      </DragOverlay>
    </DndContext>
  );
}

interface ColumnProps {
  status: TaskStatus;
  label: string;
  query: TaskQuery;
  names: Map<string, string>;
  pending: ReadonlySet<string>;
  onOpen: (taskId: string) => void;
  onMove: (task: Task, status: TaskStatus, refocus: boolean) => void;
  focusAfterMove: RefObject<string | null>;
}

function Column({ status, label, query, names, pending, onOpen, onMove, focusAfterMove }: ColumnProps) {
  const headingId = useId();
  const list = useTaskList(query);
  const { setNodeRef, isOver } = useDroppable({ id: status });
  const tasks = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);

  return (
    <section
      ref={setNodeRef}
      aria-labelledby={headingId}
      className={`flex w-[82vw] max-w-80 shrink-0 snap-center flex-col rounded-xl border bg-muted/50 transition-colors sm:w-72 xl:w-auto xl:min-w-52 xl:max-w-none xl:flex-1 ${
        isOver ? "border-accent-500 bg-accent-50/60 dark:bg-accent-700/15" : "border-transparent"
      }`}
    >
      <header className="flex items-center gap-2 px-3 pb-2 pt-3">
        <span className={`size-2.5 rounded-full ${STATUS_DOT[status]}`} aria-hidden="true" />
        <h2 id={headingId} className="text-sm font-semibold text-ink">
          {label}
        </h2>
        <span className="rounded-full bg-surface px-2 py-0.5 text-xs font-medium text-ink-soft tabular-nums" aria-label={`${tasks.length}${list.hasNextPage ? " or more" : ""} tasks`}>
          {tasks.length}
          {list.hasNextPage ? "+" : ""}
        </span>
      </header>
      <div className="flex min-h-40 flex-1 flex-col gap-2 px-2 pb-2">
        {list.isPending ? (
          <div role="status" className="space-y-2" aria-label={`Loading ${label}`}>
            {[0, 1].map((i) => (
              <div key={i} className="h-20 animate-pulse rounded-lg bg-surface/70" />
            ))}
          </div>
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : tasks.length === 0 ? (
          <p className="flex flex-1 items-center justify-center rounded-lg border border-dashed border-line p-4 text-center text-xs text-ink-soft">
            No tasks here. Drop one to move it to {label}.
          </p>
        ) : (
          <ul className="flex flex-col gap-2">
            {tasks.map((task) => (
              <TaskCard
                key={task.id}
                task={task}
                assignee={task.assignee_id ? names.get(task.assignee_id) : undefined}
                pending={pending.has(task.id)}
                onOpen={onOpen}
                onMove={onMove}
                focusAfterMove={focusAfterMove}
              />
            ))}
          </ul>
        )}
        {list.hasNextPage ? (
          <Button variant="ghost" className="w-full" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
            {list.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        ) : null}
      </div>
    </section>
  );
}

function CardBody({ task, assignee }: { task: Task; assignee: string | undefined }) {
  const due = dueInfo(task);
  return (
    <>
      <p className={`line-clamp-3 text-sm font-medium text-ink ${task.status === "cancelled" ? "line-through decoration-ink-soft" : ""}`}>
        {task.title}
      </p>
      {task.labels.length ? (
        <ul className="mt-2 flex flex-wrap gap-1" aria-hidden="true">
          {task.labels.map((label) => (
            <li key={label} className="rounded bg-accent-50 px-1.5 py-0.5 text-[11px] font-medium text-accent-700 dark:bg-accent-700/25 dark:text-accent-100">
              {label}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="mt-2.5 flex items-center gap-2 text-xs" aria-hidden="true">
        <span className={`rounded px-1.5 py-0.5 font-medium ${PRIORITY_BADGE[task.priority]}`}>{priorityLabel(task.priority)}</span>
        {due ? (
          <span className={`inline-flex items-center gap-1 whitespace-nowrap ${due.overdue ? "font-medium text-red-600 dark:text-red-400" : "text-ink-soft"}`}>
            <svg viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.5">
              <rect x="2.5" y="3.5" width="11" height="10" rx="1.5" />
              <path d="M2.5 6.5h11M5.5 2v3M10.5 2v3" />
            </svg>
            {due.text}
          </span>
        ) : null}
        <span className="ml-auto">
          {assignee ? (
            <span title={assignee} className="grid size-6 place-items-center rounded-full bg-accent-100 text-[10px] font-semibold text-accent-700 dark:bg-accent-700/40 dark:text-accent-100">
              {initials(assignee)}
            </span>
          ) : (
            <span title="Unassigned" className="grid size-6 place-items-center rounded-full border border-dashed border-line text-[10px] text-ink-soft">
              –
            </span>
          )}
        </span>
      </div>
    </>
  );
}

function TaskCard({
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
  const node = useRef<HTMLDivElement | null>(null);
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: task.id, data: { task }, disabled: pending });
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
      } ${pending ? "animate-pulse" : ""}`}
    >
      <div
        ref={ref}
        {...attributes}
        {...listeners}
        aria-label={cardName(task, assignee)}
        aria-roledescription="draggable task"
        onClick={() => onOpen(task.id)}
        className="cursor-grab touch-manipulation rounded-t-lg p-3 focus-ring active:cursor-grabbing"
      >
        <CardBody task={task} assignee={assignee} />
      </div>
      <div className="flex items-center gap-2 border-t border-line px-3 py-1.5">
        <label htmlFor={selectId} className="text-ink-soft" title="Move to">
          <svg viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
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
        <button
          type="button"
          onClick={() => onOpen(task.id)}
          aria-label="Open details"
          title="Open details"
          className="rounded p-1 text-ink-soft hover:bg-muted hover:text-ink focus-ring"
        >
          <svg viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.5" aria-hidden="true">
            <path d="M9.5 2.5h4v4M13.5 2.5 8 8M6.5 3.5h-3v9h9v-3" />
          </svg>
        </button>
      </div>
    </li>
  );
}
