// The task panel: every field editable, saved as one conditional PATCH (a stale version is
// refused and the form shows the server's version), deletion, and the comments.
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { toast } from "sonner";

import { ApiError, describeError } from "../../api/problem";
import { useMembers } from "../../api/queries";
import { PRIORITIES, STATUSES, type TaskPriority, type TaskStatus } from "../../api/vocabulary";
import { Button } from "../../components/Button";
import { Dialog } from "../../components/Dialog";
import { SelectField, TextArea, TextField } from "../../components/Field";
import { ErrorState, Spinner } from "../../components/States";
import { useUser } from "../../lib/auth";
import { useDeleteTask, useTask, useUpdateTask, type Task, type TaskChanges } from "./api";
import { TaskComments, formatFull, timeAgo } from "./TaskComments";

interface FormValues {
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  assignee: string;
  due: string;
  labels: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO instant as the value of a datetime-local input (the user's own clock). */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value as an ISO instant with its timezone (UTC), or null when empty. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function parseLabels(text: string): string[] {
  return [
    ...new Set(
      text
        .split(",")
        .map((label) => label.trim())
        .filter(Boolean),
    ),
  ];
}

function fromTask(task: Task): FormValues {
  return {
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    assignee: task.assignee_id ?? "",
    due: toLocalInput(task.due_at),
    labels: task.labels.join(", "),
  };
}

/** Only what differs from the task on the server. */
function changesOf(values: FormValues, task: Task): TaskChanges {
  const changes: TaskChanges = {};
  if (values.title.trim() !== task.title) changes.title = values.title.trim();
  if (values.description !== task.description) changes.description = values.description;
  if (values.status !== task.status) changes.status = values.status;
  if (values.priority !== task.priority) changes.priority = values.priority;
  if ((values.assignee || null) !== task.assignee_id) changes.assignee_id = values.assignee || null;
  const due = fromLocalInput(values.due);
  const before = task.due_at ? new Date(task.due_at).toISOString() : null;
  // Minutes are all the input shows: an unchanged field must not resend a due time with seconds.
  if (toLocalInput(due) !== toLocalInput(before)) changes.due_at = due;
  const labels = parseLabels(values.labels);
  if (labels.join("\u0000") !== task.labels.join("\u0000")) changes.labels = labels;
  return changes;
}

function problems(values: FormValues): Partial<Record<keyof FormValues, string>> {
  const errors: Partial<Record<keyof FormValues, string>> = {};
  if (!values.title.trim()) errors.title = "Give the task a title.";
  else if (values.title.trim().length > 200) errors.title = "Keep the title under 200 characters.";
  const labels = parseLabels(values.labels);
  if (labels.length > 20) errors.labels = "A task can have at most 20 labels.";
  else if (labels.some((label) => label.length > 50)) errors.labels = "Each label can be at most 50 characters.";
  if (values.due && !fromLocalInput(values.due)) errors.due = "Enter a valid date and time.";
  return errors;
}

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
  const update = useUpdateTask();
  const remove = useDeleteTask();
  const formId = useId();
  // Only the fields the user touched; the rest always show the server's latest values.
  const [edits, setEdits] = useState<Partial<FormValues>>({});
  // The version the edits started from: saving sends it, so a change made meanwhile is a conflict.
  const [base, setBase] = useState<number | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const values: FormValues = { ...fromTask(task), ...edits };
  const changes = changesOf(values, task);
  const dirty = Object.keys(changes).length > 0;
  const errors = showErrors ? problems(values) : {};

  // A newer version arrived (someone else, another tab, the board) while nothing is changed here:
  // forget leftover untouched edits so every field shows it. Adjusted while rendering, on the version
  // alone (dirtiness by itself must not reset anything), so no frame shows the stale edits.
  const [seenVersion, setSeenVersion] = useState(task.version);
  if (seenVersion !== task.version) {
    setSeenVersion(task.version);
    if (!dirty) {
      setEdits({});
      setBase(null);
    }
  }

  const role = members.data?.find((member) => member.user_id === user.id)?.role;
  const readOnly = role === "viewer";
  const names = useMemo(
    () => new Map((members.data ?? []).map((member) => [member.user_id, member.display_name])),
    [members.data],
  );

  function edit<K extends keyof FormValues>(field: K, value: FormValues[K]) {
    setEdits((current) => ({ ...current, [field]: value }));
    setBase((current) => current ?? task.version);
  }

  function reset() {
    setEdits({});
    setBase(null);
    setShowErrors(false);
  }

  function save(event: FormEvent) {
    event.preventDefault();
    if (!dirty || update.isPending) return;
    if (Object.keys(problems(values)).length) {
      setShowErrors(true);
      return;
    }
    // After a success the saved task shows; after a refusal the server's latest does.
    update.mutate({ task: { ...task, version: base ?? task.version }, changes }, { onSettled: reset });
  }

  function confirmDelete() {
    remove.mutate(task.id, {
      onSuccess: () => {
        setConfirming(false);
        toast.success("Task deleted.");
        onClose();
      },
      onError: (error) => {
        setConfirming(false);
        toast.error(describeError(error));
      },
    });
  }

