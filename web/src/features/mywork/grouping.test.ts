import { describe, expect, it } from "vitest";

import type { ViewTask } from "../../lib/taskViews";
import { dayTitle, groupMyTasks, groupOf, todayGroups, upcomingGroups } from "./grouping";

// Friday 4 December 2026, 10:00 local time.
const NOW = new Date(2026, 11, 4, 10, 0);

function task(title: string, due: { due_at?: string | null; due_date?: string | null } = {}): ViewTask {
  return {
    id: title,
    project_id: "p",
    title,
    description: "",
    status: "todo",
    priority: "medium",
    due_at: due.due_at ?? null,
    due_date: due.due_date ?? null,
    labels: [],
    assignee_id: "me",
    creator_id: "me",
    created_at: "2026-12-01T00:00:00Z",
    updated_at: "2026-12-01T00:00:00Z",
    completed_at: null,
    parent_id: null,
    subtask_count: 0,
    subtasks_done: 0,
    recurrence: null,
    recurrence_basis: null,
    next_occurrence_id: null,
    version: 1,
  };
}

const at = (...parts: [number, number, number]) => new Date(2026, ...parts).toISOString();

describe("groupMyTasks", () => {
  it("puts each task in Overdue, Today, Upcoming or No date", () => {
    const tasks = [
      task("earlier today", { due_at: at(11, 4, 8) }),
      task("later today", { due_at: at(11, 4, 17) }),
      task("all day today", { due_date: "2026-12-04", due_at: "2026-12-04T23:59:59Z" }),
      task("all day yesterday", { due_date: "2026-12-03", due_at: "2026-12-03T23:59:59Z" }),
      task("next week", { due_at: at(11, 11, 9) }),
      task("someday"),
    ];
    const groups = groupMyTasks(tasks, NOW);
    expect(groups.map((g) => [g.title, g.tasks.map((t) => t.title)])).toEqual([
      ["Overdue", ["earlier today", "all day yesterday"]],
      ["Today", ["later today", "all day today"]],
      ["Upcoming", ["next week"]],
      ["No date", ["someday"]],
    ]);
  });

  it("groups an all-day task by its day, whatever instant due_at names here", () => {
    // Set in a zone far east: its due_at falls on the day before, local time.
    const east = task("Tokyo's Saturday", { due_date: "2026-12-05", due_at: "2026-12-05T14:59:59Z" });
    expect(groupOf(east, NOW)).toBe("upcoming");
    const west = task("New York's Thursday", { due_date: "2026-12-03", due_at: "2026-12-04T04:59:59Z" });
    expect(groupOf(west, NOW)).toBe("overdue");
  });
});

describe("the Today and Upcoming views", () => {
  it("Today shows what is overdue and what is due today", () => {
    const tasks = [
      task("late", { due_date: "2026-12-01" }),
      task("now", { due_date: "2026-12-04" }),
      task("later", { due_date: "2026-12-06" }),
    ];
    expect(todayGroups(tasks, NOW).map((g) => g.tasks.map((t) => t.title))).toEqual([["late"], ["now"]]);
  });

  it("Upcoming has the next seven days, one group a day, empty ones too", () => {
    const tasks = [
      task("today", { due_date: "2026-12-04" }),
      task("sunday", { due_at: at(11, 6, 12) }),
      task("in a week", { due_date: "2026-12-11" }),
      task("late", { due_date: "2026-12-02" }),
      task("undated"),
    ];
    const groups = upcomingGroups(tasks, NOW, 7, "en-GB");
    expect(groups).toHaveLength(7);
    expect(groups.map((g) => g.title)).toEqual([
      "Today",
      "Tomorrow",
      "Sunday 6 December",
      "Monday 7 December",
      "Tuesday 8 December",
      "Wednesday 9 December",
      "Thursday 10 December",
    ]);
    expect(groups.map((g) => g.tasks.map((t) => t.title))).toEqual([["today"], [], ["sunday"], [], [], [], []]);
  });

  it("names days relative to today", () => {
    expect(dayTitle(new Date(2026, 11, 5), NOW)).toBe("Tomorrow");
  });
});
