// The live stream's task and comment changes, applied to a cache as screens hold it: lists by
// their filters and order, the open task, comment threads.
import { QueryClient, QueryObserver, type InfiniteData } from "@tanstack/react-query";
import { act, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Schemas } from "../../api/client";
import { clearMarks, markKeys, useMark } from "../../lib/liveMarks";
import { aChange, aTask, ANA, ME } from "../../test/liveChanges";
import { taskKeys, type ListData, type Task, type TaskQuery } from "./api";
import { applyTaskChange, dropProjectTasks, markTaskChange } from "./liveTasks";

type CommentData = InfiniteData<Schemas["CommentsPublic"], string | undefined>;

const NOW = new Date("2026-11-26T12:00:00Z");

function newClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { staleTime: Infinity, retry: false } } });
}

/** A list as a screen holds it: its pages, the last one's cursor saying whether more wait. */
function seedList(client: QueryClient, query: TaskQuery, pages: Task[][], more = false): void {
  const data: ListData = {
    pages: pages.map((items, i) => ({ items, next_cursor: more && i === pages.length - 1 ? "next" : null })),
    pageParams: pages.map((_, i) => (i === 0 ? undefined : `page-${i}`)),
  };
  client.setQueryData(taskKeys.list(query), data);
}

const titles = (client: QueryClient, query: TaskQuery) =>
  client
    .getQueryData<ListData>(taskKeys.list(query))
    ?.pages.map((page) => page.items.map((task) => `${task.title}@${task.version}`));

const created = (task: Task) => aChange("com.taskflow.task.created", { task });
const updated = (task: Task, changed: string[] = ["title"]) =>
  aChange("com.taskflow.task.updated", { task, changed, previous: {} });
const moved = (task: Task, from: Task["status"] = "todo") =>
  aChange("com.taskflow.task.status_changed", { task, previous_status: from });

const TODO: TaskQuery = { project_id: "p1", status: ["todo"] };
const DONE: TaskQuery = { project_id: "p1", status: ["done"] };
const ALL: TaskQuery = { project_id: "p1" };

const a = aTask({ id: "a", title: "A", created_at: "2026-11-20T10:00:00Z" });
const b = aTask({ id: "b", title: "B", created_at: "2026-11-21T10:00:00Z" });
const c = aTask({ id: "c", title: "C", created_at: "2026-11-22T10:00:00Z" });

afterEach(() => clearMarks());

