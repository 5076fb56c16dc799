// The task's fields as one form: title, description, status, priority, assignee, due date and
// labels, with Save and Discard. A viewer sees the fields locked. Someone else's change to a
// field being edited shows beside it, with a choice of theirs or the user's own.
import { useEffect, useId, type FormEvent, type ReactNode } from "react";

import type { useMembers } from "../../api/queries";
import { PRIORITIES, STATUSES, type TaskPriority, type TaskStatus } from "../../api/vocabulary";
import { Button } from "../../components/Button";
import { SelectField, TextField } from "../../components/Field";
import { priorityLabel, statusLabel } from "../../lib/labels";
import type { Task } from "./api";
import { DescriptionField } from "./DescriptionField";
import { dayOf } from "./quickAddParse";
import { fromLocalInput, isAllDay, problemsOf } from "./taskFormValues";
import { useTaskForm, type Conflict, type Field } from "./useTaskForm";

interface TaskEditFormProps {
  task: Task;
  members: ReturnType<typeof useMembers>;
  readOnly: boolean;
  /** Told whenever the form starts or stops holding unsaved changes (and false when it goes). */
  onDirtyChange?: (dirty: boolean) => void;
}

const QUOTE_MAX = 80;
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** The days the date shortcuts set, from `now`: today, tomorrow, and next week's Monday. */
export function dueShortcuts(now: Date = new Date()): { label: string; day: string }[] {
  const inDays = (days: number) => dayOf(new Date(now.getFullYear(), now.getMonth(), now.getDate() + days));
  const toMonday = 7 - ((now.getDay() + 6) % 7);
  return [
    { label: "Today", day: inDays(0) },
    { label: "Tomorrow", day: inDays(1) },
    { label: "Next week", day: inDays(toMonday) },
  ];
}

/** A due date: a day, and a time only if one is wanted (without one it is due all that day). */
function DueField({
  value,
  error,
  readOnly,
  onChange,
}: {
  value: string;
  error: string | undefined;
  readOnly: boolean;
  onChange: (value: string) => void;
}) {
  const day = value.slice(0, 10);
  const time = value.slice(11, 16);
  const compose = (nextDay: string, nextTime: string) =>
    nextDay ? (nextTime ? `${nextDay}T${nextTime}` : nextDay) : "";
  return (
    <div className="space-y-1.5">
      <div className="flex flex-wrap items-start gap-2">
        <TextField
          label="Due date"
          type="date"
          value={day}
          error={error}
          onChange={(event) => onChange(compose(event.target.value, time))}
        />
        <TextField
          label="Time (optional)"
          type="time"
          value={time}
          disabled={!day}
          hint={day && !time ? "None: due all day." : undefined}
          onChange={(event) => onChange(compose(day, event.target.value))}
        />
      </div>
      {readOnly ? null : (
        <div className="flex flex-wrap items-center gap-1.5" role="group" aria-label="Due date shortcuts">
          {dueShortcuts().map((shortcut) => (
            <button
              key={shortcut.label}
              type="button"
              aria-pressed={day === shortcut.day}
              onClick={() => onChange(compose(shortcut.day, time))}
              className="rounded-full border border-line px-2.5 py-0.5 text-xs text-ink-soft hover:bg-muted hover:text-ink focus-ring aria-pressed:border-accent-500 aria-pressed:text-ink"
            >
              {shortcut.label}
            </button>
          ))}
          {value ? (
            <button
              type="button"
              className="rounded text-xs text-ink-soft underline-offset-2 hover:text-ink hover:underline focus-ring"
              onClick={() => onChange("")}
            >
              Clear due date
            </button>
          ) : null}
        </div>
      )}
    </div>
  );
}

/** Their value as a person reads it. */
function shown(field: Field, value: string, names: Map<string, string>): string {
  const quote = (text: string) => `“${text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text}”`;
  switch (field) {
    case "status":
      return statusLabel(value as TaskStatus);
    case "priority":
      return priorityLabel(value as TaskPriority);
    case "assignee":
      return value ? (names.get(value) ?? "a former member") : "nobody";
    case "due": {
      if (isAllDay(value)) return `${dateOnly.format(new Date(`${value}T00:00`))} (all day)`;
      const iso = fromLocalInput(value);
      return iso ? dateTime.format(new Date(iso)) : "no due date";
    }
    case "labels":
      return value ? quote(value) : "no labels";
    default:
      return value ? quote(value) : "nothing";
  }
}

function ConflictNote({
  field,
  conflict,
  names,
  onTheirs,
  onMine,
}: {
  field: Field;
  conflict: Conflict;
  names: Map<string, string>;
  onTheirs: () => void;
  onMine: () => void;
}) {
  const noteId = useId();
  return (
    <div
      role="note"
      className="flex flex-wrap items-center gap-x-3 gap-y-1.5 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-100"
    >
      <p id={noteId} className="min-w-0 flex-1 basis-48">
        {conflict.by ?? "Someone"} changed this to {shown(field, conflict.theirs, names)}.
      </p>
      <span className="flex gap-2">
        <Button variant="secondary" className="!px-2 !py-1 text-xs" aria-describedby={noteId} onClick={onTheirs}>
          Use theirs
        </Button>
        <Button variant="ghost" className="!px-2 !py-1 text-xs" aria-describedby={noteId} onClick={onMine}>
          Keep mine
        </Button>
      </span>
    </div>
  );
}

