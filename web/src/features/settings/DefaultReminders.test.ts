import { describe, expect, it } from "vitest";

import { reminderLabel } from "./DefaultReminders";

describe("a default reminder in words", () => {
  it("says how long before the due time, in the largest units that fit", () => {
    expect(reminderLabel(0)).toBe("At the due time");
    expect(reminderLabel(1)).toBe("1 minute before");
    expect(reminderLabel(15)).toBe("15 minutes before");
    expect(reminderLabel(60)).toBe("1 hour before");
    expect(reminderLabel(90)).toBe("1 hour 30 minutes before");
    expect(reminderLabel(2880)).toBe("2 days before");
    expect(reminderLabel(10080)).toBe("1 week before");
    expect(reminderLabel(11580)).toBe("1 week 1 day 1 hour before");
  });
});