describe("a created task", () => {
  it("enters each list whose filters it matches, in its sorted place, and no other", () => {
    const client = newClient();
    seedList(client, ALL, [[c, a]]);
    seedList(client, DONE, [[]]);
    seedList(client, { ...ALL, sort: "created" }, [[a, c]]);
    applyTaskChange(client, created(b), NOW);
    expect(titles(client, ALL)).toEqual([["C@1", "B@1", "A@1"]]);
    expect(titles(client, { ...ALL, sort: "created" })).toEqual([["A@1", "B@1", "C@1"]]);
    expect(titles(client, DONE)).toEqual([[]]);
  });

  it("is left for a later page when it sorts past the loaded ones and more pages wait", () => {
    const client = newClient();
    seedList(client, { ...ALL, sort: "created" }, [[b, c]], true);
    seedList(client, ALL, [[c, b]]);
    const old = aTask({ id: "z", title: "Z", created_at: "2026-11-01T10:00:00Z" });
    applyTaskChange(client, created(old), NOW);
    // First among the oldest-first list's loaded ones; last of the newest-first list, which is whole.
    expect(titles(client, { ...ALL, sort: "created" })).toEqual([["Z@1", "B@1", "C@1"]]);
    expect(titles(client, ALL)).toEqual([["C@1", "B@1", "Z@1"]]);
    const newest = aTask({ id: "y", title: "Y", created_at: "2026-11-30T10:00:00Z" });
    applyTaskChange(client, created(newest), NOW);
    expect(titles(client, { ...ALL, sort: "created" })).toEqual([["Z@1", "B@1", "C@1"]]);
  });

  it("is placed by priority, by due date (none last), and by assignee, label and due filters", () => {
    const client = newClient();
    const urgent = aTask({ id: "u", title: "Urgent", priority: "urgent", due_at: "2026-11-27T09:00:00Z" });
    const low = aTask({ id: "l", title: "Low", priority: "low", due_at: null });
    seedList(client, { ...ALL, sort: "-priority" }, [[urgent, low]]);
    seedList(client, { ...ALL, sort: "due" }, [[urgent, low]]);
    seedList(client, { ...ALL, assignee_id: ME }, [[]]);
    seedList(client, { ...ALL, label: "docs" }, [[]]);
    seedList(client, { ...ALL, due_after: "2026-11-26T00:00:00Z", due_before: "2026-11-27T00:00:00Z" }, [[]]);
    seedList(client, { ...ALL, overdue: true }, [[]]);
    const high = aTask({
      id: "h",
      title: "High",
      priority: "high",
      due_at: "2026-11-26T10:00:00Z",
      assignee_id: ME,
      labels: ["docs"],
    });
    applyTaskChange(client, created(high), NOW);
    expect(titles(client, { ...ALL, sort: "-priority" })).toEqual([["Urgent@1", "High@1", "Low@1"]]);
    expect(titles(client, { ...ALL, sort: "due" })).toEqual([["High@1", "Urgent@1", "Low@1"]]);
    expect(titles(client, { ...ALL, assignee_id: ME })).toEqual([["High@1"]]);
    expect(titles(client, { ...ALL, label: "docs" })).toEqual([["High@1"]]);
    expect(titles(client, { ...ALL, due_after: "2026-11-26T00:00:00Z", due_before: "2026-11-27T00:00:00Z" })).toEqual([
      ["High@1"],
    ]);
    expect(titles(client, { ...ALL, overdue: true })).toEqual([["High@1"]]);
  });

  it("is not added twice when the same change, or the caller's own save, arrives again", () => {
    const client = newClient();
    seedList(client, ALL, [[a]]);
    const change = created(b);
    applyTaskChange(client, change, NOW);
    const once = client.getQueryData(taskKeys.list(ALL));
    applyTaskChange(client, change, NOW);
    applyTaskChange(client, created(b), NOW);
    expect(client.getQueryData(taskKeys.list(ALL))).toBe(once);
    expect(titles(client, ALL)).toEqual([["B@1", "A@1"]]);
  });
});

