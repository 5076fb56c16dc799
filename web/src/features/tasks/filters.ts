// The task list's filters as they live in the address (?status=todo&status=review&q=docs),
// and as the API is asked for them (GET /api/tasks). Defaults never appear in the address,
// and anything the address holds that the API would refuse is ignored.
import { PRIORITIES, STATUSES, type TaskPriority, type TaskStatus } from "../../api/vocabulary";
import type { SortKey, Task, TaskQuery } from "./api";
import { addDays, startOfDay } from "./format";

export type DuePreset = "overdue" | "today" | "week";

export interface Filters {
  status: TaskStatus[];
  priority: TaskPriority[];
  /** "me", or a member's user id; null for anyone. */
  assignee: string | null;
  label: string;
  due: DuePreset | null;
  q: string;
  sort: SortKey;
}

export const DEFAULT_SORT: SortKey = "-created";

export const DEFAULT_FILTERS: Filters = {
  status: [],
  priority: [],
  assignee: null,
  label: "",
  due: null,
  q: "",
  sort: DEFAULT_SORT,
};

export const DUE_PRESETS: { value: DuePreset; label: string }[] = [
  { value: "overdue", label: "Overdue" },
  { value: "today", label: "Due today" },
  { value: "week", label: "Due this week" },
];

export const SORTS: { value: SortKey; label: string }[] = [
  { value: "-created", label: "Newest first" },
  { value: "created", label: "Oldest first" },
  { value: "-updated", label: "Recently updated" },
  { value: "due", label: "Due soonest" },
  { value: "-due", label: "Due latest" },
  { value: "-priority", label: "Highest priority" },
  { value: "priority", label: "Lowest priority" },
  { value: "updated", label: "Least recently updated" },
];

/** The address's names for the filters; other parameters (view, task) are left alone. */
const PARAMS = ["status", "priority", "assignee", "label", "due", "q", "sort"] as const;

// The API's limits (TaskListQuery): a label is 1-50 characters, a search at most 200.
const LABEL_MAX = 50;
const SEARCH_MAX = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The values of a multi-valued parameter that are allowed, once each, in `allowed`'s order. */
function pick<T extends string>(values: string[], allowed: readonly { value: T }[]): T[] {
  return allowed.map((option) => option.value).filter((value) => values.includes(value));
}

function oneOf<T extends string>(value: string | null, allowed: readonly { value: T }[]): T | null {
  return allowed.find((option) => option.value === value)?.value ?? null;
}

/** Filters from the address; unknown or malformed values are dropped, not passed on. */
export function parseFilters(params: URLSearchParams): Filters {
  const assignee = params.get("assignee");
  const label = (params.get("label") ?? "").trim();
  const q = (params.get("q") ?? "").trim();
  return {
    status: pick(params.getAll("status"), STATUSES),
    priority: pick(params.getAll("priority"), PRIORITIES),
    assignee: assignee === "me" || (assignee !== null && UUID.test(assignee)) ? assignee.toLowerCase() : null,
    label: label.length <= LABEL_MAX ? label : "",
    due: oneOf(params.get("due"), DUE_PRESETS),
    // Never cut to fit: an address with a longer search searches for nothing.
    q: q.length <= SEARCH_MAX ? q : "",
    sort: oneOf(params.get("sort"), SORTS) ?? DEFAULT_SORT,
  };
}

/** `base` (the current address's parameters) with the filters written in, defaults left out. */
export function writeFilters(filters: Filters, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const params = new URLSearchParams(base);
  for (const name of PARAMS) params.delete(name);
  for (const status of pick(filters.status, STATUSES)) params.append("status", status);
  for (const priority of pick(filters.priority, PRIORITIES)) params.append("priority", priority);
  if (filters.assignee) params.set("assignee", filters.assignee);
  if (filters.label.trim()) params.set("label", filters.label.trim());
  if (filters.due) params.set("due", filters.due);
  if (filters.q.trim()) params.set("q", filters.q.trim());
  if (filters.sort !== DEFAULT_SORT) params.set("sort", filters.sort);
  return params;
}

/** Whether anything narrows the list (the order does not). */
export function isFiltered(filters: Filters): boolean {
  return (
    filters.status.length > 0 ||
    filters.priority.length > 0 ||
    filters.assignee !== null ||
    filters.label.trim() !== "" ||
    filters.due !== null ||
    filters.q.trim() !== ""
  );
}

/** Every filter cleared; the chosen order stays. */
export function clearFilters(filters: Filters): Filters {
  return { ...DEFAULT_FILTERS, sort: filters.sort };
}

