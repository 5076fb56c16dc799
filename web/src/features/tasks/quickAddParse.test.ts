import { describe, expect, it } from "vitest";

import { dayOf, parseQuickAdd } from "./quickAddParse";

// Friday 4 December 2026, 10:00 local time.
const NOW = new Date(2026, 11, 4, 10, 0);

describe("parseQuickAdd", () => {
  it("reads a date, a priority and a label out of the title", () => {
    const task = parseQuickAdd("Print banners tomorrow p1 #design", NOW);
    expect(task).toMatchObject({
      title: "Print banners",
      due_date: "2026-12-05",
      priority: "urgent",
      labels: ["design"],
    });
    expect(task.due_at).toBeUndefined();
    expect(task.parts.map((part) => [part.kind, part.source])).toEqual([
      ["date", "tomorrow"],
      ["priority", "p1"],
      ["label", "#design"],
    ]);
    expect(task.parts.map((part) => part.meaning)).toEqual([
      expect.stringMatching(/^Due .*5.*\(all day\)$/),
      "Priority: Urgent",
      "Label: design",
    ]);
  });

  it.each([
    ["p1", "urgent"],
    ["p2", "high"],
    ["P3", "medium"],
    ["p4", "low"],
  ] as const)("maps %s to %s", (code, priority) => {
    expect(parseQuickAdd(`Write the notes ${code}`, NOW)).toMatchObject({ title: "Write the notes", priority });
  });

  it("takes a typed time as an instant, not an all-day date", () => {
    const task = parseQuickAdd("Call the bank on Dec 12 at 14:00", NOW);
    expect(task.title).toBe("Call the bank");
    expect(task.due_date).toBeUndefined();
    expect(task.due_at).toBe(new Date(2026, 11, 12, 14, 0).toISOString());
  });

  it("drops the word leading into a date", () => {
    expect(parseQuickAdd("Submit the report by next week", NOW)).toMatchObject({
      title: "Submit the report",
      due_date: "2026-12-11",
    });
  });

  it("keeps several labels once each, lower-cased as the server keeps them", () => {
    const task = parseQuickAdd("Fix login #Backend #urgent-fix #backend", NOW);
    expect(task).toMatchObject({ title: "Fix login", labels: ["backend", "urgent-fix"] });
  });

  it("leaves words that only look like codes alone", () => {
    expect(parseQuickAdd("Buy 2 apples", NOW)).toMatchObject({ title: "Buy 2 apples", labels: [], parts: [] });
    expect(parseQuickAdd("Update p10 and issue#4", NOW)).toMatchObject({ title: "Update p10 and issue#4", parts: [] });
  });

  it("leaves a kind in the title once its chip is dismissed", () => {
    const task = parseQuickAdd("Print banners tomorrow p1 #design", NOW, new Set(["date", "label"]));
    expect(task).toMatchObject({ title: "Print banners tomorrow #design", priority: "urgent", labels: [] });
    expect(task.due_date).toBeUndefined();
  });

  it("gives an empty title when only codes were typed", () => {
    expect(parseQuickAdd("tomorrow p2", NOW).title).toBe("");
  });

  it("writes local days as YYYY-MM-DD", () => {
    expect(dayOf(new Date(2027, 0, 3, 23, 59))).toBe("2027-01-03");
  });
});