describe("an updated task", () => {
  it("moves between status lists and replaces the open task, once, whatever arrives twice", () => {
    const client = newClient();
    seedList(client, TODO, [[b, a]]);
    seedList(client, DONE, [[]]);
    client.setQueryData(taskKeys.detail("b"), b);
    const done = { ...b, status: "done" as const, version: 2 };
    applyTaskChange(client, moved(done), NOW);
    // One save of title and status is two events carrying the same snapshot.
    applyTaskChange(client, updated(done), NOW);
    expect(titles(client, TODO)).toEqual([["A@1"]]);
    expect(titles(client, DONE)).toEqual([["B@2"]]);
    expect(client.getQueryData(taskKeys.detail("b"))).toEqual(done);
  });

  it("changes nothing when its version is not newer than the cached one", () => {
    const client = newClient();
    const newer = { ...b, title: "B, newer", version: 3 };
    seedList(client, TODO, [[newer, a]]);
    seedList(client, DONE, [[]]);
    client.setQueryData(taskKeys.detail("b"), newer);
    const before = [client.getQueryData(taskKeys.list(TODO)), client.getQueryData(taskKeys.list(DONE))];
    applyTaskChange(client, moved({ ...b, status: "done", version: 2 }), NOW);
    applyTaskChange(client, updated({ ...b, title: "B, again", version: 3 }), NOW);
    expect([client.getQueryData(taskKeys.list(TODO)), client.getQueryData(taskKeys.list(DONE))]).toEqual(before);
    expect(client.getQueryData(taskKeys.list(TODO))).toBe(before[0]);
    expect(client.getQueryData(taskKeys.detail("b"))).toBe(newer);
  });

  it("leaves a list whose assignee, label, due or overdue filter it no longer matches", () => {
    const client = newClient();
    const mine = aTask({ id: "m", title: "M", assignee_id: ME, labels: ["docs"], due_at: "2026-11-20T09:00:00Z" });
    const lists: TaskQuery[] = [
      { ...ALL, assignee_id: ME },
      { ...ALL, label: "docs" },
      { ...ALL, overdue: true },
      { ...ALL, due_before: "2026-11-21T00:00:00Z" },
    ];
    for (const query of lists) seedList(client, query, [[mine]]);
    const changed = { ...mine, assignee_id: null, labels: [], due_at: "2026-12-24T09:00:00Z", version: 2 };
    applyTaskChange(client, updated(changed, ["assignee_id", "labels", "due_at"]), NOW);
    for (const query of lists) expect(titles(client, query)).toEqual([[]]);
  });

  it("keeps its place when its order holds, and moves to the top of a recently-updated list", () => {
    const client = newClient();
    seedList(client, ALL, [[c, b, a]]);
    seedList(client, { ...ALL, sort: "-updated" }, [[c, b, a]]);
    const renamed = { ...a, title: "A, renamed", version: 2, updated_at: "2026-11-26T11:00:00Z" };
    applyTaskChange(client, updated(renamed), NOW);
    expect(titles(client, ALL)).toEqual([["C@1", "B@1", "A, renamed@2"]]);
    expect(titles(client, { ...ALL, sort: "-updated" })).toEqual([["A, renamed@2", "C@1", "B@1"]]);
  });

  it("asks the server again for a searched list alone, keeping the others patched", async () => {
    const client = newClient();
    const searched: TaskQuery = { ...ALL, q: "notes" };
    seedList(client, searched, [[b]]);
    seedList(client, ALL, [[b]]);
    const renamed = { ...b, title: "Ship it", version: 2 };
    applyTaskChange(client, updated(renamed), NOW);
    expect(client.getQueryState(taskKeys.list(searched))?.isInvalidated).toBe(true);
    expect(client.getQueryState(taskKeys.list(ALL))?.isInvalidated).toBe(false);
    // Shown with its new title until the server says whether it still matches.
    expect(titles(client, searched)).toEqual([["Ship it@2"]]);
    expect(titles(client, ALL)).toEqual([["Ship it@2"]]);
  });

  it("does not come back into a list after a newer version took it out", () => {
    const client = newClient();
    seedList(client, TODO, [[a]]);
    seedList(client, DONE, [[]]);
    applyTaskChange(client, moved({ ...a, status: "done", version: 3 }), NOW);
    // A late copy of an older change.
    applyTaskChange(client, updated({ ...a, title: "Old", version: 2 }), NOW);
    expect(titles(client, TODO)).toEqual([[]]);
    expect(titles(client, DONE)).toEqual([["A@3"]]);
  });
});

describe("a deleted task", () => {
  it("leaves every list; its task and comments go unless a panel shows them", () => {
    const client = newClient();
    seedList(client, TODO, [[b, a]]);
    seedList(client, ALL, [[b, a]]);
    client.setQueryData(taskKeys.detail("a"), a);
    client.setQueryData(taskKeys.detail("b"), b);
    const open = new QueryObserver(client, { queryKey: taskKeys.detail("b"), enabled: false });
    const unsubscribe = open.subscribe(() => undefined);
    applyTaskChange(client, aChange("com.taskflow.task.deleted", { task: a }), NOW);
    applyTaskChange(client, aChange("com.taskflow.task.deleted", { task: b }), NOW);
    expect(titles(client, TODO)).toEqual([[]]);
    expect(titles(client, ALL)).toEqual([[]]);
    expect(client.getQueryData(taskKeys.detail("a"))).toBeUndefined();
    expect(client.getQueryData(taskKeys.detail("b"))).toEqual(b);
    unsubscribe();
    // A change to it that arrives late does not bring it back.
    applyTaskChange(client, updated({ ...a, version: 9 }), NOW);
    expect(titles(client, ALL)).toEqual([[]]);
  });

  it("leaves its project's lists and tasks when the project is dropped", () => {
    const client = newClient();
    const elsewhere = aTask({ id: "x", project_id: "p2" });
    seedList(client, TODO, [[a]]);
    seedList(client, {}, [[elsewhere, a]]);
    client.setQueryData(taskKeys.detail("a"), a);
    client.setQueryData(taskKeys.comments("a"), { pages: [{ items: [], next_cursor: null }], pageParams: [undefined] });
    dropProjectTasks(client, "p1");
    expect(client.getQueryData(taskKeys.list(TODO))).toBeUndefined();
    expect(client.getQueryData(taskKeys.detail("a"))).toBeUndefined();
    expect(client.getQueryData(taskKeys.comments("a"))).toBeUndefined();
    expect(client.getQueryData<ListData>(taskKeys.list({}))?.pages[0]?.items).toEqual([elsewhere]);
  });
});

