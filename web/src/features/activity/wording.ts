// A history entry in words: "Ben moved this from To do to In progress", "Ana renamed this from
// “Draft” to “Final”", "Ben commented: “Looks good”", and how long ago it happened.
import type { Schemas } from "../../api/client";
import type { TaskPriority, TaskStatus } from "../../api/vocabulary";
import { priorityLabel, statusLabel } from "../../lib/labels";

export type ActivityEntry = Schemas["ActivityEntry"];
type Change = Schemas["ActivityChange"];

export interface Wording {
  /** On the task's own timeline entries say "this"; elsewhere they name the task by its title. */
  onTask: boolean;
  /** A member's name by user id (for assignees); undefined when they are not (or no longer) one. */
  nameOf: (userId: string) => string | undefined;
}

const quoted = (text: string) => `“${text}”`;

function text(value: Change["before"]): string | null {
  return typeof value === "string" ? value : null;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function labelChange(change: Change): string {
  const before = Array.isArray(change.before) ? change.before : null;
  const after = Array.isArray(change.after) ? change.after : [];
  // Events written before the history kept before-values say only that labels changed.
  if (before === null) return "changed the labels";
  const added = after.filter((label) => !before.includes(label)).map(quoted);
  const removed = before.filter((label) => !after.includes(label)).map(quoted);
  const noun = (items: string[]) => (items.length === 1 ? "the label" : "the labels");
  const parts = [
    ...(added.length ? [`added ${noun(added)} ${list(added)}`] : []),
    ...(removed.length ? [`removed ${noun(removed)} ${list(removed)}`] : []),
  ];
  return parts.length ? list(parts) : "changed the labels";
}

/** What one changed field says, after the actor's name. */
function changePhrase(change: Change, entry: ActivityEntry, subject: string, w: Wording): string {
  const before = text(change.before);
  const after = text(change.after);
  const person = (id: string) => (id === entry.actor_id ? "themselves" : (w.nameOf(id) ?? "someone"));
  switch (change.field) {
    case "title":
      if (before === null) return `renamed ${subject} to ${quoted(after ?? "")}`;
      return w.onTask
        ? `renamed this from ${quoted(before)} to ${quoted(after ?? "")}`
        : `renamed ${quoted(before)} to ${quoted(after ?? "")}`;
    case "status":
      return `moved ${subject} from ${statusLabel(before as TaskStatus)} to ${statusLabel(after as TaskStatus)}`;
    case "priority":
      return before === null
        ? `set the priority to ${priorityLabel(after as TaskPriority)}`
        : `changed the priority from ${priorityLabel(before as TaskPriority)} to ${priorityLabel(after as TaskPriority)}`;
    case "due_at":
    case "due_date":
      if (after === null) return "removed the due date";
      return before === null ? "set the due date" : "changed the due date";
    case "description":
      if (!after) return "removed the description";
      return before ? "changed the description" : "added a description";
    case "labels":
      return labelChange(change);
    case "assignee_id":
      if (after !== null) {
        return before === null
          ? `assigned ${subject} to ${person(after)}`
          : `reassigned ${subject} from ${person(before)} to ${person(after)}`;
      }
      return before === null ? `unassigned ${subject}` : `unassigned ${person(before)}`;
    default:
      return `changed the ${change.field.replaceAll("_", " ")}`;
  }
}

/** An all-day date changes due_at and due_date together: one due-date phrase, not two. */
function dueDateOnce(changes: Change[]): Change[] {
  return changes.some((c) => c.field === "due_at") ? changes.filter((c) => c.field !== "due_date") : changes;
}

/** Whether a change's phrase names the task itself ("renamed …", "assigned this to …"). */
function namesTheTask(change: Change): boolean {
  if (change.field === "title") return true;
  return change.field === "assignee_id" && (change.after !== null || change.before === null);
}

/** The entry as a sentence that starts with who did it. */
export function describe(entry: ActivityEntry, w: Wording): string {
  const actor = entry.actor_name ?? "Someone";
  const subject = w.onTask ? "this" : quoted(entry.task_title);
  // Off the task's own timeline, a sentence that does not name the task says which one it was.
  const on = w.onTask ? "" : ` on ${subject}`;
  const phrases = dueDateOnce(entry.changes).map((change) => changePhrase(change, entry, subject, w));
  switch (entry.kind) {
    case "created":
      return `${actor} created ${subject}`;
    case "deleted":
      return `${actor} deleted ${subject}`;
    case "status_changed":
    case "assigned":
      return `${actor} ${list(phrases)}`;
    case "updated":
      return `${actor} ${list(phrases)}${entry.changes.some(namesTheTask) ? "" : on}`;
    case "comment_added":
      // A deleted comment's words leave the history.
      return entry.excerpt === null ? `${actor} commented${on}` : `${actor} commented${on}: ${quoted(entry.excerpt)}`;
    case "comment_edited":
      return entry.excerpt === null
        ? `${actor} edited a comment${on}`
        : `${actor} edited a comment${on}: ${quoted(entry.excerpt)}`;
    case "comment_deleted":
      return `${actor} deleted a comment${on}`;
  }
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];
// English, as the sentences it ends are.
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "2 minutes ago", "yesterday", "just now". */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatFull(iso: string): string {
  return fullDate.format(new Date(iso));
}
