// A history entry in words, on a task's own timeline and on its project's page.
import { describe as suite, expect, it } from "vitest";

import { describe, timeAgo, type ActivityEntry, type Wording } from "./wording";

const ANA = "0b7e7a4e-3f43-4d7b-9a53-2f0d2c8f7a11";
const BEN = "5f2c1d9e-8a6b-4c3d-b2e1-0a9f8e7d6c5b";
const CY = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d";
const GONE = "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b";
const NAMES = new Map([
  [ANA, "Ana"],
  [BEN, "Ben"],
  [CY, "Cy"],
]);

const onTask: Wording = { onTask: true, nameOf: (id) => NAMES.get(id) };
const onProject: Wording = { onTask: false, nameOf: (id) => NAMES.get(id) };

type Change = ActivityEntry["changes"][number];

function entry(kind: ActivityEntry["kind"], changes: Change[] = [], extra: Partial<ActivityEntry> = {}): ActivityEntry {
  return {
    id: "e1",
    project_id: "p1",
    task_id: "t1",
    task_title: "Write the post",
    actor_id: ANA,
    actor_name: "Ana",
    kind,
    changes,
    comment_id: null,
    excerpt: null,
    occurred_at: "2026-11-20T10:00:00Z",
    ...extra,
  };
}

const change = (field: string, before: Change["before"], after: Change["after"]): Change => ({ field, before, after });
const byBen = { actor_id: BEN, actor_name: "Ben" };

suite("an entry in words", () => {
  const onItsTask: [ActivityEntry, string][] = [
    [entry("created"), "Ana created this"],
    [entry("deleted"), "Ana deleted this"],
    [
      entry("status_changed", [change("status", "todo", "in_progress")], byBen),
      "Ben moved this from To do to In progress",
    ],
    [entry("assigned", [change("assignee_id", null, BEN)]), "Ana assigned this to Ben"],
    [entry("assigned", [change("assignee_id", BEN, CY)]), "Ana reassigned this from Ben to Cy"],
    [entry("assigned", [change("assignee_id", null, ANA)]), "Ana assigned this to themselves"],
    [entry("updated", [change("assignee_id", BEN, null)]), "Ana unassigned Ben"],
    [
      entry("updated", [change("title", "Draft", "Write the post")]),
      "Ana renamed this from “Draft” to “Write the post”",
    ],
    [entry("updated", [change("due_at", "2030-03-01T17:00:00Z", "2030-03-02T17:00:00Z")]), "Ana changed the due date"],
    [entry("updated", [change("due_at", null, "2030-03-02T17:00:00Z")]), "Ana set the due date"],
    [entry("updated", [change("due_at", "2030-03-02T17:00:00Z", null)]), "Ana removed the due date"],
    [
      entry("updated", [change("due_at", null, "2030-03-02T23:59:59Z"), change("due_date", null, "2030-03-02")]),
      "Ana set the due date",
    ],
    [entry("updated", [change("due_date", "2030-03-02", null)]), "Ana removed the due date"],
    [entry("updated", [change("priority", "medium", "urgent")]), "Ana changed the priority from Medium to Urgent"],
    [entry("updated", [change("description", "", "Two paragraphs")]), "Ana added a description"],
    [entry("updated", [change("description", "Two", "Three paragraphs")]), "Ana changed the description"],
    [
      entry("updated", [change("labels", ["docs"], ["docs", "launch", "web"])]),
      "Ana added the labels “launch” and “web”",
    ],
    [
      entry("updated", [change("labels", ["docs", "old"], ["new"])]),
      "Ana added the label “new” and removed the labels “docs” and “old”",
    ],
    [entry("updated", [change("labels", null, ["new"])]), "Ana changed the labels"],
    [
      entry("updated", [
        change("title", "Draft", "Write the post"),
        change("priority", "low", "high"),
        change("due_at", null, "2030-03-01T17:00:00Z"),
      ]),
      "Ana renamed this from “Draft” to “Write the post”, changed the priority from Low to High and set the due date",
    ],
    [
      entry("comment_added", [], { ...byBen, excerpt: "Draft is in the doc." }),
      "Ben commented: “Draft is in the doc.”",
    ],
    [entry("comment_added", [], byBen), "Ben commented"],
    [entry("comment_deleted", [], byBen), "Ben deleted a comment"],
    [entry("created", [], { actor_id: null, actor_name: null }), "Someone created this"],
    [entry("assigned", [change("assignee_id", null, GONE)]), "Ana assigned this to someone"],
  ];
  it.each(onItsTask.map(([value, words]) => [words, value] as const))("on its task: %s", (words, value) => {
    expect(describe(value, onTask)).toBe(words);
  });

  const onItsProject: [ActivityEntry, string][] = [
    [entry("created"), "Ana created “Write the post”"],
    [
      entry("status_changed", [change("status", "review", "done")], byBen),
      "Ben moved “Write the post” from In review to Done",
    ],
    [entry("assigned", [change("assignee_id", null, BEN)]), "Ana assigned “Write the post” to Ben"],
    [entry("updated", [change("title", "Draft", "Write the post")]), "Ana renamed “Draft” to “Write the post”"],
    [entry("updated", [change("due_at", null, "2030-03-01T17:00:00Z")]), "Ana set the due date on “Write the post”"],
    [entry("updated", [change("assignee_id", BEN, null)]), "Ana unassigned Ben on “Write the post”"],
    [entry("comment_added", [], { ...byBen, excerpt: "Done." }), "Ben commented on “Write the post”: “Done.”"],
    [entry("comment_deleted", [], byBen), "Ben deleted a comment on “Write the post”"],
    [entry("deleted"), "Ana deleted “Write the post”"],
  ];
  it.each(onItsProject.map(([value, words]) => [words, value] as const))(
    "on its project's page: %s",
    (words, value) => {
      expect(describe(value, onProject)).toBe(words);
    },
  );
});

suite("timeAgo", () => {
  const now = Date.parse("2026-11-20T10:00:00Z");
  it.each([
    ["2026-11-20T09:59:30Z", "just now"],
    ["2026-11-20T09:58:00Z", "2 minutes ago"],
    ["2026-11-20T07:00:00Z", "3 hours ago"],
    ["2026-11-19T10:00:00Z", "yesterday"],
    ["2026-11-06T10:00:00Z", "2 weeks ago"],
  ])("%s is %s", (iso, words) => {
    expect(timeAgo(iso, now)).toBe(words);
  });
});
