// Dates as people read them in a task list ("Tomorrow", "3 days ago", "12 Dec"), with Intl.

const DAY_MS = 86_400_000;

/** Midnight at the start of `date`'s day, in local time. */
export function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/** `date` moved by whole calendar days (local time, so daylight-saving days count as one). */
export function addDays(date: Date, days: number): Date {
  return new Date(
    date.getFullYear(),
    date.getMonth(),
    date.getDate() + days,
    date.getHours(),
    date.getMinutes(),
    date.getSeconds(),
    date.getMilliseconds(),
  );
}

/** Calendar days from `now`'s day to `date`'s day (0 today, 1 tomorrow, -1 yesterday). */
export function dayDifference(date: Date, now: Date): number {
  // Rounded: a day across a daylight-saving change is 23 or 25 hours long.
  return Math.round((startOfDay(date).getTime() - startOfDay(now).getTime()) / DAY_MS);
}

function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

export interface DueLabel {
  /** Short, relative: "Today", "Tomorrow", "In 3 days", "2 days ago", "12 Dec", "3 Jan 2028". */
  text: string;
  /** Full date and time, for a tooltip: "Thursday, 26 November 2026 at 17:00". */
  full: string;
  /** The moment has passed (whether that matters depends on the task's status). */
  past: boolean;
}

/** An all-day date (YYYY-MM-DD) as midnight at the start of that day, local time. */
export function localDay(day: string): Date {
  const [year = 0, month = 1, date = 1] = day.split("-").map(Number);
  return new Date(year, month - 1, date);
}

/** A due date relative to `now`: named days within a week either side, a date further away.
 * `allDay`: `iso` is a day (YYYY-MM-DD), due at its end; the tooltip then gives no time. */
export function formatDue(iso: string, now: Date = new Date(), locale?: string, allDay = false): DueLabel {
  const due = allDay ? localDay(iso) : new Date(iso);
  const days = dayDifference(due, now);
  let text: string;
  if (Math.abs(days) <= 6) {
    text = capitalise(new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(days, "day"));
  } else {
    const sameYear = due.getFullYear() === now.getFullYear();
    text = new Intl.DateTimeFormat(locale, {
      day: "numeric",
      month: "short",
      ...(sameYear ? {} : { year: "numeric" }),
    }).format(due);
  }
  if (allDay) {
    const full = `${new Intl.DateTimeFormat(locale, { dateStyle: "full" }).format(due)} (all day)`;
    return { text, full, past: days < 0 };
  }
  const full = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" }).format(due);
  return { text, full, past: due.getTime() < now.getTime() };
}

const CLOSED = new Set(["done", "cancelled"]);

/** Overdue: due in the past and still open; an all-day task once its day (here) is over. */
export function isOverdue(
  task: { due_at: string | null; due_date?: string | null; status: string },
  now: Date = new Date(),
): boolean {
  if (CLOSED.has(task.status)) return false;
  if (task.due_date) return localDay(task.due_date).getTime() < startOfDay(now).getTime();
  return task.due_at !== null && new Date(task.due_at).getTime() < now.getTime();
}

/** Initials for an avatar: "Ada Lovelace" -> "AL", "bob" -> "B". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.charAt(0) ?? "";
  const last = words.length > 1 ? (words[words.length - 1]?.charAt(0) ?? "") : "";
  return (first + last).toLocaleUpperCase() || "?";
}
