// The live stream's task and comment changes, applied in place to the cached task lists, tasks
// and comment threads (no refetch, but for a searched list, whose matching is the server's);
// and marked on screen when someone else made them.
import type { InfiniteData, QueryClient } from "@tanstack/react-query";

import type { Schemas } from "../../api/client";
import {
  ATTACHMENT_ADDED,
  ATTACHMENT_DELETED,
  COMMENT_ADDED,
  COMMENT_DELETED,
  COMMENT_UPDATED,
  RELATION_ADDED,
  RELATION_REMOVED,
  TASK_ASSIGNED,
  TASK_CREATED,
  TASK_DELETED,
  TASK_STATUS_CHANGED,
  TASK_UPDATED,
  taskOf,
  type LiveChange,
} from "../../api/liveChanges";
import { statusLabel } from "../../lib/labels";
import { mark, markDeleted, markKeys, noteAuthor } from "../../lib/liveMarks";
import {
  placeInPages,
  refreshCounts,
  removeFromLists,
  taskKeys,
  type ListData,
  type Task,
  type TaskQuery,
} from "./api";
import { belongsInList } from "./filters";
import { watcherKeys } from "./TaskWatchers";

type Comment = Schemas["CommentPublic"];
type CommentData = InfiniteData<Schemas["CommentsPublic"], string | undefined>;
type CommentAdded = Extract<LiveChange, { type: typeof COMMENT_ADDED }>;
type CommentUpdated = Extract<LiveChange, { type: typeof COMMENT_UPDATED }>;

// The changes that may move a parent's subtask counts (an added, finished or moved subtask).
const COUNTED: ReadonlySet<string> = new Set([TASK_CREATED, TASK_STATUS_CHANGED, TASK_UPDATED]);

// The newest version of each task the stream has brought, per cache: a late or repeated
// snapshot never undoes a newer one, and a deleted task (Infinity) never comes back.
const versions = new WeakMap<QueryClient, Map<string, number>>();

function versionsOf(client: QueryClient): Map<string, number> {
  let known = versions.get(client);
  if (!known) versions.set(client, (known = new Map()));
  return known;
}

const findIn = (data: ListData, taskId: string): Task | undefined =>
  data.pages.flatMap((page) => page.items).find((item) => item.id === taskId);

/** The newest version of the task anywhere in the cache or the stream so far; -1 if none. */
function knownVersion(client: QueryClient, taskId: string): number {
  let known = versionsOf(client).get(taskId) ?? -1;
  const detail = client.getQueryData<Task>(taskKeys.detail(taskId));
  if (detail) known = Math.max(known, detail.version);
  for (const [, data] of client.getQueriesData<ListData>({ queryKey: taskKeys.lists })) {
    const item = data && findIn(data, taskId);
    if (item) known = Math.max(known, item.version);
  }
  return known;
}

/**
 * A task's snapshot in every cache that shows it: the open task, and each list, where its
 * filters and order put it. Idempotent: a cache holding this version or a newer one is left
 * alone, and a list that does not show the task takes it only if the version is news.
 */
export function applyTaskSnapshot(client: QueryClient, task: Task, now: Date = new Date()): void {
  const known = knownVersion(client, task.id);
  versionsOf(client).set(task.id, Math.max(known, task.version));
  client.setQueryData<Task>(taskKeys.detail(task.id), (current) =>
    current && current.version < task.version ? task : current,
  );
  for (const [key, data] of client.getQueriesData<ListData>({ queryKey: taskKeys.lists })) {
    if (!data) continue;
    const shown = findIn(data, task.id);
    if (shown ? shown.version >= task.version : task.version <= known) continue;
    const query = (key[2] ?? {}) as TaskQuery;
    const next = placeInPages(data, task, query, now);
    if (next !== data) client.setQueryData<ListData>(key, next);
    // Whether it matches a search is the server's to say: ask it, for this list alone.
    const sameProject = !query.project_id || query.project_id === task.project_id;
    if (sameProject && belongsInList(task, query, now) === null) {
      void client.invalidateQueries({ queryKey: key, exact: true });
    }
  }
}

