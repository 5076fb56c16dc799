// The calendar (/calendar): tasks by due date in every project of the user's, a month or a week
// at a time (?view=week&date=YYYY-MM-DD), in the browser's time zone. Dragging a task to another
// day (mouse, touch, or Space then the arrow keys) moves its due date; a task opens in the panel
// beside the calendar (?task=id), as on a project's page.
import {
  DndContext,
  DragOverlay,
  KeyboardSensor,
  MouseSensor,
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
  type KeyboardCoordinateGetter,
} from "@dnd-kit/core";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from "react";
import { Link, useSearchParams } from "react-router";

import type { Schemas } from "../../api/client";
import { useProjects } from "../../api/queries";
import { Button } from "../../components/Button";
import { ErrorState, Spinner } from "../../components/States";
import { useTaskPanel } from "../../hooks/useTaskPanel";
import { useTaskViews, type ViewTask } from "../../lib/taskViews";
import { MAX_PAGES, useCalendarTasks } from "./api";
import {
  addDays,
  dayKey,
  dueWindow,
  moveToDay,
  parseDay,
  stepAnchor,
  taskDay,
  tasksByDay,
  visibleWeeks,
  type CalendarView,
} from "./dates";

type TaskChanges = Omit<Schemas["TaskUpdate"], "version">;

/** Changes one task by id, on its latest known version (the app passes the tasks feature's:
 * optimistic, and put back with the reason when the server refuses). */
export type ChangeTask = (taskId: string, decide: (task: ViewTask) => TaskChanges | null) => Promise<unknown>;

const VIEWS = [
  ["month", "Month"],
  ["week", "Week"],
] as const;

// A month's day shows this many tasks, then "+N more" (the week view shows them all).
const MONTH_CELL_TASKS = 3;

const dayName = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const monthName = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });
const shortDay = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const weekdayName = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

const dayLabel = (key: string) => {
  const day = parseDay(key);
  return day ? dayName.format(day) : key;
};

function taskOf(data: { current?: Record<string, unknown> | undefined } | undefined): ViewTask | undefined {
  return data?.current?.task as ViewTask | undefined;
}

const ARROWS: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };

/** Arrow keys jump a lifted task to the day before or after (left, right) or a week away (up, down). */
export const dayCoordinates: KeyboardCoordinateGetter = (event, { context }) => {
  const step = ARROWS[event.code];
  if (step === undefined) return undefined;
  event.preventDefault();
  const { active, over, collisionRect, droppableRects } = context;
  const task = active ? taskOf(active.data) : undefined;
  const from = parseDay(over ? String(over.id) : task ? taskDay(task) : null);
  const target = from ? droppableRects.get(dayKey(addDays(from, step))) : undefined;
  if (!target || !collisionRect) return undefined;
  return {
    x: target.left + (target.width - collisionRect.width) / 2,
    y: target.top + Math.max(0, (target.height - collisionRect.height) / 2),
  };
};

// Where the pointer is, when there is one; otherwise (keyboard) the day the task overlaps most.
const collision: CollisionDetection = (args) => {
  const within = args.pointerCoordinates ? pointerWithin(args) : [];
  return within.length ? within : rectIntersection(args);
};

function taskName(task: ViewTask): string {
  const when = task.due_date || !task.due_at ? "all day" : timeOfDay.format(new Date(task.due_at));
  const state = task.status === "done" ? ", done" : task.status === "cancelled" ? ", cancelled" : "";
  return `${task.title}, ${when}${state}`;
}

function ChipBody({ task }: { task: ViewTask }) {
  const closed = task.status === "done" || task.status === "cancelled";
  return (
    <span className={`flex min-w-0 items-baseline gap-1 ${closed ? "text-ink-soft line-through" : ""}`}>
      {task.due_date || !task.due_at ? null : (
        <span className="shrink-0 tabular-nums text-ink-soft">{timeOfDay.format(new Date(task.due_at))}</span>
      )}
      <span className="truncate">{task.title}</span>
    </span>
  );
}