export interface QueryContext {
  projectId: string;
  /** The signed-in user's id, for "me". */
  userId: string;
  /** Today (any moment of it): due presets are whole local days, so the query stays the same all day. */
  now: Date;
}

/** The GET /api/tasks query for the filters (only what is set, so list caches share keys). */
export function toTaskQuery(filters: Filters, { projectId, userId, now }: QueryContext): TaskQuery {
  const query: TaskQuery = { project_id: projectId };
  if (filters.status.length) query.status = filters.status;
  if (filters.priority.length) query.priority = filters.priority;
  if (filters.assignee) query.assignee_id = filters.assignee === "me" ? userId : filters.assignee;
  if (filters.label.trim()) query.label = filters.label.trim();
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.sort !== DEFAULT_SORT) query.sort = filters.sort;
  const today = startOfDay(now);
  // due_after is exclusive: start a millisecond early so a task due at midnight counts.
  const from = new Date(today.getTime() - 1).toISOString();
  if (filters.due === "overdue") query.overdue = true;
  if (filters.due === "today") {
    query.due_after = from;
    query.due_before = addDays(today, 1).toISOString();
  }
  if (filters.due === "week") {
    // Through Sunday: the week as most of the world's calendars print it (Monday first).
    const daysLeft = 7 - ((today.getDay() + 6) % 7);
    query.due_after = from;
    query.due_before = addDays(today, daysLeft).toISOString();
  }
  return query;
}

const CLOSED: readonly TaskStatus[] = ["done", "cancelled"];
const PRIORITY_RANK: Record<TaskPriority, number> = { low: 0, medium: 1, high: 2, urgent: 3 };

/** An ISO instant as microseconds since the epoch (the server's precision; Date keeps only ms). */
export function instant(iso: string): number {
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? "";
  const seconds = Date.parse(iso.replace(/\.\d+/, "")) / 1000;
  return seconds * 1_000_000 + Number(fraction.padEnd(6, "0").slice(0, 6));
}

/**
 * Whether a task belongs in the list asked for with `query`, as GET /api/tasks decides it; null
 * when only the server can tell (a text search: its matching is the database's).
 */
export function belongsInList(task: Task, query: TaskQuery, now: Date = new Date()): boolean | null {
  if (query.project_id && task.project_id !== query.project_id) return false;
  if (query.parent_id && task.parent_id !== query.parent_id) return false;
  if (query.status && !query.status.includes(task.status)) return false;
  if (query.priority && !query.priority.includes(task.priority)) return false;
  if (query.assignee_id && task.assignee_id !== query.assignee_id) return false;
  if (query.label && !task.labels.includes(query.label)) return false;
  if (query.open !== undefined && CLOSED.includes(task.status) === query.open) return false;
  if (query.unassigned !== undefined && (task.assignee_id === null) !== query.unassigned) return false;
  if (query.no_due_date !== undefined && (task.due_at === null) !== query.no_due_date) return false;
  const due = task.due_at ? instant(task.due_at) : null;
  // Both bounds are exclusive, and a task without a due date is outside either.
  if (query.due_before && (due === null || due >= instant(query.due_before))) return false;
  if (query.due_after && (due === null || due <= instant(query.due_after))) return false;
  if (query.overdue !== undefined) {
    const overdue = due !== null && due < now.getTime() * 1000 && !CLOSED.includes(task.status);
    if (overdue !== query.overdue) return false;
  }
  return query.q ? null : true;
}

function sortValue(task: Task, sort: SortKey): number {
  switch (sort.replace(/^-/, "")) {
    case "updated":
      return instant(task.updated_at);
    case "due":
      // No due date sorts as due at the end of time (last, ascending), as on the server.
      return task.due_at ? instant(task.due_at) : Number.POSITIVE_INFINITY;
    case "priority":
      return PRIORITY_RANK[task.priority];
    default:
      return instant(task.created_at);
  }
}

/**
 * The order of a list sorted by `sort`, as on the server: by the sort's value, then (unless
 * `ties` is false) by id, both in the sort's direction.
 */
export function compareTasks(a: Task, b: Task, sort: SortKey = DEFAULT_SORT, ties = true): number {
  const [left, right] = [sortValue(a, sort), sortValue(b, sort)];
  let order = left < right ? -1 : left > right ? 1 : 0;
  if (order === 0 && ties) order = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return sort.startsWith("-") ? 0 - order : order;
}
