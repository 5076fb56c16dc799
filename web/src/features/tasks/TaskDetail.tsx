// The task panel: the task's fields (saved as one conditional PATCH; a stale version is refused
// and the form shows the server's version), how it repeats, its subtasks, related tasks, files
// and the reader's reminders, when it was made and changed, the comments, deletion.
// Someone else's changes show as they happen; closing it, or leaving its page, with unsaved
// changes asks first; a task deleted meanwhile says so.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useBlocker, type Location } from "react-router";

import { ApiError } from "../../api/problem";
import { useMembers } from "../../api/queries";
import { Button } from "../../components/Button";
import { Dialog } from "../../components/Dialog";
import { ErrorState, Spinner } from "../../components/States";
import { useModal } from "../../hooks/useModal";
import { useUser } from "../../lib/auth";
import { markKeys, useDeletion, useMark } from "../../lib/liveMarks";
import { TaskTimelineSlot } from "../../lib/taskTimeline";
import { useTask, type Task } from "./api";
import { Attachments } from "./Attachments";
import { DeleteTask } from "./DeleteTask";
import { Recurrence } from "./Recurrence";
import { Reminders } from "./Reminders";
import { ParentTask, Subtasks } from "./Subtasks";
import { TaskComments } from "./TaskComments";
import { TaskDates } from "./TaskDates";
import { TaskEditForm } from "./TaskEditForm";
import { TaskRelations } from "./TaskRelations";
import { TaskWatchers } from "./TaskWatchers";

/** Whether going to `next` takes the task off screen (another page, another task, none). */
function leavesTask(current: Location, next: Location, taskId: string): boolean {
  return next.pathname !== current.pathname || new URLSearchParams(next.search).get("task") !== taskId;
}

/** A navigation made because the person lost the project: nothing may hold them on its page. */
function accessEnded(state: unknown): boolean {
  return (state as { accessEnded?: unknown } | null)?.accessEnded === true;
}

/**
 * Unsaved changes are not lost without a word: closing the panel, leaving it for another page
 * or task (a blocked navigation), or unloading the page asks first.
 */
function useUnsavedChangesGuard(taskId: string, dirty: boolean, onClose: () => void) {
  const { open: asking, show: ask, hide: stopAsking } = useModal();
  // Set once the person chose to leave: the navigation that follows is let through.
  const leaving = useRef(false);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty &&
      !leaving.current &&
      !accessEnded(nextLocation.state) &&
      leavesTask(currentLocation, nextLocation, taskId),
  );

  useEffect(() => {
    if (!dirty) return;
    const onUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", onUnload);
    return () => window.removeEventListener("beforeunload", onUnload);
  }, [dirty]);

  const requestClose = useCallback(() => {
    if (dirty) ask();
    else onClose();
  }, [dirty, ask, onClose]);

  /** Close without asking (the task is gone, so are its edits). */
  const leave = useCallback(() => {
    leaving.current = true;
    onClose();
  }, [onClose]);

  function discard() {
    leaving.current = true;
    stopAsking();
    if (blocker.state === "blocked") blocker.proceed();
    else onClose();
  }

  function keepEditing() {
    stopAsking();
    if (blocker.state === "blocked") blocker.reset();
  }

  const dialog =
    asking || blocker.state === "blocked" ? (
      <Dialog open title="Discard unsaved changes?" onClose={keepEditing}>
        <p className="text-sm text-ink-soft">Your changes to this task have not been saved.</p>
        <div className="mt-6 flex justify-end gap-2">
          <Button variant="secondary" onClick={keepEditing}>
            Keep editing
          </Button>
          <Button variant="danger" onClick={discard}>
            Discard changes
          </Button>
        </div>
      </Dialog>
    ) : null;

  return { requestClose, leave, dialog };
}

export function TaskDetail({ taskId, onClose }: { taskId: string; onClose: () => void }) {
  const task = useTask(taskId);
  const panel = useRef<HTMLElement>(null);
  const [dirty, setDirty] = useState(false);
  const { requestClose, leave, dialog } = useUnsavedChangesGuard(taskId, dirty, onClose);
  const deletion = useDeletion(taskId);
  const change = useMark(markKeys.task(taskId));

  // Escape closes the panel when focus is in it or nowhere in particular (not while a dialog is open
  // or a card is being moved on the board).
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      const target = event.target as Node | null;
      const inPanel = target instanceof Node && panel.current?.contains(target);
      if (!inPanel && target !== document.body) return;
      if (target instanceof Element && target.closest("dialog")) return;
      requestClose();
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [requestClose]);

  // Opening a task moves focus into the panel, so keyboard and screen reader users land there.
  useEffect(() => {
    panel.current?.focus({ preventScroll: true });
  }, [taskId]);

  return (
    <section
      ref={panel}
      tabIndex={-1}
      aria-label="Task details"
      data-task-panel
      className="flex h-full min-h-0 flex-col bg-surface text-ink outline-none"
    >
      <header className="flex items-center gap-2 border-b border-line px-4 py-3 sm:px-6">
        <h2 className="text-sm font-semibold text-ink-soft">Task details</h2>
        <Button
          variant="ghost"
          className="ml-auto -mr-2 !p-2"
          aria-label="Close task details"
          aria-keyshortcuts="Escape"
          title="Close (Esc)"
          onClick={requestClose}
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
      {/* Someone else's change to this task, said as it happens. */}
      <p
        role="status"
        className={change ? "live-mark border-b border-line px-4 py-2 text-xs text-ink-soft sm:px-6" : ""}
      >
        {change?.text ?? ""}
      </p>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {deletion ? (
          <div className="space-y-3 p-4 sm:p-6">
            <p role="alert" className="rounded-lg border border-line bg-muted p-4 text-sm text-ink">
              {deletion.by ? `${capitalise(deletion.by)} deleted this task.` : "This task was deleted."}
            </p>
            <Button variant="secondary" onClick={leave}>
              Back to the tasks
            </Button>
          </div>
        ) : task.isPending ? (
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
          <DetailBody key={task.data.id} task={task.data} onClose={leave} onDirtyChange={setDirty} />
        )}
      </div>
      {dialog}
    </section>
  );
}

const capitalise = (text: string) => text.charAt(0).toLocaleUpperCase() + text.slice(1);

function DetailBody({
  task,
  onClose,
  onDirtyChange,
}: {
  task: Task;
  onClose: () => void;
  onDirtyChange: (dirty: boolean) => void;
}) {
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
      {task.parent_id ? <ParentTask parentId={task.parent_id} /> : null}
      <TaskEditForm task={task} members={members} readOnly={readOnly} onDirtyChange={onDirtyChange} />
      <Recurrence task={task} readOnly={readOnly} />
      <Subtasks task={task} canEdit={!readOnly} />
      <TaskRelations task={task} canEdit={!readOnly} />
      <Attachments task={task} canEdit={!readOnly} names={names} />
      <Reminders task={task} />
      <TaskDates task={task} creator={creator} />
      <TaskWatchers taskId={task.id} version={task.version} />
      <TaskComments taskId={task.id} canWrite={!readOnly} members={members.data} />
      <TaskTimelineSlot taskId={task.id} version={task.version} />
      {readOnly ? null : <DeleteTask task={task} onDeleted={onClose} />}
    </div>
  );
}
