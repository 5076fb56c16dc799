// One board column: the tasks of one status (its own paged query), and a drop target.
import { useDroppable } from "@dnd-kit/core";
import { useId, useMemo, type RefObject } from "react";

import type { TaskStatus } from "../../api/vocabulary";
import { Button } from "../../components/Button";
import { ErrorState } from "../../components/States";
import { useTaskList, type Task, type TaskQuery } from "./api";
import { TaskCard } from "./TaskCard";

const STATUS_DOT: Record<TaskStatus, string> = {
  todo: "bg-slate-400",
  in_progress: "bg-sky-500",
  review: "bg-amber-500",
  done: "bg-emerald-500",
  cancelled: "bg-zinc-400 dark:bg-zinc-500",
};

export interface ColumnProps {
  status: TaskStatus;
  label: string;
  query: TaskQuery;
  names: Map<string, string>;
  pending: ReadonlySet<string>;
  onOpen: (taskId: string) => void;
  onMove: (task: Task, status: TaskStatus, refocus: boolean) => void;
  focusAfterMove: RefObject<string | null>;
}

export function BoardColumn({ status, label, query, names, pending, onOpen, onMove, focusAfterMove }: ColumnProps) {
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
        <span
          className="rounded-full bg-surface px-2 py-0.5 text-xs font-medium text-ink-soft tabular-nums"
          aria-label={`${tasks.length}${list.hasNextPage ? " or more" : ""} tasks`}
        >
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
          <Button
            variant="ghost"
            className="w-full"
            disabled={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {list.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        ) : null}
      </div>
    </section>
  );
}
