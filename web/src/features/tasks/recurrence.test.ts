import { describe, expect, it } from "vitest";

import {
  customRuleProblem,
  describeRule,
  dueDayOf,
  normaliseRule,
  ordinal,
  repeatChoices,
  repeatOf,
  ruleOf,
} from "./recurrence";

// Saturday 5 December 2026, local time.
const SATURDAY = new Date(2026, 11, 5, 14, 0);

describe("repeat rules", () => {
  it("are stored without a prefix, in upper case", () => {
    expect(normaliseRule(" rrule:freq=weekly;byday=mo; ")).toBe("FREQ=WEEKLY;BYDAY=MO");
  });

  it("make each common choice from the due day", () => {
    expect(ruleOf("daily", SATURDAY)).toBe("FREQ=DAILY");
    expect(ruleOf("weekdays", SATURDAY)).toBe("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
    expect(ruleOf("weekly", SATURDAY)).toBe("FREQ=WEEKLY;BYDAY=SA");
    expect(ruleOf("monthly", SATURDAY)).toBe("FREQ=MONTHLY;BYMONTHDAY=5");
    expect(ruleOf("yearly", SATURDAY)).toBe("FREQ=YEARLY");
  });

  it("name the choices in words for the due day", () => {
    const labels = repeatChoices(SATURDAY).map((choice) => choice.label);
    expect(labels).toContain("Every week on Saturday");
    expect(labels).toContain("Every month on the 5th");
    expect(labels[0]).toBe("Does not repeat");
  });

  it("read a stored rule back as its choice, or custom", () => {
    expect(repeatOf(null, SATURDAY)).toBe("none");
    expect(repeatOf("FREQ=WEEKLY;BYDAY=SA", SATURDAY)).toBe("weekly");
    expect(repeatOf("RRULE:freq=daily", SATURDAY)).toBe("daily");
    // Another weekday than the due date's is not "every week on Saturday".
    expect(repeatOf("FREQ=WEEKLY;BYDAY=MO", SATURDAY)).toBe("custom");
    expect(repeatOf("FREQ=DAILY;INTERVAL=2", SATURDAY)).toBe("custom");
    expect(repeatOf("FREQ=DAILY", null)).toBe("custom");
  });

  it("say a rule in words", () => {
    expect(describeRule("FREQ=DAILY")).toBe("Every day");
    expect(describeRule("FREQ=DAILY;INTERVAL=3")).toBe("Every 3 days");
    expect(describeRule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")).toBe("Every weekday");
    expect(describeRule("FREQ=WEEKLY;BYDAY=MO")).toBe("Every week on Monday");
    expect(describeRule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR")).toBe("Every 2 weeks on Monday, Wednesday and Friday");
    expect(describeRule("FREQ=WEEKLY")).toBe("Every week");
    expect(describeRule("FREQ=MONTHLY;BYMONTHDAY=15")).toBe("Every month on the 15th");
    expect(describeRule("FREQ=MONTHLY;BYMONTHDAY=-1")).toBe("Every month on the last day");
    expect(describeRule("FREQ=MONTHLY;BYDAY=1MO")).toBe("Every month on the first Monday");
    expect(describeRule("FREQ=MONTHLY;BYDAY=-1FR")).toBe("Every month on the last Friday");
    expect(describeRule("FREQ=YEARLY")).toBe("Every year");
    expect(describeRule("FREQ=WEEKLY;BYDAY=TU;COUNT=5")).toBe("Every week on Tuesday, 5 times");
    expect(describeRule("FREQ=DAILY;COUNT=1")).toBe("Every day, once");
    expect(describeRule("FREQ=DAILY;UNTIL=20261231")).toBe("Every day, until 31 Dec 2026");
    expect(describeRule("FREQ=DAILY;UNTIL=20261231T120000Z")).toBe("Every day, until 31 Dec 2026");
  });

  it("leave a rule they cannot say in full to be shown as written", () => {
    expect(describeRule("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")).toBeNull();
    expect(describeRule("FREQ=HOURLY")).toBeNull();
    expect(describeRule("FREQ=WEEKLY;BYDAY=1MO")).toBeNull();
    expect(describeRule("FREQ=DAILY;INTERVAL=0")).toBeNull();
    expect(describeRule("nonsense")).toBeNull();
  });

  it("check a custom rule's shape before sending it", () => {
    expect(customRuleProblem("")).toMatch(/Type a rule/);
    expect(customRuleProblem("every tuesday")).toMatch(/FREQ/);
    expect(customRuleProblem("FREQ=WEEKLY;FREQ=DAILY")).toMatch(/FREQ/);
    expect(customRuleProblem("RRULE:FREQ=WEEKLY;INTERVAL=2")).toBeUndefined();
  });

  it("count in English", () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].map(ordinal)).toEqual([
      "1st",
      "2nd",
      "3rd",
      "4th",
      "11th",
      "12th",
      "13th",
      "21st",
      "22nd",
      "23rd",
      "31st",
    ]);
  });

  it("take the due day from an all-day date or an instant", () => {
    expect(dueDayOf({ due_date: "2026-12-05", due_at: "2026-12-04T23:00:00Z" })?.getDate()).toBe(5);
    expect(dueDayOf({ due_date: null, due_at: null })).toBeNull();
    expect(dueDayOf({ due_date: null, due_at: SATURDAY.toISOString() })?.getDay()).toBe(6);
  });
});
