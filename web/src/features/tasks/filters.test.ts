import { describe, expect, it } from "vitest";

import { aTask } from "../../test/liveChanges";
import {
  DEFAULT_FILTERS,
  belongsInList,
  clearFilters,
  compareTasks,
  instant,
  isFiltered,
  parseFilters,
  toTaskQuery,
  writeFilters,
  type Filters,
} from "./filters";

const ME = "0b7e7a4e-3f43-4d7b-9a53-2f0d2c8f7a11";
const OTHER = "5f2c1d9e-8a6b-4c3d-b2e1-0a9f8e7d6c5b";
const PROJECT = "9d0c8b7a-6f5e-4d3c-a2b1-c0d9e8f7a6b5";
// A Thursday, mid-afternoon, local time.
const NOW = new Date(2026, 10, 26, 15, 30);
const context = { projectId: PROJECT, userId: ME, now: NOW };

const params = (search: string) => new URLSearchParams(search);

describe("task filters in the address", () => {
  it("reads an empty address as the defaults", () => {
    expect(parseFilters(params(""))).toEqual(DEFAULT_FILTERS);
  });

  it("writes nothing for the defaults", () => {
    expect(writeFilters(DEFAULT_FILTERS).toString()).toBe("");
  });

  it("round-trips every filter, several statuses and priorities included", () => {
    const filters: Filters = {
      status: ["todo", "review"],
      priority: ["urgent", "low"],
      assignee: OTHER,
      label: "backend",
      due: "week",
      q: "release notes",
      sort: "due",
    };
    const written = writeFilters(filters);
    expect(written.getAll("status")).toEqual(["todo", "review"]);
    expect(written.getAll("priority")).toEqual(["urgent", "low"]);
    expect(parseFilters(params(written.toString()))).toEqual(filters);
  });

  it("round-trips the address in a canonical order, whatever order it came in", () => {
    const messy = params("status=done&status=todo&priority=low&priority=high&sort=-priority");
    const canonical = writeFilters(parseFilters(messy)).toString();
    expect(canonical).toBe("status=todo&status=done&priority=high&priority=low&sort=-priority");
    expect(writeFilters(parseFilters(params(canonical))).toString()).toBe(canonical);
  });

  it("ignores values the API would refuse", () => {
    const filters = parseFilters(
      params(`status=todo&status=nope&priority=critical&assignee=bob&due=someday&sort=random&label=${"x".repeat(51)}`),
    );
    expect(filters).toEqual({ ...DEFAULT_FILTERS, status: ["todo"] });
  });

  it("counts a repeated value once", () => {
    expect(parseFilters(params("status=todo&status=todo&priority=high&priority=high"))).toMatchObject({
      status: ["todo"],
      priority: ["high"],
    });
  });

  it("trims text and drops it when only spaces are left", () => {
    expect(parseFilters(params("q=%20%20docs%20&label=%20%20"))).toMatchObject({ q: "docs", label: "" });
    expect(writeFilters({ ...DEFAULT_FILTERS, q: "   " }).toString()).toBe("");
  });

  it("keeps the view and the open task when filters change", () => {
    const written = writeFilters({ ...DEFAULT_FILTERS, due: "overdue" }, params("view=board&task=abc&status=done"));
    expect(written.toString()).toBe("view=board&task=abc&due=overdue");
  });

  it("accepts 'me' and member ids as the assignee", () => {
    expect(parseFilters(params("assignee=me")).assignee).toBe("me");
    expect(parseFilters(params(`assignee=${OTHER.toUpperCase()}`)).assignee).toBe(OTHER);
  });

  it("treats the order as no filter, and keeps it when filters are cleared", () => {
    const sorted = { ...DEFAULT_FILTERS, sort: "-priority" as const };
    expect(isFiltered(sorted)).toBe(false);
    expect(isFiltered({ ...sorted, label: "ops" })).toBe(true);
    expect(clearFilters({ ...sorted, status: ["done"], q: "x" })).toEqual(sorted);
  });
});

