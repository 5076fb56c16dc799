// The task list: one row per task (title opens the detail panel; a checkbox marks it done),
// loaded a page at a time as the end of the list scrolls into view, or with "Load more".
import { useEffect, useRef } from "react";
import { toast } from "sonner";

import { useMembers, type Member } from "../../api/queries";
import type { TaskPriority, TaskStatus } from "../../api/vocabulary";
import { Button } from "../../components/Button";
import { ChangeBadge } from "../../components/ChangeBadge";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { priorityLabel, statusLabel } from "../../lib/labels";
import { markKeys, useMark } from "../../lib/liveMarks";
import { useTaskList, useUpdateTask, type Task, type TaskQuery } from "./api";
import { formatDue, initials, isOverdue } from "./format";
import { RepeatMark, SubtaskProgress } from "./TaskMarks";

const STATUS_STYLE: Record<TaskStatus, string> = {
  todo: "bg-slate-100 text-slate-700 ring-slate-300/60 dark:bg-slate-500/15 dark:text-slate-300 dark:ring-slate-400/20",
  in_progress: "bg-sky-50 text-sky-700 ring-sky-300/60 dark:bg-sky-500/15 dark:text-sky-300 dark:ring-sky-400/20",
  review:
    "bg-amber-50 text-amber-800 ring-amber-300/60 dark:bg-amber-500/15 dark:text-amber-300 dark:ring-amber-400/20",
  done: "bg-emerald-50 text-emerald-700 ring-emerald-300/60 dark:bg-emerald-500/15 dark:text-emerald-300 dark:ring-emerald-400/20",
  cancelled: "bg-zinc-100 text-zinc-500 ring-zinc-300/60 dark:bg-zinc-500/15 dark:text-zinc-400 dark:ring-zinc-400/20",
};

const PRIORITY_STYLE: Record<TaskPriority, { bars: number; colour: string }> = {
  urgent: { bars: 3, colour: "text-red-600 dark:text-red-400" },
  high: { bars: 3, colour: "text-orange-600 dark:text-orange-400" },
  medium: { bars: 2, colour: "text-sky-600 dark:text-sky-400" },
  low: { bars: 1, colour: "text-ink-soft" },
};

function PriorityMark({ priority }: { priority: TaskPriority }) {
  const { bars, colour } = PRIORITY_STYLE[priority];
  return (
    <span className={`inline-flex items-center gap-1.5 text-xs font-medium ${colour}`}>
      {priority === "urgent" ? (
        <svg viewBox="0 0 16 16" className="size-3.5" fill="currentColor" aria-hidden="true">
          <path d="M8 1.5a1 1 0 0 1 .87.5l6 10.5A1 1 0 0 1 14 14H2a1 1 0 0 1-.87-1.5l6-10.5A1 1 0 0 1 8 1.5Zm-.75 4v4h1.5v-4h-1.5Zm0 5.25v1.5h1.5v-1.5h-1.5Z" />
        </svg>
      ) : (
        <svg viewBox="0 0 16 16" className="size-3.5" aria-hidden="true">
          {[0, 1, 2].map((bar) => (
            <rect
              key={bar}
              x={2 + bar * 4.5}
              y={10 - bar * 3.5}
              width="3"
              height={4 + bar * 3.5}
              rx="1"
              fill="currentColor"
              opacity={bar < bars ? 1 : 0.25}
            />
          ))}
        </svg>
      )}
      {priorityLabel(priority)}
    </span>
  );
}

function StatusBadge({ status }: { status: TaskStatus }) {
  return (
    <span
      className={`inline-flex shrink-0 items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_STYLE[status]}`}
    >
      {statusLabel(status)}
    </span>
  );
}

function Assignee({ member }: { member: Member | undefined }) {
  if (!member) return <span className="text-xs text-ink-soft">Former member</span>;
  return (
    <span className="inline-flex min-w-0 items-center gap-1.5 text-xs text-ink-soft">
      <span
        aria-hidden="true"
        title={member.display_name}
        className="grid size-5 shrink-0 place-items-center rounded-full bg-accent-100 text-[10px] font-semibold text-accent-700 dark:bg-accent-500/25 dark:text-accent-100"
      >
        {initials(member.display_name)}
      </span>
      {/* Narrow lists show the initials; the name is still read out. */}
      <span className="sr-only truncate @lg:not-sr-only">{member.display_name}</span>
    </span>
  );
}

