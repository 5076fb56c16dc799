// The task's fields as one form: title, description, status, priority, assignee, due date and
// labels, with Save and Discard. A viewer sees the fields locked.
import { useId, type FormEvent } from "react";

import type { useMembers } from "../../api/queries";
import { PRIORITIES, STATUSES, type TaskPriority, type TaskStatus } from "../../api/vocabulary";
import { Button } from "../../components/Button";
import { SelectField, TextArea, TextField } from "../../components/Field";
import type { Task } from "./api";
import { useTaskForm } from "./useTaskForm";

interface TaskEditFormProps {
  task: Task;
  members: ReturnType<typeof useMembers>;
  readOnly: boolean;
}

export function TaskEditForm({ task, members, readOnly }: TaskEditFormProps) {
  const form = useTaskForm(task);
  const { values, problems, edit } = form;
  const formId = useId();
  const assigneeKnown = !task.assignee_id || (members.data ?? []).some((m) => m.user_id === task.assignee_id);

  function save(event: FormEvent) {
    event.preventDefault();
    form.submit();
  }

  return (
    <form id={formId} onSubmit={save} noValidate className="space-y-4">
      <fieldset disabled={readOnly} className="space-y-4">
        <TextField
          label="Title"
          value={values.title}
          maxLength={200}
          required
          error={problems.title}
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
              error={problems.due}
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
          error={problems.labels}
          onChange={(event) => edit("labels", event.target.value)}
        />
      </fieldset>
      {readOnly ? (
        <p className="text-sm text-ink-soft">You can read this project; editing needs the editor role.</p>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" disabled={!form.dirty || form.saving}>
            Save changes
          </Button>
          {form.dirty ? (
            <Button variant="ghost" onClick={form.reset} disabled={form.saving}>
              Discard changes
            </Button>
          ) : null}
          <span className="text-xs text-ink-soft" aria-live="polite">
            {form.saving ? "Saving…" : form.dirty ? "Unsaved changes" : ""}
          </span>
        </div>
      )}
    </form>
  );
}
