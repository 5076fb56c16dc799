// The task panel: the task's fields (saved as one conditional PATCH; a stale version is refused
// and the form shows the server's version), when it was made and changed, the comments, deletion.
import { useEffect, useMemo, useRef } from "react";

import { ApiError } from "../../api/problem";
import { useMembers } from "../../api/queries";
import { Button } from "../../components/Button";
import { ErrorState, Spinner } from "../../components/States";
import { useUser } from "../../lib/auth";
import { TaskTimelineSlot } from "../../lib/taskTimeline";
import { useTask, type Task } from "./api";
import { DeleteTask } from "./DeleteTask";
import { TaskComments } from "./TaskComments";
import { TaskDates } from "./TaskDates";
import { TaskEditForm } from "./TaskEditForm";

export function TaskDetail({ taskId, onClose }: { taskId: string; onClose: () => void }) {
  const task = useTask(taskId);
  const panel = useRef<HTMLElement>(null);

  // Escape closes the panel when focus is in it or nowhere in particular (not while a dialog is open
  // or a card is being moved on the board).
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      const target = event.target as Node | null;
      const inPanel = target instanceof Node && panel.current?.contains(target);
      if (!inPanel && target !== document.body) return;
      if (target instanceof Element && target.closest("dialog")) return;
      onClose();
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [onClose]);

  // Opening a task moves focus into the panel, so keyboard and screen reader users land there.
  useEffect(() => {
    panel.current?.focus({ preventScroll: true });
  }, [taskId]);

  return (
    <section
      ref={panel}
      tabIndex={-1}
      aria-label="Task details"
      className="flex h-full min-h-0 flex-col bg-surface text-ink outline-none"
    >
      <header className="flex items-center gap-2 border-b border-line px-4 py-3 sm:px-6">
        <h2 className="text-sm font-semibold text-ink-soft">Task details</h2>
        <Button
          variant="ghost"
          className="ml-auto -mr-2 !p-2"
          aria-label="Close task details"
          title="Close (Esc)"
          onClick={onClose}
        >
          <svg
            viewBox="0 0 20 20"
            className="size-5"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.75"
            aria-hidden="true"
          >
            <path d="M5 5l10 10M15 5 5 15" />
          </svg>
        </Button>
      </header>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {task.isPending ? (
          <Spinner label="Loading task" />
        ) : task.isError ? (
          <div className="space-y-3 p-4 sm:p-6">
            <ErrorState
              error={task.error}
              onRetry={
                task.error instanceof ApiError && task.error.status === 404 ? undefined : () => void task.refetch()
              }
            />
            <Button variant="secondary" onClick={onClose}>
              Back to the tasks
            </Button>
          </div>
        ) : (
          <DetailBody key={task.data.id} task={task.data} onClose={onClose} />
        )}
      </div>
    </section>
  );
}

function DetailBody({ task, onClose }: { task: Task; onClose: () => void }) {
  const user = useUser();
  const members = useMembers(task.project_id);
  const role = members.data?.find((member) => member.user_id === user.id)?.role;
  const readOnly = role === "viewer";
  const names = useMemo(
    () => new Map((members.data ?? []).map((member) => [member.user_id, member.display_name])),
    [members.data],
  );
  const creator = task.creator_id ? (names.get(task.creator_id) ?? "a former member") : null;

  return (
    <div className="space-y-8 p-4 sm:p-6">
      <TaskEditForm task={task} members={members} readOnly={readOnly} />
      <TaskDates task={task} creator={creator} />
      <TaskComments taskId={task.id} canWrite={!readOnly} />
      <TaskTimelineSlot taskId={task.id} version={task.version} />
      {readOnly ? null : <DeleteTask task={task} onDeleted={onClose} />}
    </div>
  );
}