function DueDate({ task, now }: { task: Task; now: Date }) {
  if (!task.due_at) return null;
  const due = task.due_date ? formatDue(task.due_date, now, undefined, true) : formatDue(task.due_at, now);
  const late = isOverdue(task, now);
  return (
    <span
      title={due.full}
      className={`inline-flex items-center gap-1 text-xs ${late ? "font-medium text-red-600 dark:text-red-400" : "text-ink-soft"}`}
    >
      <svg viewBox="0 0 16 16" className="size-3.5" fill="currentColor" aria-hidden="true">
        <path
          fillRule="evenodd"
          d="M4.5 1.75a.75.75 0 0 1 1.5 0V3h4V1.75a.75.75 0 0 1 1.5 0V3h.75A1.75 1.75 0 0 1 14 4.75v7.5A1.75 1.75 0 0 1 12.25 14h-8.5A1.75 1.75 0 0 1 2 12.25v-7.5A1.75 1.75 0 0 1 3.75 3h.75V1.75ZM3.5 7v5.25c0 .14.11.25.25.25h8.5c.14 0 .25-.11.25-.25V7h-9Z"
          clipRule="evenodd"
        />
      </svg>
      {late ? <span className="sr-only">Overdue, due </span> : <span className="sr-only">Due </span>}
      <time dateTime={task.due_date ?? task.due_at}>{due.text}</time>
    </span>
  );
}

export function TaskRow({
  task,
  member,
  selected,
  canEdit,
  now,
  onOpen,
  projectName,
  parentTitle,
}: {
  task: Task;
  member: Member | undefined;
  selected: boolean;
  canEdit: boolean;
  now: Date;
  onOpen: (taskId: string) => void;
  /** Shown under the title where rows come from several projects. */
  projectName?: string | undefined;
  /** A subtask's parent, named under its title when the list holds it too. */
  parentTitle?: string | undefined;
}) {
  const update = useUpdateTask();
  const change = useMark(markKeys.task(task.id));
  const done = task.status === "done";
  const closed = done || task.status === "cancelled";

  function toggle(checked: boolean) {
    const previous = task.status;
    update.mutate(
      { task, changes: { status: checked ? "done" : "todo" } },
      {
        onSuccess: (saved) => {
          if (!checked) return;
          toast.success(`Marked “${saved.title}” done`, {
            action: {
              label: "Undo",
              onClick: () => update.mutate({ task: saved, changes: { status: previous } }),
            },
          });
        },
      },
    );
  }

  return (
    <li
      className={`group relative flex items-start gap-3 px-4 py-3 transition-colors @3xl:items-center ${
        selected ? "bg-accent-50 dark:bg-accent-500/10" : "hover:bg-muted/70"
      } ${change ? "live-mark" : ""}`}
    >
      {selected ? <span aria-hidden="true" className="absolute inset-y-0 left-0 w-0.5 bg-accent-500" /> : null}
      <input
        type="checkbox"
        aria-label={`Mark ${task.title} done`}
        checked={done}
        disabled={!canEdit}
        onChange={(event) => toggle(event.target.checked)}
        className="relative z-10 mt-0.5 size-4.5 shrink-0 cursor-pointer accent-emerald-600 focus-ring disabled:cursor-not-allowed @3xl:mt-0"
      />
      <div className="min-w-0 flex-1 @3xl:flex @3xl:items-center @3xl:gap-3">
        <div className="min-w-0 @3xl:flex-1">
          <button
            type="button"
            data-task-open={task.id}
            data-task-title={task.title}
            aria-current={selected ? "true" : undefined}
            onClick={() => onOpen(task.id)}
            className={`line-clamp-2 max-w-full text-left @3xl:line-clamp-1 text-sm font-medium focus-ring after:absolute after:inset-0 after:content-[''] ${
              closed ? "text-ink-soft line-through decoration-ink-soft/60" : "text-ink"
            }`}
          >
            {task.title}
          </button>
          {projectName ? <p className="mt-0.5 truncate text-xs text-ink-soft">in {projectName}</p> : null}
          {parentTitle ? (
            <p className="mt-0.5 truncate text-xs text-ink-soft">
              <span aria-hidden="true">↳ </span>
              <span className="sr-only">subtask of </span>
              {parentTitle}
            </p>
          ) : null}
          {task.labels.length ? (
            <div className="mt-1 flex flex-wrap gap-1">
              {task.labels.map((label) => (
                <span
                  key={label}
                  className="rounded-md bg-muted px-1.5 py-px text-[11px] font-medium text-ink-soft ring-1 ring-inset ring-line"
                >
                  #{label}
                </span>
              ))}
            </div>
          ) : null}
        </div>
        <div className="mt-1.5 flex flex-wrap items-center gap-x-3 gap-y-1 @3xl:mt-0 @3xl:flex-nowrap @3xl:gap-4">
          {/* Empty cells keep the columns aligned on wider screens; phones skip them. */}
          <span
            className={
              task.subtask_count || task.recurrence
                ? "flex items-center gap-2 @3xl:w-16"
                : "hidden @3xl:block @3xl:w-16"
            }
          >
            <SubtaskProgress task={task} />
            <RepeatMark rule={task.recurrence} />
          </span>
          <span className={task.due_at ? "flex @3xl:w-28" : "hidden @3xl:block @3xl:w-28"}>
            {task.due_at ? <DueDate task={task} now={now} /> : null}
          </span>
          <span className={task.assignee_id ? "flex min-w-0 @3xl:w-36" : "hidden @3xl:block @3xl:w-36"}>
            {task.assignee_id ? <Assignee member={member} /> : null}
          </span>
          <span className="flex @3xl:w-20">
            <PriorityMark priority={task.priority} />
          </span>
          <span className="order-first flex items-center gap-1.5 @3xl:order-none @3xl:w-24 @3xl:justify-end">
            {change ? <ChangeBadge mark={change} /> : null}
            <StatusBadge status={task.status} />
          </span>
        </div>
      </div>
    </li>
  );
}

