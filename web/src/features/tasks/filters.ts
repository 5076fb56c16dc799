// The task list's filters as they live in the address (?status=todo&status=review&q=docs),
// and as the API is asked for them (GET /api/tasks). Defaults never appear in the address,
// and anything the address holds that the API would refuse is ignored.
import { PRIORITIES, STATUSES, type TaskPriority, type TaskStatus } from "../../api/vocabulary";
import type { SortKey, TaskQuery } from "./api";
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
    q: q.slice(0, SEARCH_MAX),
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
