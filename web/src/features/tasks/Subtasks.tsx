// A task's subtasks as a checklist: progress as "2/5" and a bar, a box to tick each done (or
// back to do), each title a link that opens it in the panel, and quick add (type a title, press
// Enter, type the next). The parent a subtask belongs to shows as a link above its fields.
import { useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";

import { describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { ErrorState } from "../../components/States";
import { statusLabel } from "../../lib/labels";
import { LIMITS, overLimit } from "../../lib/limits";
import {
  refreshCounts,
  setCounts,
  subtaskQuery,
  useCreateTask,
  useTask,
  useTaskList,
  useUpdateTask,
  type Task,
} from "./api";
import { useTaskHref } from "./taskLink";
import { progressWords, RepeatMark, SubtaskProgress } from "./TaskMarks";

/** "Subtask of <parent>", a link back up. */
export function ParentTask({ parentId }: { parentId: string }) {
  const parent = useTask(parentId);
  const href = useTaskHref();
  if (!parent.data) return null;
  return (
    <p className="flex min-w-0 items-center gap-1.5 text-sm text-ink-soft">
      <svg
        viewBox="0 0 16 16"
        className="size-3.5 shrink-0"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
        aria-hidden="true"
      >
        <path d="M6 12.5 2.5 9 6 5.5M2.5 9h7a4 4 0 0 0 4-4V2.5" />
      </svg>
      Subtask of
      <Link
        to={href(parent.data)}
        className="min-w-0 truncate font-medium text-accent-700 underline-offset-2 hover:underline focus-ring dark:text-accent-100"
      >
        {parent.data.title}
      </Link>
    </p>
  );
}

function SubtaskItem({ subtask, parentId, canEdit }: { subtask: Task; parentId: string; canEdit: boolean }) {
  const client = useQueryClient();
  const update = useUpdateTask();
  const href = useTaskHref();
  const done = subtask.status === "done";
  const closed = done || subtask.status === "cancelled";

  function toggle(checked: boolean) {
    // The parent's count moves at once; the server's count follows when the change is saved.
    if (subtask.status !== "cancelled") {
      setCounts(client, parentId, (parent) => ({
        subtask_count: parent.subtask_count,
        subtasks_done: Math.max(0, Math.min(parent.subtask_count, parent.subtasks_done + (checked ? 1 : -1))),
      }));
    }
    update.mutate(
      { task: subtask, changes: { status: checked ? "done" : "todo" } },
      { onSettled: () => void refreshCounts(client, parentId) },
    );
  }

  return (
    <li className="group flex items-center gap-2.5 rounded-md px-2 py-1.5 hover:bg-muted/70">
      <input
        type="checkbox"
        aria-label={`Mark ${subtask.title} done`}
        checked={done}
        disabled={!canEdit || subtask.status === "cancelled"}
        onChange={(event) => toggle(event.target.checked)}
        className="size-4 shrink-0 cursor-pointer accent-emerald-600 focus-ring disabled:cursor-not-allowed"
      />
      <Link
        to={href(subtask)}
        className={`min-w-0 flex-1 truncate text-sm underline-offset-2 hover:underline focus-ring ${
          closed ? "text-ink-soft line-through decoration-ink-soft/60" : "text-ink"
        }`}
      >
        {subtask.title}
      </Link>
      <RepeatMark rule={subtask.recurrence} />
      <SubtaskProgress task={subtask} />
      {subtask.status !== "todo" && subtask.status !== "done" ? (
        <span className="shrink-0 rounded-full bg-muted px-2 py-px text-[11px] font-medium text-ink-soft">
          {statusLabel(subtask.status)}
        </span>
      ) : null}
    </li>
  );
}

function AddSubtask({ parent }: { parent: Task }) {
  const client = useQueryClient();
  const create = useCreateTask();
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const [title, setTitle] = useState("");
  const [error, setError] = useState<string>();
  const problem = overLimit("Title", title.trim(), LIMITS.title);
  const shown = problem ?? error;

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = title.trim();
    if (!text || problem) {
      input.current?.focus();
      return;
    }
    // Empties at once for the next one; a refusal puts the title back with the reason.
    setTitle("");
    setError(undefined);
    create.mutate(
      { project_id: parent.project_id, title: text, parent_id: parent.id },
      {
        onSuccess: (created) => {
          setCounts(client, parent.id, (current) => ({
            subtask_count: current.subtask_count + (created.status === "cancelled" ? 0 : 1),
            subtasks_done: current.subtasks_done + (created.status === "done" ? 1 : 0),
          }));
          void refreshCounts(client, parent.id);
        },
        onError: (failure) => {
          setTitle((current) => current || text);
          setError(describeError(failure));
        },
      },
    );
  }

  return (
    <form onSubmit={submit} className="flex items-start gap-2" noValidate>
      <div className="min-w-0 flex-1">
        <label htmlFor={id} className="sr-only">
          Add a subtask
        </label>
        <input
          ref={input}
          id={id}
          value={title}
          placeholder="Add a subtask…"
          autoComplete="off"
          aria-invalid={shown ? true : undefined}
          aria-describedby={shown ? `${id}-error` : undefined}
          onChange={(event) => {
            setTitle(event.target.value);
            setError(undefined);
          }}
          className="block w-full rounded-md border border-line bg-surface px-3 py-1.5 text-sm text-ink placeholder:text-ink-soft focus-ring aria-invalid:border-red-500"
        />
        {shown ? (
          <p id={`${id}-error`} role="alert" className="mt-1 text-xs text-red-600 dark:text-red-400">
            {shown}
          </p>
        ) : null}
      </div>
      <Button
        type="submit"
        variant="secondary"
        className="!py-1.5"
        aria-label="Add subtask"
        disabled={!title.trim() || Boolean(problem)}
      >
        Add
      </Button>
    </form>
  );
}

export function Subtasks({ task, canEdit }: { task: Task; canEdit: boolean }) {
  const list = useTaskList(subtaskQuery(task.id));
  const headingId = useId();
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  const words = progressWords(task);
  const percent = task.subtask_count ? Math.round((100 * task.subtasks_done) / task.subtask_count) : 0;

  return (
    <section aria-labelledby={headingId} className="space-y-2">
      <div className="flex items-center gap-3">
        <h3 id={headingId} className="text-sm font-semibold text-ink">
          Subtasks
        </h3>
        {words ? (
          <>
            <span className="text-xs tabular-nums text-ink-soft" aria-hidden="true">
              {task.subtasks_done}/{task.subtask_count}
            </span>
            <div
              role="progressbar"
              aria-label="Subtasks done"
              aria-valuemin={0}
              aria-valuemax={task.subtask_count}
              aria-valuenow={task.subtasks_done}
              aria-valuetext={words}
              className="h-1.5 max-w-40 flex-1 overflow-hidden rounded-full bg-muted"
            >
              <div className="h-full rounded-full bg-emerald-500 transition-[width]" style={{ width: `${percent}%` }} />
            </div>
          </>
        ) : null}
      </div>
      {list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length ? (
        <ul aria-label="Subtasks" className="-mx-2">
          {items.map((subtask) => (
            <SubtaskItem key={subtask.id} subtask={subtask} parentId={task.id} canEdit={canEdit} />
          ))}
        </ul>
      ) : list.isPending ? null : (
        <p className="text-xs text-ink-soft">
          {canEdit ? "Break this task into steps: add them below." : "This task has no subtasks."}
        </p>
      )}
      {list.hasNextPage ? (
        <Button variant="ghost" className="!px-2 !py-1 text-xs" onClick={() => void list.fetchNextPage()}>
          Show more subtasks
        </Button>
      ) : null}
      {canEdit ? <AddSubtask parent={task} /> : null}
    </section>
  );
}