/** A deleted task leaves every list; its cached task and comments go once nothing shows them. */
export function removeTask(client: QueryClient, taskId: string): void {
  versionsOf(client).set(taskId, Number.POSITIVE_INFINITY);
  removeFromLists(client, taskId);
  for (const key of [taskKeys.detail(taskId), taskKeys.comments(taskId)]) {
    // An open panel keeps what it shows, and says the task is gone (see TaskDetail).
    const query = client.getQueryCache().find({ queryKey: key, exact: true });
    if (query && query.getObserversCount() === 0) client.removeQueries({ queryKey: key, exact: true });
  }
}

function withComment(data: CommentData, comment: Comment): CommentData {
  if (data.pages.some((page) => page.items.some((item) => item.id === comment.id))) return data;
  // Oldest first: a new comment belongs at the end of what is loaded, unless more pages wait.
  const last = data.pages[data.pages.length - 1];
  if (!last || last.next_cursor) return data;
  return { ...data, pages: [...data.pages.slice(0, -1), { ...last, items: [...last.items, comment] }] };
}

function addComment(client: QueryClient, change: CommentAdded): void {
  const { task, comment_id, author_id, body, created_at } = change.data;
  const key = taskKeys.comments(task.id);
  if (!client.getQueryData<CommentData>(key)) return;
  if (typeof body !== "string") {
    void client.invalidateQueries({ queryKey: key, exact: true });
    return;
  }
  const at = created_at ?? change.time;
  const comment: Comment = {
    id: comment_id,
    task_id: task.id,
    author_id,
    author_name: change.actor_id === author_id ? change.actor_name : null,
    body,
    created_at: at,
    updated_at: at,
    edited_at: null,
  };
  client.setQueryData<CommentData>(key, (data) => (data ? withComment(data, comment) : data));
}

/** An edited comment's new text in place (a thread that lacks it is left as it is). */
function editComment(client: QueryClient, change: CommentUpdated): void {
  const { task, comment_id, body, edited_at } = change.data;
  client.setQueryData<CommentData>(taskKeys.comments(task.id), (data) => {
    if (!data?.pages.some((page) => page.items.some((item) => item.id === comment_id))) return data;
    const edit = (item: Comment): Comment =>
      item.id === comment_id ? { ...item, body, edited_at, updated_at: edited_at } : item;
    return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map(edit) })) };
  });
}

function removeComment(client: QueryClient, taskId: string, commentId: string): void {
  client.setQueryData<CommentData>(taskKeys.comments(taskId), (data) => {
    if (!data?.pages.some((page) => page.items.some((item) => item.id === commentId))) return data;
    return {
      ...data,
      pages: data.pages.map((page) => ({ ...page, items: page.items.filter((item) => item.id !== commentId) })),
    };
  });
}

/** Apply a task or comment change to the cache; other changes are left to other features. */
export function applyTaskChange(client: QueryClient, change: LiveChange, now: Date = new Date()): void {
  switch (change.type) {
    case TASK_DELETED:
      removeTask(client, change.data.task.id);
      if (change.data.task.parent_id) void refreshCounts(client, change.data.task.parent_id);
      return;
    case COMMENT_ADDED:
      addComment(client, change);
      // Its author, and anyone it mentions, now watch the task.
      void client.invalidateQueries({ queryKey: watcherKeys.all(change.data.task.id) });
      break;
    case COMMENT_UPDATED:
      editComment(client, change);
      void client.invalidateQueries({ queryKey: watcherKeys.all(change.data.task.id) });
      break;
    case COMMENT_DELETED:
      removeComment(client, change.data.task.id, change.data.comment_id);
      break;
    case RELATION_ADDED:
    case RELATION_REMOVED:
      // Both tasks' lists of relations, each seen from its own side.
      for (const id of [change.data.relation.task_id, change.data.relation.related_id]) {
        void client.invalidateQueries({ queryKey: taskKeys.relations(id) });
      }
      break;
    case TASK_UPDATED: {
      // A subtask moved to another parent (or made a task of its own) leaves its old one too.
      const { changed, previous } = change.data;
      if (changed.includes("parent_id") && previous?.parent_id) void refreshCounts(client, previous.parent_id);
      break;
    }
    case ATTACHMENT_ADDED:
    case ATTACHMENT_DELETED:
      // The list comes with fresh download links; a change carries none.
      void client.invalidateQueries({ queryKey: taskKeys.attachments(change.data.task.id) });
      break;
  }
  const task = taskOf(change);
  if (!task) return;
  applyTaskSnapshot(client, task, now);
  // A subtask's change may move its parent's counts, which the parent's own version does not show.
  if (task.parent_id && COUNTED.has(change.type)) void refreshCounts(client, task.parent_id);
}