describe("comments", () => {
  const thread = (client: QueryClient, more = false) =>
    client.setQueryData<CommentData>(taskKeys.comments("a"), {
      pages: [
        {
          items: [
            {
              id: "c1",
              task_id: "a",
              author_id: ME,
              author_name: "Me",
              body: "First",
              created_at: "2026-11-25T10:00:00Z",
              updated_at: "2026-11-25T10:00:00Z",
              edited_at: null,
            },
          ],
          next_cursor: more ? "more" : null,
        },
      ],
      pageParams: [undefined],
    });
  const bodies = (client: QueryClient) =>
    client
      .getQueryData<CommentData>(taskKeys.comments("a"))
      ?.pages.flatMap((page) => page.items.map((comment) => `${comment.author_name}: ${comment.body}`));
  const added = (id: string, body: string) =>
    aChange("com.taskflow.comment.added", {
      task: a,
      comment_id: id,
      author_id: ANA,
      excerpt: body,
      body,
      created_at: "2026-11-26T10:00:00Z",
    });

  it("join the end of their task's thread once, with their author, and leave it when deleted", () => {
    const client = newClient();
    thread(client);
    const change = added("c2", "Looks good");
    applyTaskChange(client, change, NOW);
    applyTaskChange(client, change, NOW);
    applyTaskChange(client, added("c2", "Looks good"), NOW);
    expect(bodies(client)).toEqual(["Me: First", "Ana: Looks good"]);
    applyTaskChange(client, aChange("com.taskflow.comment.deleted", { task: a, comment_id: "c1", author_id: ME }), NOW);
    expect(bodies(client)).toEqual(["Ana: Looks good"]);
  });

  it("take an edit in place, with when it was edited", () => {
    const client = newClient();
    thread(client);
    const edited = aChange("com.taskflow.comment.updated", {
      task: a,
      comment_id: "c1",
      author_id: ME,
      excerpt: "First, amended",
      body: "First, amended",
      edited_at: "2026-11-26T11:00:00Z",
    });
    applyTaskChange(client, edited, NOW);
    expect(bodies(client)).toEqual(["Me: First, amended"]);
    const [comment] = client.getQueryData<CommentData>(taskKeys.comments("a"))?.pages[0]?.items ?? [];
    expect(comment?.edited_at).toBe("2026-11-26T11:00:00Z");
  });

  it("wait for their page when older ones are still to load", () => {
    const client = newClient();
    thread(client, true);
    applyTaskChange(client, added("c3", "Later"), NOW);
    expect(bodies(client)).toEqual(["Me: First"]);
  });
});

describe("marks on screen", () => {
  it("mark what someone else changed, with who did it, and never the person's own changes", () => {
    const view = renderHook(() => useMark(markKeys.task("a")));
    // Seen by Ana herself: nothing to point out.
    act(() => markTaskChange(moved({ ...a, status: "done", version: 2 }), ANA));
    expect(view.result.current).toBeNull();
    act(() => markTaskChange(moved({ ...a, status: "review", version: 2 }), ME));
    expect(view.result.current).toEqual({ by: "Ana", text: "Ana moved this to In review" });
  });
});

