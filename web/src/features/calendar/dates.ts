// The calendar's days, in the browser's time zone: the weeks a month or week view shows (Monday
// first, as the task filters count weeks), the day a task falls on, the query that finds those
// tasks, and the change that moves a task to another day. An all-day task belongs to its
// due_date wherever the reader is; a timed one to the local day of its due_at.
import type { ViewTask } from "../../lib/taskViews";

export type CalendarView = "month" | "week";

/** A local day as YYYY-MM-DD (the calendar's ids for days, and the API's all-day dates). */
export function dayKey(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Midnight (local) of a YYYY-MM-DD day; null when it is not one. */
export function parseDay(key: string | null | undefined): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key ?? "");
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(year, month - 1, day);
  return date.getMonth() === month - 1 ? date : null;
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

function startOfWeek(date: Date): Date {
  return addDays(date, -((date.getDay() + 6) % 7));
}

/** The weeks shown, each seven days from Monday: every week touching the month, or the one week. */
export function visibleWeeks(anchor: Date, view: CalendarView): Date[][] {
  const first = view === "month" ? new Date(anchor.getFullYear(), anchor.getMonth(), 1) : anchor;
  const last = view === "month" ? new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0) : anchor;
  const weeks: Date[][] = [];
  for (let start = startOfWeek(first); start <= last; start = addDays(start, 7)) {
    weeks.push(Array.from({ length: 7 }, (_, offset) => addDays(start, offset)));
  }
  return weeks;
}

/** The anchor a step back (-1) or forward (1) goes to: a month, or a week. */
export function stepAnchor(anchor: Date, view: CalendarView, step: -1 | 1): Date {
  if (view === "week") return addDays(anchor, 7 * step);
  // The first of the month, so the 31st does not skip a shorter month.
  return new Date(anchor.getFullYear(), anchor.getMonth() + step, 1);
}

/**
 * GET /api/tasks's due window for the days shown, with a day to spare on each side: an all-day
 * task's due_at is the end of its day in the zone of whoever set it, which may be a day off
 * here (where it shows is its due_date, see taskDay). Both bounds are exclusive.
 */
export function dueWindow(weeks: Date[][]): { due_after: string; due_before: string } {
  const first = weeks[0]?.[0] ?? new Date();
  const last = weeks[weeks.length - 1]?.[6] ?? first;
  return {
    due_after: new Date(addDays(first, -1).getTime() - 1).toISOString(),
    due_before: addDays(last, 2).toISOString(),
  };
}

/** The local day a task is due on (YYYY-MM-DD), or null without a due date. */
export function taskDay(task: ViewTask): string | null {
  if (task.due_date) return task.due_date;
  return task.due_at ? dayKey(new Date(task.due_at)) : null;
}

/** Each day's tasks: all-day ones first, then by time (the order given otherwise). */
export function tasksByDay(tasks: ViewTask[]): Map<string, ViewTask[]> {
  const days = new Map<string, ViewTask[]>();
  for (const task of tasks) {
    const key = taskDay(task);
    if (key) days.set(key, [...(days.get(key) ?? []), task]);
  }
  const at = (task: ViewTask) => (task.due_date ? -Infinity : new Date(task.due_at ?? 0).getTime());
  for (const list of days.values()) list.sort((a, b) => at(a) - at(b));
  return days;
}

/**
 * What moves a task to `day` (YYYY-MM-DD): an all-day task gets that due_date; a timed one
 * keeps its local time of day on the new day. Null when it is there already (or undated).
 */
export function moveToDay(task: ViewTask, day: string): { due_date: string } | { due_at: string } | null {
  const target = parseDay(day);
  if (!target || taskDay(task) === day) return null;
  if (task.due_date || !task.due_at) return task.due_date ? { due_date: day } : null;
  const due = new Date(task.due_at);
  const moved = new Date(target);
  moved.setHours(due.getHours(), due.getMinutes(), due.getSeconds(), due.getMilliseconds());
  return { due_at: moved.toISOString() };
}