function Skeleton() {
  return (
    <div
      role="status"
      aria-label="Loading tasks"
      className="divide-y divide-line overflow-hidden rounded-xl border border-line bg-surface"
    >
      {[0, 1, 2, 3, 4].map((row) => (
        <div key={row} className="flex animate-pulse items-center gap-3 px-4 py-3.5" aria-hidden="true">
          <span className="size-4 rounded-full bg-muted" />
          <span className="h-3.5 rounded bg-muted" style={{ width: `${[46, 62, 38, 55, 30][row]}%` }} />
          <span className="ml-auto hidden h-3.5 w-16 rounded bg-muted sm:block" />
          <span className="hidden h-5 w-20 rounded-full bg-muted sm:block" />
        </div>
      ))}
    </div>
  );
}

/** Asks for the next page when the end of the list comes near (and not again until it has it). */
function useLoadOnSight(onSight: () => void, enabled: boolean, pages: number) {
  const sentinel = useRef<HTMLDivElement>(null);
  const latest = useRef(onSight);
  useEffect(() => {
    latest.current = onSight;
  });
  useEffect(() => {
    const node = sentinel.current;
    if (!enabled || !node || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) latest.current();
      },
      { rootMargin: "400px 0px" },
    );
    observer.observe(node);
    return () => observer.disconnect();
    // Observed afresh after each page: if the end is still in sight, that asks for the next.
  }, [enabled, pages]);
  return sentinel;
}

export function TaskList({
  projectId,
  query,
  filtered,
  canEdit,
  selectedId,
  onOpen,
  onClearFilters,
}: {
  projectId: string;
  query: TaskQuery;
  filtered: boolean;
  canEdit: boolean;
  selectedId: string | null;
  onOpen: (taskId: string) => void;
  onClearFilters: () => void;
}) {
  const list = useTaskList(query);
  const members = useMembers(projectId);
  const { hasNextPage, isFetchingNextPage, fetchNextPage, isFetchNextPageError } = list;
  const sentinel = useLoadOnSight(
    () => {
      if (hasNextPage && !isFetchingNextPage && !isFetchNextPageError) void fetchNextPage();
    },
    hasNextPage,
    list.data?.pages.length ?? 0,
  );
  const now = new Date();

  if (list.isPending) return <Skeleton />;
  if (list.isError && !list.data) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;

  const tasks = list.data.pages.flatMap((page) => page.items);
  if (tasks.length === 0) {
    return filtered ? (
      <EmptyState title="No tasks match these filters">
        <p>Try fewer filters, or another search.</p>
        <Button variant="secondary" className="mt-3" onClick={onClearFilters}>
          Clear filters
        </Button>
      </EmptyState>
    ) : (
      <EmptyState title="No tasks yet">
        <p>
          {canEdit ? "Add the first one with the New task field above." : "Tasks added to this project will show here."}
        </p>
      </EmptyState>
    );
  }

  const byId = new Map((members.data ?? []).map((member) => [member.user_id, member]));
  const titles = new Map(tasks.map((task) => [task.id, task.title]));
  return (
    <div className="@container space-y-3">
      <ul
        aria-label="Tasks"
        className="divide-y divide-line overflow-hidden rounded-xl border border-line bg-surface shadow-xs"
      >
        {tasks.map((task) => (
          <TaskRow
            key={task.id}
            task={task}
            member={task.assignee_id ? byId.get(task.assignee_id) : undefined}
            selected={task.id === selectedId}
            canEdit={canEdit}
            now={now}
            onOpen={onOpen}
            parentTitle={task.parent_id ? titles.get(task.parent_id) : undefined}
          />
        ))}
      </ul>
      <div ref={sentinel} aria-hidden="true" className="h-px" />
      {isFetchNextPageError ? (
        <ErrorState error={list.error} onRetry={() => void fetchNextPage()} />
      ) : isFetchingNextPage ? (
        <Spinner label="Loading more tasks" />
      ) : hasNextPage ? (
        <div className="flex justify-center">
          <Button variant="secondary" onClick={() => void fetchNextPage()}>
            Load more
          </Button>
        </div>
      ) : tasks.length > 10 ? (
        <p className="text-center text-xs text-ink-soft">
          That is every task{filtered ? " matching these filters" : ""}.
        </p>
      ) : null}
    </div>
  );
}
