import { describe, expect, it } from "vitest";

import { inProgress, orderItems, progressOf, summaryOf } from "./progress";

const counts = { status: "running" as const, total: 40, processed: 12, created: 11, failed: 1 };

describe("progressOf", () => {
  it("gives the processed share of the total", () => {
    expect(progressOf(counts)).toEqual({ value: 12, max: 40, percent: 30, text: "12 of 40 items" });
  });

  it("is indeterminate while queued with no total yet", () => {
    expect(progressOf({ ...counts, status: "queued", total: 0, processed: 0 })).toMatchObject({
      value: null,
      text: "Waiting to start…",
    });
  });

  it("is full once done, even with nothing in the file", () => {
    expect(progressOf({ ...counts, status: "done", total: 0, processed: 0 })).toMatchObject({
      value: 1,
      max: 1,
      percent: 100,
    });
    expect(progressOf({ ...counts, status: "done", processed: 40 }).percent).toBe(100);
  });

  it("never goes past the total", () => {
    expect(progressOf({ ...counts, processed: 41 })).toMatchObject({ value: 40, percent: 100 });
  });

  it("says one item, not one items", () => {
    expect(progressOf({ ...counts, total: 1, processed: 0 }).text).toBe("0 of 1 item");
  });
});

describe("summaryOf", () => {
  it("counts what was created and what failed", () => {
    expect(summaryOf({ ...counts, status: "done", created: 38, failed: 2 })).toBe(
      "Done: 38 tasks created; 2 items could not be imported.",
    );
    expect(summaryOf({ ...counts, status: "done", created: 1, failed: 0 })).toBe("Done: 1 task created.");
  });

  it("says when an import stopped", () => {
    expect(summaryOf({ ...counts, status: "failed", created: 0, failed: 0 })).toBe(
      "The import stopped: 0 tasks created.",
    );
  });
});

describe("inProgress", () => {
  it("is true while queued or running only", () => {
    expect(["queued", "running", "done", "failed"].map((s) => inProgress(s as "done"))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("orderItems", () => {
  const items = [
    { position: 1, outcome: "created" as const },
    { position: 2, outcome: "failed" as const },
    { position: 3, outcome: "created" as const },
    { position: 4, outcome: "failed" as const },
  ];

  it("puts failed items first, each group in the file's order", () => {
    expect(orderItems(items, "all").map((item) => item.position)).toEqual([2, 4, 1, 3]);
  });

  it("shows only the chosen outcome", () => {
    expect(orderItems(items, "failed").map((item) => item.position)).toEqual([2, 4]);
    expect(orderItems(items, "created").map((item) => item.position)).toEqual([1, 3]);
  });

  it("leaves the list it was given alone", () => {
    orderItems(items, "all");
    expect(items.map((item) => item.position)).toEqual([1, 2, 3, 4]);
  });
});
