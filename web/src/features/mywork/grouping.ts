// My tasks in groups, in the browser's time zone: Overdue, Today, Upcoming, No date; the Today
// view (overdue and today) and the Upcoming view (the next seven days, one group a day). An
// all-day task belongs to its day (due_date) wherever the reader is; a timed one to the local
// day of its due_at, and is overdue once that instant has passed.
import type { ViewTask } from "../../lib/taskViews";

export type GroupKey = "overdue" | "today" | "upcoming" | "none";

export interface Group {
  key: string;
  title: string;
  tasks: ViewTask[];
}

const DAY_MS = 86_400_000;

function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/** Midnight (local) of the day a task is due, or null without a due date. */
export function dueDay(task: ViewTask): Date | null {
  if (task.due_date) {
    const [year = 0, month = 1, day = 1] = task.due_date.split("-").map(Number);
    return new Date(year, month - 1, day);
  }
  return task.due_at ? startOfDay(new Date(task.due_at)) : null;
}

/** Which of My tasks' groups a task is in at `now`. */
export function groupOf(task: ViewTask, now: Date): GroupKey {
  const day = dueDay(task);
  if (!day) return "none";
  const today = startOfDay(now).getTime();
  const late = task.due_date ? day.getTime() < today : new Date(task.due_at ?? 0).getTime() < now.getTime();
  if (late) return "overdue";
  return day.getTime() === today ? "today" : "upcoming";
}

const TITLES: Record<GroupKey, string> = { overdue: "Overdue", today: "Today", upcoming: "Upcoming", none: "No date" };

/** My tasks' groups, in that order, each in the order given (the server's, by due date). */
export function groupMyTasks(tasks: ViewTask[], now: Date): Group[] {
  const groups = new Map<GroupKey, ViewTask[]>([
    ["overdue", []],
    ["today", []],
    ["upcoming", []],
    ["none", []],
  ]);
  for (const task of tasks) groups.get(groupOf(task, now))?.push(task);
  return [...groups].map(([key, items]) => ({ key, title: TITLES[key], tasks: items }));
}

/** The Today view: what is overdue, then what is due today. */
export function todayGroups(tasks: ViewTask[], now: Date): Group[] {
  return groupMyTasks(tasks, now).filter((group) => group.key === "overdue" || group.key === "today");
}

/** "Today", "Tomorrow", then "Wednesday 9 December". */
export function dayTitle(day: Date, now: Date, locale?: string): string {
  const days = Math.round((day.getTime() - startOfDay(now).getTime()) / DAY_MS);
  if (days === 0) return "Today";
  if (days === 1) return "Tomorrow";
  return new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long" }).format(day);
}

/** The Upcoming view: one group for each of the `days` days from today (empty ones too), each
 * with the tasks due that day that are not overdue. */
export function upcomingGroups(tasks: ViewTask[], now: Date, days = 7, locale?: string): Group[] {
  const today = startOfDay(now);
  const groups: Group[] = Array.from({ length: days }, (_, offset) => {
    const day = addDays(today, offset);
    return { key: day.toDateString(), title: dayTitle(day, now, locale), tasks: [] };
  });
  for (const task of tasks) {
    const day = dueDay(task);
    if (!day || groupOf(task, now) === "overdue") continue;
    const offset = Math.round((day.getTime() - today.getTime()) / DAY_MS);
    if (offset >= 0 && offset < days) groups[offset]?.tasks.push(task);
  }
  return groups;
}