/** A project's tasks leave the cache: its lists, its tasks and their comments; lists across
 * projects keep their other tasks. */
export function dropProjectTasks(client: QueryClient, projectId: string): void {
  const ids = new Set<string>();
  for (const [, data] of client.getQueriesData<ListData>({ queryKey: taskKeys.lists })) {
    for (const item of data?.pages.flatMap((page) => page.items) ?? []) {
      if (item.project_id === projectId) ids.add(item.id);
    }
  }
  client.removeQueries({
    queryKey: taskKeys.all,
    predicate: (query) => {
      const [, kind, subject] = query.queryKey as readonly unknown[];
      if (kind === "list") return (subject as TaskQuery | undefined)?.project_id === projectId;
      if (kind === "detail" && (query.state.data as Task | undefined)?.project_id === projectId) {
        ids.add(subject as string);
        return true;
      }
      return false;
    },
  });
  for (const taskId of ids) client.removeQueries({ queryKey: taskKeys.comments(taskId), exact: true });
  for (const [key, data] of client.getQueriesData<ListData>({ queryKey: taskKeys.lists })) {
    if (!data?.pages.some((page) => page.items.some((item) => item.project_id === projectId))) continue;
    client.setQueryData<ListData>(key, {
      ...data,
      pages: data.pages.map((page) => ({ ...page, items: page.items.filter((t) => t.project_id !== projectId) })),
    });
  }
}

/** What someone did to a task, in words that follow their name. */
export function describeTaskChange(change: LiveChange): string | null {
  switch (change.type) {
    case TASK_CREATED:
      return "added this";
    case TASK_STATUS_CHANGED:
      return `moved this to ${statusLabel(change.data.task.status)}`;
    case TASK_ASSIGNED:
      return change.data.task.assignee_id ? "assigned this" : "unassigned this";
    case TASK_UPDATED:
      return change.data.changed.length === 1 && change.data.changed[0] === "title" ? "renamed this" : "edited this";
    case COMMENT_ADDED:
      return "commented";
    case COMMENT_UPDATED:
      return "edited a comment";
    case COMMENT_DELETED:
      return "deleted a comment";
    case RELATION_ADDED:
      return "linked a task";
    case RELATION_REMOVED:
      return "removed a link";
    case ATTACHMENT_ADDED:
      return "attached a file";
    case ATTACHMENT_DELETED:
      return "deleted a file";
    default:
      return null;
  }
}

/**
 * Note who made each task version the stream brings; mark what someone else changed (the
 * task's card or row, a new comment) for a moment, and a deleted task for its open panel.
 */
export function markTaskChange(change: LiveChange, userId: string): void {
  const task = taskOf(change);
  if (!task) return;
  const mine = change.actor_id !== null && change.actor_id === userId;
  const by = change.actor_name ?? "Someone";
  if (change.type === TASK_DELETED) {
    markDeleted(task.id, { by: mine ? "you" : change.actor_name });
    return;
  }
  noteAuthor(task.id, task.version, mine ? "You" : change.actor_name, mine);
  if (mine) return;
  const did = describeTaskChange(change);
  if (!did) return;
  mark(markKeys.task(task.id), { by, text: `${by} ${did}` });
  if (change.type === COMMENT_ADDED) mark(markKeys.comment(change.data.comment_id), { by, text: `${by} commented` });
  if (change.type === COMMENT_UPDATED) {
    mark(markKeys.comment(change.data.comment_id), { by, text: `${by} edited this comment` });
  }
}