describe("the API query for the filters", () => {
  it("asks only for the project when nothing is set", () => {
    expect(toTaskQuery(DEFAULT_FILTERS, context)).toEqual({ project_id: PROJECT });
  });

  it("passes each filter under the API's name, with 'me' as the user's id", () => {
    const query = toTaskQuery(
      {
        status: ["in_progress"],
        priority: ["high"],
        assignee: "me",
        label: "ops",
        due: null,
        q: "deploy",
        sort: "-updated",
      },
      context,
    );
    expect(query).toEqual({
      project_id: PROJECT,
      status: ["in_progress"],
      priority: ["high"],
      assignee_id: ME,
      label: "ops",
      q: "deploy",
      sort: "-updated",
    });
  });

  it("asks the server for overdue tasks rather than computing a date", () => {
    expect(toTaskQuery({ ...DEFAULT_FILTERS, due: "overdue" }, context)).toEqual({
      project_id: PROJECT,
      overdue: true,
    });
  });

  it("turns 'due today' into today's local day, its first moment included", () => {
    const query = toTaskQuery({ ...DEFAULT_FILTERS, due: "today" }, context);
    expect(new Date(query.due_after ?? "").getTime()).toBe(new Date(2026, 10, 26).getTime() - 1);
    expect(new Date(query.due_before ?? "").getTime()).toBe(new Date(2026, 10, 27).getTime());
  });

  it("turns 'due this week' into today through Sunday", () => {
    const query = toTaskQuery({ ...DEFAULT_FILTERS, due: "week" }, context);
    expect(new Date(query.due_after ?? "").getTime()).toBe(new Date(2026, 10, 26).getTime() - 1);
    // Thursday the 26th: the week ends as Sunday the 29th does (before Monday the 30th).
    expect(new Date(query.due_before ?? "").getTime()).toBe(new Date(2026, 10, 30).getTime());
    const sunday = toTaskQuery({ ...DEFAULT_FILTERS, due: "week" }, { ...context, now: new Date(2026, 10, 29, 22) });
    expect(new Date(sunday.due_before ?? "").getTime()).toBe(new Date(2026, 10, 30).getTime());
  });

  it("gives the same query all day long, so the list is not fetched again", () => {
    const morning = toTaskQuery({ ...DEFAULT_FILTERS, due: "today" }, { ...context, now: new Date(2026, 10, 26, 8) });
    const evening = toTaskQuery(
      { ...DEFAULT_FILTERS, due: "today" },
      { ...context, now: new Date(2026, 10, 26, 23, 59) },
    );
    expect(evening).toEqual(morning);
  });
});

describe("a task against a list's query, on the client", () => {
  it("orders instants to the microsecond, whether or not they have a fraction", () => {
    expect(instant("2026-11-26T10:00:00Z")).toBeLessThan(instant("2026-11-26T10:00:00.000001Z"));
    expect(instant("2026-11-26T10:00:00.5Z")).toBe(instant("2026-11-26T10:00:00.500000+00:00"));
  });

  it("treats due bounds as exclusive and a task without a due date as outside them", () => {
    const due = aTask({ due_at: "2026-11-26T10:00:00Z" });
    expect(belongsInList(due, { due_after: "2026-11-26T09:59:59Z", due_before: "2026-11-26T10:00:01Z" })).toBe(true);
    expect(belongsInList(due, { due_before: "2026-11-26T10:00:00Z" })).toBe(false);
    expect(belongsInList(aTask(), { due_after: "2026-11-01T00:00:00Z" })).toBe(false);
  });

  it("counts only open tasks past their due moment as overdue", () => {
    const now = new Date("2026-11-27T00:00:00Z");
    const late = aTask({ due_at: "2026-11-26T10:00:00Z" });
    expect(belongsInList(late, { overdue: true }, now)).toBe(true);
    expect(belongsInList({ ...late, status: "done" }, { overdue: true }, now)).toBe(false);
    expect(belongsInList({ ...late, status: "done" }, { overdue: false }, now)).toBe(true);
  });

  it("leaves a text search to the server", () => {
    expect(belongsInList(aTask(), { q: "notes" })).toBeNull();
    expect(belongsInList(aTask({ status: "done" }), { q: "notes", status: ["todo"] })).toBe(false);
  });

  it("sorts as the server does: by the key, then by id, both in the sort's direction; no due date last", () => {
    const a = aTask({ id: "a", due_at: null, priority: "high" });
    const b = aTask({ id: "b", due_at: "2026-12-01T00:00:00Z", priority: "high" });
    expect([a, b].sort((x, y) => compareTasks(x, y, "due")).map((t) => t.id)).toEqual(["b", "a"]);
    expect([a, b].sort((x, y) => compareTasks(x, y, "-priority")).map((t) => t.id)).toEqual(["b", "a"]);
    expect([b, a].sort((x, y) => compareTasks(x, y, "priority")).map((t) => t.id)).toEqual(["a", "b"]);
    expect(compareTasks(a, b, "-priority", false)).toBe(0);
  });
});

describe("belongsInList and the yes/no filters", () => {
  it("open, unassigned and no_due_date decide as the server does", () => {
    const base = aTask({ status: "todo", assignee_id: null, due_at: null });
    expect(belongsInList({ ...base }, { open: true })).toBe(true);
    expect(belongsInList({ ...base, status: "done" }, { open: true })).toBe(false);
    expect(belongsInList({ ...base, status: "cancelled" }, { open: false })).toBe(true);
    expect(belongsInList({ ...base }, { unassigned: true })).toBe(true);
    expect(belongsInList({ ...base, assignee_id: "u" }, { unassigned: true })).toBe(false);
    expect(belongsInList({ ...base }, { no_due_date: true })).toBe(true);
    expect(belongsInList({ ...base, due_at: "2026-12-05T23:59:59Z" }, { no_due_date: true })).toBe(false);
  });
});