  const creator = task.creator_id ? (names.get(task.creator_id) ?? "a former member") : null;
  const assigneeKnown = !task.assignee_id || names.has(task.assignee_id);

  return (
    <div className="space-y-8 p-4 sm:p-6">
      <form id={formId} onSubmit={save} noValidate className="space-y-4">
        <fieldset disabled={readOnly} className="space-y-4">
          <TextField
            label="Title"
            value={values.title}
            maxLength={200}
            required
            error={errors.title}
            className="text-base font-semibold"
            onChange={(event) => edit("title", event.target.value)}
          />
          <TextArea
            label="Description"
            value={values.description}
            maxLength={20000}
            rows={4}
            placeholder="Add more detail…"
            onChange={(event) => edit("description", event.target.value)}
          />
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
            <SelectField
              label="Status"
              value={values.status}
              onChange={(event) => edit("status", event.target.value as TaskStatus)}
            >
              {STATUSES.map((status) => (
                <option key={status.value} value={status.value}>
                  {status.label}
                </option>
              ))}
            </SelectField>
            <SelectField
              label="Priority"
              value={values.priority}
              onChange={(event) => edit("priority", event.target.value as TaskPriority)}
            >
              {PRIORITIES.map((priority) => (
                <option key={priority.value} value={priority.value}>
                  {priority.label}
                </option>
              ))}
            </SelectField>
          </div>
          {/* The date input needs its natural width; the assignee takes what is left. */}
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-[minmax(0,1fr)_auto]">
            <SelectField
              label="Assignee"
              value={values.assignee}
              hint={members.isError ? "Members could not be loaded." : undefined}
              onChange={(event) => edit("assignee", event.target.value)}
            >
              <option value="">Unassigned</option>
              {(members.data ?? []).map((member) => (
                <option key={member.user_id} value={member.user_id}>
                  {member.display_name}
                </option>
              ))}
              {!assigneeKnown && task.assignee_id ? (
                <option value={task.assignee_id}>{members.isPending ? "Loading…" : "Former member"}</option>
              ) : null}
            </SelectField>
            <div className="space-y-1">
              <TextField
                label="Due date"
                type="datetime-local"
                value={values.due}
                error={errors.due}
                onChange={(event) => edit("due", event.target.value)}
              />
              {values.due && !readOnly ? (
                <button
                  type="button"
                  className="rounded text-xs text-ink-soft underline-offset-2 hover:text-ink hover:underline focus-ring"
                  onClick={() => edit("due", "")}
                >
                  Clear due date
                </button>
              ) : null}
            </div>
          </div>
          <TextField
            label="Labels"
            value={values.labels}
            placeholder="design, backend"
            hint="Separate labels with commas."
            error={errors.labels}
            onChange={(event) => edit("labels", event.target.value)}
          />
        </fieldset>
        {readOnly ? (
          <p className="text-sm text-ink-soft">You can read this project; editing needs the editor role.</p>
        ) : (
          <div className="flex flex-wrap items-center gap-2">
            <Button type="submit" disabled={!dirty || update.isPending}>
              Save changes
            </Button>
            {dirty ? (
              <Button variant="ghost" onClick={reset} disabled={update.isPending}>
                Discard changes
              </Button>
            ) : null}
            <span className="text-xs text-ink-soft" aria-live="polite">
              {update.isPending ? "Saving…" : dirty ? "Unsaved changes" : ""}
            </span>
          </div>
        )}
      </form>

      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 border-y border-line py-3 text-xs text-ink-soft">
        <dt>Created</dt>
        <dd>
          <time dateTime={task.created_at} title={formatFull(task.created_at)}>
            {timeAgo(task.created_at)}
          </time>
          {creator ? ` by ${creator}` : null}
        </dd>
        <dt>Updated</dt>
        <dd>
          <time dateTime={task.updated_at} title={formatFull(task.updated_at)}>
            {timeAgo(task.updated_at)}
          </time>
        </dd>
        {task.completed_at ? (
          <>
            <dt>Completed</dt>
            <dd>
              <time dateTime={task.completed_at} title={formatFull(task.completed_at)}>
                {timeAgo(task.completed_at)}
              </time>
            </dd>
          </>
        ) : null}
      </dl>

      <TaskComments taskId={task.id} canWrite={!readOnly} />

      {readOnly ? null : (
        <div className="border-t border-line pt-4">
          <Button variant="secondary" className="text-red-700 dark:text-red-400" onClick={() => setConfirming(true)}>
            Delete task
          </Button>
        </div>
      )}

      <Dialog open={confirming} title="Delete this task?" onClose={() => setConfirming(false)}>
        <p className="text-sm text-ink-soft">
          “{task.title}” and its comments will be deleted for everyone in the project. This cannot be undone.
        </p>
        <div className="mt-6 flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
          <Button variant="danger" disabled={remove.isPending} onClick={confirmDelete}>
            Delete task
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