function TaskChip({
  task,
  editable,
  pending,
  selected,
  onOpen,
  focusAfterMove,
}: {
  task: ViewTask;
  editable: boolean;
  pending: boolean;
  selected: boolean;
  onOpen: (taskId: string) => void;
  focusAfterMove: RefObject<{ id: string; day: string } | null>;
}) {
  const node = useRef<HTMLDivElement | null>(null);
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({
    id: task.id,
    data: { task },
    disabled: !editable || pending,
  });
  const ref = useCallback(
    (element: HTMLDivElement | null) => {
      node.current = element;
      setNodeRef(element);
    },
    [setNodeRef],
  );
  // A task moved with the keys is drawn anew on its new day: the focus follows it there.
  const day = taskDay(task);
  useEffect(() => {
    const target = focusAfterMove.current;
    if (target?.id === task.id && target.day === day && node.current) {
      focusAfterMove.current = null;
      node.current.focus();
    }
  });

  return (
    <li>
      <div
        ref={ref}
        {...attributes}
        {...listeners}
        // Not being movable (a viewer's task) does not stop it opening.
        aria-disabled={undefined}
        aria-roledescription={editable ? "draggable task" : undefined}
        aria-label={taskName(task)}
        aria-current={selected ? "true" : undefined}
        // The keyboard's j/k move between these, o opens one (features/keyboard).
        data-task-open={task.id}
        data-task-title={task.title}
        onClick={() => onOpen(task.id)}
        onKeyDown={(event) => {
          // Space picks a task up (the drag's keys); Enter opens it.
          if (event.key === "Enter" && attributes["aria-pressed"] !== true) {
            event.preventDefault();
            onOpen(task.id);
            return;
          }
          listeners?.onKeyDown?.(event);
        }}
        className={`block w-full rounded px-1.5 py-0.5 text-left text-xs focus-ring ${
          selected ? "bg-accent-100 text-accent-700 dark:bg-accent-500/25 dark:text-accent-100" : "bg-muted"
        } ${editable ? "cursor-grab touch-manipulation active:cursor-grabbing" : "cursor-pointer"} ${
          isDragging ? "opacity-40" : ""
        } ${pending ? "animate-pulse" : ""} hover:ring-1 hover:ring-accent-500/50`}
      >
        <ChipBody task={task} />
      </div>
    </li>
  );
}

interface DayProps {
  day: Date;
  tasks: ViewTask[];
  view: CalendarView;
  outside: boolean;
  today: boolean;
  children: (task: ViewTask) => ReactNode;
  onMore: () => void;
}

function DayCell({ day, tasks, view, outside, today, children, onMore }: DayProps) {
  const key = dayKey(day);
  const { setNodeRef, isOver } = useDroppable({ id: key });
  const shown = view === "month" ? tasks.slice(0, MONTH_CELL_TASKS) : tasks;
  const hidden = tasks.length - shown.length;
  return (
    <div
      ref={setNodeRef}
      role="group"
      aria-label={dayName.format(day)}
      data-day={key}
      className={`flex min-w-0 flex-col gap-1 border-t border-l border-line p-1.5 ${
        view === "week" ? "min-h-16 sm:min-h-72" : "min-h-20 sm:min-h-28"
      } ${outside ? "bg-muted/50" : "bg-surface"} ${isOver ? "bg-accent-50 ring-2 ring-inset ring-accent-500 dark:bg-accent-500/15" : ""}`}
    >
      <span
        aria-hidden="true"
        className={`self-start rounded-full px-1.5 text-xs font-medium tabular-nums ${
          today ? "bg-accent-600 text-white" : outside ? "text-ink-soft" : "text-ink"
        }`}
      >
        {view === "week" ? <span className="sm:hidden">{weekdayName.format(day)} </span> : null}
        {day.getDate() === 1 && view === "month" ? shortDay.format(day) : day.getDate()}
      </span>
      {today ? <span className="sr-only">Today</span> : null}
      {shown.length ? <ul className="space-y-1">{shown.map(children)}</ul> : null}
      {hidden > 0 ? (
        <button
          type="button"
          onClick={onMore}
          className="self-start rounded px-1.5 text-xs font-medium text-accent-600 hover:underline focus-ring dark:text-accent-100"
        >
          {`+${hidden} more`}
          <span className="sr-only">{` on ${dayName.format(day)}: show the week`}</span>
        </button>
      ) : null}
    </div>
  );
}

function periodTitle(weeks: Date[][], anchor: Date, view: CalendarView): string {
  if (view === "month") return monthName.format(anchor);
  const first = weeks[0]?.[0] ?? anchor;
  const last = weeks[0]?.[6] ?? anchor;
  return `${shortDay.format(first)} – ${shortDay.format(last)} ${last.getFullYear()}`;
}

