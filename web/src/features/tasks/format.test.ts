import { describe, expect, it } from "vitest";

import { addDays, dayDifference, formatDue, initials, isOverdue } from "./format";

// Thursday 26 November 2026, 15:30 local time.
const NOW = new Date(2026, 10, 26, 15, 30);
const at = (day: number, hour = 9, month = 10, year = 2026) => new Date(year, month, day, hour).toISOString();

describe("relative due dates", () => {
  it("names today, tomorrow and yesterday", () => {
    expect(formatDue(at(26), NOW, "en").text).toBe("Today");
    expect(formatDue(at(27), NOW, "en").text).toBe("Tomorrow");
    expect(formatDue(at(25, 23), NOW, "en").text).toBe("Yesterday");
  });

  it("counts days within a week either side", () => {
    expect(formatDue(at(29), NOW, "en").text).toBe("In 3 days");
    expect(formatDue(at(20), NOW, "en").text).toBe("6 days ago");
  });

  it("gives a date further away, with the year only when it is another year", () => {
    expect(formatDue(at(12, 9, 11), NOW, "en-GB").text).toBe("12 Dec");
    expect(formatDue(at(3, 9, 0, 2027), NOW, "en-GB").text).toBe("3 Jan 2027");
  });

  it("says whether the moment has passed, to the minute", () => {
    expect(formatDue(at(26, 15), NOW).past).toBe(true);
    expect(formatDue(at(26, 16), NOW).past).toBe(false);
  });

  it("offers the full date and time for a tooltip", () => {
    expect(formatDue(at(26, 17), NOW, "en-GB").full).toMatch(/Thursday.*26 November 2026.*17:00/);
  });

  it("counts calendar days, not 24-hour spans", () => {
    expect(dayDifference(new Date(2026, 10, 27, 0, 5), new Date(2026, 10, 26, 23, 55))).toBe(1);
    expect(addDays(new Date(2026, 2, 28, 12), 2).getDate()).toBe(30);
  });
});

describe("overdue tasks", () => {
  it("are open tasks whose due moment has passed", () => {
    expect(isOverdue({ due_at: at(25), status: "todo" }, NOW)).toBe(true);
    expect(isOverdue({ due_at: at(27), status: "todo" }, NOW)).toBe(false);
    expect(isOverdue({ due_at: null, status: "in_progress" }, NOW)).toBe(false);
  });

  it("never include finished or cancelled ones", () => {
    expect(isOverdue({ due_at: at(1), status: "done" }, NOW)).toBe(false);
    expect(isOverdue({ due_at: at(1), status: "cancelled" }, NOW)).toBe(false);
  });
});

describe("initials", () => {
  it("take the first and last words' first letters", () => {
    expect(initials("Ada King Lovelace")).toBe("AL");
    expect(initials("bob")).toBe("B");
    expect(initials("  ")).toBe("?");
  });
});