describe("subtasks, relations and files", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("list a new subtask under its parent and fetch the parent's counts where it is shown", async () => {
    const client = newClient();
    const parent = aTask({ id: "p", title: "Parent", subtask_count: 1, subtasks_done: 0 });
    const subtasks: TaskQuery = { parent_id: "p", sort: "created", limit: 100 };
    seedList(client, ALL, [[parent, a]]);
    seedList(client, subtasks, [[]]);
    const counted = { ...parent, subtask_count: 2, subtasks_done: 1 };
    const fetch = vi.fn(
      async () => new Response(JSON.stringify(counted), { headers: { "Content-Type": "application/json" } }),
    );
    vi.stubGlobal("fetch", fetch);

    const child = aTask({ id: "s", title: "Child", parent_id: "p", status: "done" });
    applyTaskChange(client, created(child), NOW);
    // A task of another parent does not join this checklist.
    applyTaskChange(client, created(aTask({ id: "x", title: "Other", parent_id: "q" })), NOW);

    expect(titles(client, subtasks)).toEqual([["Child@1"]]);
    const shown = () => client.getQueryData<ListData>(taskKeys.list(ALL))?.pages[0]?.items.find((t) => t.id === "p");
    await expect.poll(() => shown()?.subtasks_done).toBe(1);
    expect(shown()?.subtask_count).toBe(2);
    // The other parent is shown nowhere: nothing is fetched for it.
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("fetch the counts of a moved subtask's old parent as well as its new one", async () => {
    const client = newClient();
    const before = aTask({ id: "old", title: "Old parent", subtask_count: 1, subtasks_done: 0 });
    const after = aTask({ id: "new", title: "New parent" });
    seedList(client, ALL, [[before, after]]);
    const fetched: string[] = [];
    vi.stubGlobal("fetch", async (request: Request) => {
      const id = new URL(request.url).pathname.split("/").pop() ?? "";
      fetched.push(id);
      const counts = id === "old" ? { ...before, subtask_count: 0 } : { ...after, subtask_count: 1 };
      return new Response(JSON.stringify(counts), { headers: { "Content-Type": "application/json" } });
    });

    const moved = aTask({ id: "s", title: "Child", parent_id: "new", version: 2 });
    applyTaskChange(
      client,
      aChange("com.taskflow.task.updated", { task: moved, changed: ["parent_id"], previous: { parent_id: "old" } }),
      NOW,
    );

    const shown = (id: string) =>
      client.getQueryData<ListData>(taskKeys.list(ALL))?.pages[0]?.items.find((t) => t.id === id);
    await expect.poll(() => shown("old")?.subtask_count).toBe(0);
    await expect.poll(() => shown("new")?.subtask_count).toBe(1);
    expect(fetched.sort()).toEqual(["new", "old"]);
  });

  it("refetch both tasks' relations, and a task's files, when someone changes them", () => {
    const client = newClient();
    for (const key of [taskKeys.relations("a"), taskKeys.relations("b"), taskKeys.attachments("a")]) {
      client.setQueryData(key, []);
    }
    const relation = { id: "r", task_id: "a", related_id: "b", kind: "blocks" };
    applyTaskChange(client, aChange("com.taskflow.task.relation_added", { task: a, relation }), NOW);
    expect(client.getQueryState(taskKeys.relations("a"))?.isInvalidated).toBe(true);
    expect(client.getQueryState(taskKeys.relations("b"))?.isInvalidated).toBe(true);
    expect(client.getQueryState(taskKeys.attachments("a"))?.isInvalidated).toBe(false);

    const attachment = {
      id: "f",
      task_id: "a",
      filename: "plan.pdf",
      content_type: "application/pdf",
      size: 10,
      uploader_id: ANA,
      created_at: "2026-11-26T10:00:00Z",
    };
    applyTaskChange(client, aChange("com.taskflow.attachment.added", { task: a, attachment }), NOW);
    expect(client.getQueryState(taskKeys.attachments("a"))?.isInvalidated).toBe(true);

    const view = renderHook(() => useMark(markKeys.task("a")));
    act(() => markTaskChange(aChange("com.taskflow.attachment.added", { task: a, attachment }), ME));
    expect(view.result.current).toEqual({ by: "Ana", text: "Ana attached a file" });
  });
});