export function CalendarPage({ changeTask }: { changeTask: ChangeTask }) {
  const [params, setParams] = useSearchParams();
  const view: CalendarView = params.get("view") === "week" ? "week" : "month";
  const todayKey = dayKey(new Date());
  const anchor = parseDay(params.get("date")) ?? parseDay(todayKey) ?? new Date();
  const anchorKey = dayKey(anchor);
  const weeks = useMemo(() => visibleWeeks(parseDay(anchorKey) ?? new Date(), view), [anchorKey, view]);
  const list = useCalendarTasks(useMemo(() => dueWindow(weeks), [weeks]));
  const projects = useProjects();
  const { TaskPanel } = useTaskViews();
  const { taskId, open, close } = useTaskPanel();
  const [active, setActive] = useState<ViewTask | null>(null);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const focusAfterMove = useRef<{ id: string; day: string } | null>(null);

  const tasks = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const byDay = useMemo(() => tasksByDay(tasks), [tasks]);
  const editable = useMemo(
    () => new Set((projects.data ?? []).filter((p) => p.role !== "viewer").map((p) => p.id)),
    [projects.data],
  );

  const sensors = useSensors(
    useSensor(MouseSensor, { activationConstraint: { distance: 6 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 250, tolerance: 8 } }),
    useSensor(KeyboardSensor, {
      coordinateGetter: dayCoordinates,
      keyboardCodes: { start: ["Space"], cancel: ["Escape"], end: ["Space", "Enter"] },
    }),
  );

  function go(changes: { view?: CalendarView; date?: Date }) {
    setParams((current) => {
      const next = new URLSearchParams(current);
      const nextView = changes.view ?? view;
      if (nextView === "week") next.set("view", "week");
      else next.delete("view");
      next.set("date", dayKey(changes.date ?? anchor));
      return next;
    });
  }

  const move = useCallback(
    (task: ViewTask, day: string, refocus: boolean) => {
      if (!moveToDay(task, day)) return;
      if (refocus) focusAfterMove.current = { id: task.id, day };
      setPending((ids) => new Set(ids).add(task.id));
      // Decided again on the task as last known (its version), in case it changed meanwhile.
      changeTask(task.id, (latest) => moveToDay(latest, day))
        .catch(() => {
          // Refused (the reason is shown): it stays where it was, and so does the focus.
          if (focusAfterMove.current?.id === task.id) focusAfterMove.current = null;
        })
        .finally(() =>
          setPending((ids) => {
            const next = new Set(ids);
            next.delete(task.id);
            return next;
          }),
        );
    },
    [changeTask],
  );

  const announcements: Announcements = useMemo(
    () => ({
      onDragStart: ({ active: dragged }) => {
        const task = taskOf(dragged.data);
        const day = task && taskDay(task);
        return task && day ? `Picked up task ${task.title}, due ${dayLabel(day)}.` : undefined;
      },
      onDragOver: ({ active: dragged, over }) => {
        const task = taskOf(dragged.data);
        if (!task) return undefined;
        return over
          ? `Task ${task.title} is over ${dayLabel(String(over.id))}.`
          : `Task ${task.title} is not over a day.`;
      },
      onDragEnd: ({ active: dragged, over }) => {
        const task = taskOf(dragged.data);
        const day = task && taskDay(task);
        if (!task || !day) return undefined;
        return over && String(over.id) !== day
          ? `Task ${task.title} was moved to ${dayLabel(String(over.id))}.`
          : `Task ${task.title} stays on ${dayLabel(day)}.`;
      },
      onDragCancel: ({ active: dragged }) => {
        const task = taskOf(dragged.data);
        const day = task && taskDay(task);
        return task && day ? `Moving was cancelled. Task ${task.title} stays on ${dayLabel(day)}.` : undefined;
      },
    }),
    [],
  );

  function onDragEnd({ active: dragged, over, activatorEvent }: DragEndEvent) {
    setActive(null);
    const task = taskOf(dragged.data);
    if (task && over) move(task, String(over.id), activatorEvent instanceof KeyboardEvent);
  }

  const chip = (task: ViewTask) => (
    <TaskChip
      key={task.id}
      task={task}
      editable={editable.has(task.project_id)}
      pending={pending.has(task.id)}
      selected={task.id === taskId}
      onOpen={open}
      focusAfterMove={focusAfterMove}
    />
  );
  const period = periodTitle(weeks, anchor, view);
  const unit = view === "month" ? "month" : "week";

  return (
    <div className="flex h-full min-h-0">
      <div className="min-w-0 flex-1 overflow-y-auto">
        <div className="mx-auto max-w-6xl space-y-4 p-4 sm:p-6">
          <header className="flex flex-wrap items-center gap-x-4 gap-y-3">
            <div className="min-w-0 basis-full sm:flex-1">
              <h1 className="text-2xl font-semibold tracking-tight text-ink">Calendar</h1>
              <p className="mt-1 text-sm text-ink-soft">
                Tasks by due date in every project. Drag one to another day to move it.{" "}
                <Link to="/settings#calendar-feeds" className="text-accent-600 underline-offset-2 hover:underline">
                  Subscribe in your calendar app
                </Link>
              </p>
            </div>
            <div role="group" aria-label="View" className="flex items-center gap-1 rounded-lg bg-muted p-1">
              {VIEWS.map(([option, label]) => (
                <button
                  key={option}
                  type="button"
                  aria-pressed={view === option}
                  onClick={() => go({ view: option })}
                  className={`rounded-md px-3 py-1.5 text-sm font-medium transition-colors focus-ring ${
                    view === option ? "bg-surface text-ink shadow-sm ring-1 ring-line" : "text-ink-soft hover:text-ink"
                  }`}
                >
                  {label}
                </button>
              ))}
            </div>
          </header>
          <div className="flex items-center gap-2">
            <Button variant="secondary" onClick={() => go({ date: new Date() })}>
              Today
            </Button>
            <Button
              variant="ghost"
              aria-label={`Previous ${unit}`}
              onClick={() => go({ date: stepAnchor(anchor, view, -1) })}
            >
              <span aria-hidden="true">‹</span>
            </Button>
            <Button
              variant="ghost"
              aria-label={`Next ${unit}`}
              onClick={() => go({ date: stepAnchor(anchor, view, 1) })}
            >
              <span aria-hidden="true">›</span>
            </Button>
            <h2 aria-live="polite" className="text-lg font-semibold text-ink">
              {period}
            </h2>
            {list.isFetching && !list.isPending ? <span className="sr-only">Loading tasks…</span> : null}
          </div>
          {list.isError && !list.data ? (
            <ErrorState error={list.error} onRetry={() => void list.refetch()} />
          ) : list.isPending ? (
            <Spinner label="Loading the calendar" />
          ) : (
            <DndContext
              sensors={sensors}
              collisionDetection={collision}
              onDragStart={({ active: dragged }) => setActive(taskOf(dragged.data) ?? null)}
              onDragEnd={onDragEnd}
              onDragCancel={() => setActive(null)}
              accessibility={{
                announcements,
                screenReaderInstructions: {
                  draggable:
                    "Enter opens this task. To move it, press Space to pick it up, the left and right arrow keys for the day before or after, up and down for a week earlier or later, and Space or Enter to drop it there. Escape cancels.",
                },
              }}
            >
              <div className="relative overflow-hidden rounded-xl border-r border-b border-line shadow-xs">
                <div
                  aria-hidden="true"
                  className={`${view === "week" ? "hidden sm:grid" : "grid"} grid-cols-7 border-t border-l border-line bg-muted`}
                >
                  {weeks[0]?.map((day) => (
                    <span key={day.getDay()} className="px-2 py-1 text-xs font-medium text-ink-soft">
                      {weekdayName.format(day)}
                    </span>
                  ))}
                </div>
                <div aria-label={`Calendar, ${period}`} role="group">
                  {weeks.map((week) => (
                    <div
                      key={dayKey(week[0] ?? anchor)}
                      // On a phone a week is a list of days, one under another.
                      className={`grid ${view === "week" ? "grid-cols-1 sm:grid-cols-7" : "grid-cols-7"}`}
                    >
                      {week.map((day) => (
                        <DayCell
                          key={dayKey(day)}
                          day={day}
                          tasks={byDay.get(dayKey(day)) ?? []}
                          view={view}
                          outside={view === "month" && day.getMonth() !== anchor.getMonth()}
                          today={dayKey(day) === todayKey}
                          onMore={() => go({ view: "week", date: day })}
                        >
                          {chip}
                        </DayCell>
                      ))}
                    </div>
                  ))}
                </div>
              </div>
              <DragOverlay dropAnimation={null}>
                {active ? (
                  <div
                    data-drag-preview
                    className="cursor-grabbing rounded bg-surface px-1.5 py-0.5 text-xs shadow-lg ring-1 ring-accent-500"
                  >
                    <ChipBody task={active} />
                  </div>
                ) : null}
              </DragOverlay>
            </DndContext>
          )}
          {list.hasNextPage && (list.data?.pages.length ?? 0) >= MAX_PAGES ? (
            <p className="text-xs text-ink-soft">
              Showing the first {tasks.length} tasks due in this {unit}.
            </p>
          ) : null}
        </div>
      </div>
      {taskId ? (
        <div className="fixed inset-x-0 bottom-0 top-14 z-30 overflow-y-auto border-line bg-surface shadow-2xl sm:left-auto sm:w-[28rem] sm:border-l xl:static xl:z-auto xl:shrink-0 xl:shadow-none">
          <TaskPanel key={taskId} taskId={taskId} onClose={close} />
        </div>
      ) : null}
    </div>
  );
}
