// The task form's values as the inputs hold them, and the conversions to and from the task on
// the server: what changed, and what the server would refuse.
import type { TaskPriority, TaskStatus } from "../../api/vocabulary";
import { LIMITS, overLimit } from "../../lib/limits";
import type { Task, TaskChanges } from "./api";

export interface FormValues {
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  assignee: string;
  /** "" (none), "YYYY-MM-DD" (all day) or "YYYY-MM-DDTHH:MM" (a time on the user's clock). */
  due: string;
  labels: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a due value is a day without a time (an all-day due date). */
export function isAllDay(due: string): boolean {
  return DAY.test(due) && !Number.isNaN(new Date(`${due}T00:00`).getTime());
}

export type FormProblems = Partial<Record<keyof FormValues, string>>;

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

export function valuesOf(task: Task): FormValues {
  return {
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    assignee: task.assignee_id ?? "",
    due: task.due_date ?? toLocalInput(task.due_at),
    labels: task.labels.join(", "),
  };
}

/** Only what differs from the task on the server. */
export function changesOf(values: FormValues, task: Task): TaskChanges {
  const changes: TaskChanges = {};
  if (values.title.trim() !== task.title) changes.title = values.title.trim();
  if (values.description !== task.description) changes.description = values.description;
  if (values.status !== task.status) changes.status = values.status;
  if (values.priority !== task.priority) changes.priority = values.priority;
  if ((values.assignee || null) !== task.assignee_id) changes.assignee_id = values.assignee || null;
  if (!values.due) {
    if (task.due_at !== null || task.due_date !== null) changes.due_at = null;
  } else if (isAllDay(values.due)) {
    if (values.due !== task.due_date) changes.due_date = values.due;
  } else {
    const due = fromLocalInput(values.due);
    const before = task.due_at ? new Date(task.due_at).toISOString() : null;
    // Minutes are all the input shows: an unchanged field must not resend a due time with seconds.
    if (task.due_date || toLocalInput(due) !== toLocalInput(before)) changes.due_at = due;
  }
  const labels = parseLabels(values.labels);
  if (labels.join("\u0000") !== task.labels.join("\u0000")) changes.labels = labels;
  return changes;
}

export function problemsOf(values: FormValues): FormProblems {
  const problems: FormProblems = {};
  if (!values.title.trim()) problems.title = "Give the task a title.";
  else problems.title = overLimit("Title", values.title.trim(), LIMITS.title);
  problems.description = overLimit("Description", values.description, LIMITS.description);
  const labels = parseLabels(values.labels);
  const long = labels.find((label) => label.length > LIMITS.label);
  if (labels.length > LIMITS.labels)
    problems.labels = `That is ${labels.length} labels; the limit is ${LIMITS.labels}.`;
  else if (long) problems.labels = overLimit(`Label “${long.slice(0, 20)}…”`, long, LIMITS.label);
  if (values.due && !isAllDay(values.due) && !fromLocalInput(values.due)) problems.due = "Enter a valid date and time.";
  for (const key of Object.keys(problems) as (keyof FormValues)[]) if (!problems[key]) delete problems[key];
  return problems;
}
