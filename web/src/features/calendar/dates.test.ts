import { describe, expect, it } from "vitest";

import type { ViewTask } from "../../lib/taskViews";
import { dayKey, dueWindow, moveToDay, parseDay, stepAnchor, taskDay, tasksByDay, visibleWeeks } from "./dates";

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
    assignee_id: null,
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
    version: 3,
  };
}

const local = (...parts: [number, number, number, number?, number?]) => new Date(2026, ...parts).toISOString();
const keys = (week: Date[] | undefined) => (week ?? []).map(dayKey);

describe("the days a view shows", () => {
  it("a month is every week that touches it, Monday first", () => {
    // December 2026 starts on a Tuesday and ends on a Thursday.
    const weeks = visibleWeeks(new Date(2026, 11, 17), "month");
    expect(weeks).toHaveLength(5);
    expect(keys(weeks[0])).toEqual([
      "2026-11-30",
      "2026-12-01",
      "2026-12-02",
      "2026-12-03",
      "2026-12-04",
      "2026-12-05",
      "2026-12-06",
    ]);
    expect(keys(weeks[4])[6]).toBe("2027-01-03");
  });

  it("a week is the seven days from the Monday before", () => {
    const weeks = visibleWeeks(new Date(2026, 11, 6), "week");
    expect(weeks.map(keys)).toEqual([
      ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"],
    ]);
  });

  it("steps a month from the first (the 31st skips no month), or a week", () => {
    expect(dayKey(stepAnchor(new Date(2027, 0, 31), "month", 1))).toBe("2027-02-01");
    expect(dayKey(stepAnchor(new Date(2027, 0, 31), "month", -1))).toBe("2026-12-01");
    expect(dayKey(stepAnchor(new Date(2026, 11, 31), "week", 1))).toBe("2027-01-07");
  });

  it("asks for tasks due from a day before the first day shown to a day after the last", () => {
    const window = dueWindow(visibleWeeks(new Date(2026, 11, 6), "week"));
    expect(new Date(window.due_after).getTime()).toBe(new Date(2026, 10, 29).getTime() - 1);
    expect(window.due_before).toBe(new Date(2026, 11, 8).toISOString());
  });

  it("reads only real days", () => {
    expect(parseDay("2026-02-30")).toBeNull();
    expect(parseDay("soon")).toBeNull();
    expect(parseDay("2026-02-28")?.getDate()).toBe(28);
  });
});

describe("where a task shows", () => {
  it("an all-day task on its date wherever its due_at falls; a timed one on its local day", () => {
    // Set in a zone far east: its due_at is the day before in UTC.
    expect(taskDay(task("east", { due_date: "2026-12-05", due_at: "2026-12-04T14:59:59Z" }))).toBe("2026-12-05");
    expect(taskDay(task("timed", { due_at: local(11, 5, 23, 30) }))).toBe("2026-12-05");
    expect(taskDay(task("undated"))).toBeNull();
  });

  it("lists a day's all-day tasks first, then the timed ones by time", () => {
    const days = tasksByDay([
      task("late", { due_at: local(11, 5, 17) }),
      task("early", { due_at: local(11, 5, 8) }),
      task("all day", { due_date: "2026-12-05", due_at: local(11, 5, 23, 59) }),
      task("other day", { due_date: "2026-12-06" }),
      task("undated"),
    ]);
    expect(days.get("2026-12-05")?.map((t) => t.title)).toEqual(["all day", "early", "late"]);
    expect([...days.keys()]).toEqual(["2026-12-05", "2026-12-06"]);
  });
});

describe("moving a task to another day", () => {
  it("gives an all-day task the new date", () => {
    expect(moveToDay(task("a", { due_date: "2026-12-05", due_at: "2026-12-05T23:59:59Z" }), "2026-12-09")).toEqual({
      due_date: "2026-12-09",
    });
  });

  it("keeps a timed task's local time of day, across a change of clocks too", () => {
    const moved = moveToDay(task("t", { due_at: local(2, 20, 14, 30) }), "2026-04-02");
    expect(moved).toEqual({ due_at: local(3, 2, 14, 30) });
    const back = new Date((moved as { due_at: string }).due_at);
    expect([back.getHours(), back.getMinutes()]).toEqual([14, 30]);
  });

  it("changes nothing on the same day, for an undated task, or to no day at all", () => {
    expect(moveToDay(task("a", { due_date: "2026-12-05" }), "2026-12-05")).toBeNull();
    expect(moveToDay(task("undated"), "2026-12-05")).toBeNull();
    expect(moveToDay(task("a", { due_date: "2026-12-05" }), "later")).toBeNull();
  });
});