export function TaskEditForm({ task, members, readOnly, onDirtyChange }: TaskEditFormProps) {
  const form = useTaskForm(task);
  const { values, edit, conflicts } = form;
  // Problems show as soon as there is something to save: Save waits for them to be fixed.
  const problems = form.dirty ? problemsOf(values) : form.problems;
  const formId = useId();
  const blockerId = `${formId}-blocker`;
  const firstProblem = Object.values(problems).find(Boolean);
  const blocker = form.saving
    ? undefined
    : !form.dirty
      ? "Nothing to save: no field has changed."
      : firstProblem
        ? `Cannot save yet. ${firstProblem}`
        : form.unresolved
          ? "Cannot save yet: choose “Use theirs” or “Keep mine” where someone else changed a field."
          : undefined;
  const assigneeKnown = !task.assignee_id || (members.data ?? []).some((m) => m.user_id === task.assignee_id);
  const names = new Map((members.data ?? []).map((member) => [member.user_id, member.display_name]));

  useEffect(() => {
    onDirtyChange?.(form.dirty);
  }, [form.dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange?.(false), [onDirtyChange]);

  /** The field, and beside it someone else's change to it if there is one. */
  function withConflict(field: Field, control: ReactNode) {
    const conflict = conflicts[field];
    return (
      <div className="space-y-1.5">
        {control}
        {conflict ? (
          <ConflictNote
            field={field}
            conflict={conflict}
            names={names}
            onTheirs={() => form.takeTheirs(field)}
            onMine={() => form.keepMine(field)}
          />
        ) : null}
      </div>
    );
  }

  function save(event: FormEvent) {
    event.preventDefault();
    form.submit();
  }

  return (
    <form id={formId} onSubmit={save} noValidate className="@container space-y-4">
      <fieldset disabled={readOnly} className="space-y-4">
        {withConflict(
          "title",
          <TextField
            label="Title"
            value={values.title}
            required
            error={problems.title}
            className="text-base font-semibold"
            onChange={(event) => edit("title", event.target.value)}
          />,
        )}
        {withConflict(
          "description",
          <DescriptionField
            members={members.data}
            value={values.description}
            error={problems.description}
            rows={4}
            placeholder="Add more detail… (Markdown; @ to mention someone)"
            onValueChange={(value) => edit("description", value)}
          />,
        )}
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          {withConflict(
            "status",
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
            </SelectField>,
          )}
          {withConflict(
            "priority",
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
            </SelectField>,
          )}
        </div>
        {/* The date input needs its natural width; beside it (where the form is wide enough) the
            assignee takes what is left, else each has its own row. */}
        <div className="grid grid-cols-1 gap-4 @lg:grid-cols-[minmax(0,1fr)_auto]">
          {withConflict(
            "assignee",
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
            </SelectField>,
          )}
          <div className="space-y-1">
            <DueField
              value={values.due}
              error={problems.due}
              readOnly={readOnly}
              onChange={(due) => edit("due", due)}
            />
            {conflicts.due ? withConflict("due", null) : null}
          </div>
        </div>
        {withConflict(
          "labels",
          <TextField
            label="Labels"
            value={values.labels}
            placeholder="design, backend"
            hint="Separate labels with commas."
            error={problems.labels}
            onChange={(event) => edit("labels", event.target.value)}
          />,
        )}
      </fieldset>
      {readOnly ? (
        <p className="text-sm text-ink-soft">You can read this project; editing needs the editor role.</p>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <Button
            type="submit"
            disabled={Boolean(blocker) || form.saving}
            aria-describedby={blocker ? blockerId : undefined}
          >
            Save changes
          </Button>
          {form.dirty ? (
            <Button variant="ghost" onClick={form.reset} disabled={form.saving}>
              Discard changes
            </Button>
          ) : null}
          <span className="text-xs text-ink-soft" aria-live="polite">
            {form.saving ? "Saving…" : form.dirty && !blocker ? "Unsaved changes" : ""}
          </span>
          {blocker ? (
            <p
              id={blockerId}
              className={`basis-full text-xs ${form.dirty ? "text-red-600 dark:text-red-400" : "text-ink-soft"}`}
            >
              {blocker}
            </p>
          ) : null}
          {form.unresolved ? (
            <p role="alert" className="basis-full text-xs text-red-600 dark:text-red-400">
              Someone changed a field you are editing: choose “Use theirs” or “Keep mine” there first.
            </p>
          ) : null}
        </div>
      )}
    </form>
  );
}
