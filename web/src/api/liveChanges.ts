// What the live stream says changed in the person's projects (SSE `change` and `revoked`).
// Typed by hand: the stream's payloads are not in the OpenAPI document; each `data` is its
// event's data (events/schemas/<type>.json, the models in events/models.py).
import type { Schemas } from "./client";
import type { Role, TaskStatus } from "./vocabulary";

type Task = Schemas["TaskPublic"];

export const TASK_CREATED = "com.taskflow.task.created";
export const TASK_UPDATED = "com.taskflow.task.updated";
export const TASK_STATUS_CHANGED = "com.taskflow.task.status_changed";
export const TASK_ASSIGNED = "com.taskflow.task.assigned";
export const TASK_DELETED = "com.taskflow.task.deleted";
export const COMMENT_ADDED = "com.taskflow.comment.added";
export const COMMENT_UPDATED = "com.taskflow.comment.updated";
export const COMMENT_DELETED = "com.taskflow.comment.deleted";
export const MEMBER_ADDED = "com.taskflow.project.member_added";
export const MEMBER_CHANGED = "com.taskflow.project.member_changed";
export const MEMBER_REMOVED = "com.taskflow.project.member_removed";
export const PROJECT_UPDATED = "com.taskflow.project.updated";
export const PROJECT_DELETED = "com.taskflow.project.deleted";
export const RELATION_ADDED = "com.taskflow.task.relation_added";
export const RELATION_REMOVED = "com.taskflow.task.relation_removed";
export const ATTACHMENT_ADDED = "com.taskflow.attachment.added";
export const ATTACHMENT_DELETED = "com.taskflow.attachment.deleted";

/** The task fields a `task.updated` names in `changed`, with their values before. */
export type TaskFieldValues = Partial<
  Pick<
    Task,
    | "title"
    | "description"
    | "priority"
    | "due_at"
    | "labels"
    | "assignee_id"
    | "due_date"
    | "parent_id"
    | "recurrence"
    | "recurrence_basis"
  >
>;

/** A relation between two tasks, made or removed from `task_id` (its kind as stored: "blocks",
 * "relates_to" or "duplicates", from task_id to related_id). */
interface RelationData {
  id: string;
  task_id: string;
  related_id: string;
  kind: string;
}

/** A file on a task, without its link (a change carries no download link). */
interface AttachmentData {
  id: string;
  task_id: string;
  filename: string;
  content_type: string;
  size: number;
  uploader_id: string | null;
  created_at: string;
  completed_at?: string | null;
}

interface Envelope<Type extends string, Data> {
  type: Type;
  /** The CloudEvent's id: the same however often the change is sent. */
  event_id: string;
  project_id: string;
  actor_id: string | null;
  actor_name: string | null;
  time: string;
  data: Data;
}

export type LiveChange =
  | Envelope<typeof TASK_CREATED, { task: Task }>
  | Envelope<typeof TASK_UPDATED, { task: Task; changed: string[]; previous?: TaskFieldValues | null }>
  | Envelope<typeof TASK_STATUS_CHANGED, { task: Task; previous_status: TaskStatus }>
  | Envelope<typeof TASK_ASSIGNED, { task: Task; previous_assignee_id: string | null }>
  | Envelope<typeof TASK_DELETED, { task: Task }>
  | Envelope<
      typeof COMMENT_ADDED,
      {
        task: Task;
        comment_id: string;
        author_id: string | null;
        excerpt: string;
        body?: string | null;
        created_at?: string | null;
      }
    >
  | Envelope<
      typeof COMMENT_UPDATED,
      { task: Task; comment_id: string; author_id: string | null; excerpt: string; body: string; edited_at: string }
    >
  | Envelope<typeof COMMENT_DELETED, { task: Task; comment_id: string; author_id: string | null }>
  | Envelope<
      typeof MEMBER_ADDED,
      {
        project_id: string;
        project_name: string;
        user_id: string;
        role: Role;
        display_name?: string | null;
        email?: string | null;
      }
    >
  | Envelope<
      typeof MEMBER_CHANGED,
      { project_id: string; project_name: string; user_id: string; role: Role; previous_role: Role }
    >
  | Envelope<
      typeof MEMBER_REMOVED,
      { project_id: string; project_name: string; user_id: string; role: Role; unassigned_task_ids: string[] }
    >
  | Envelope<
      typeof PROJECT_UPDATED,
      {
        project: { id: string; name: string; description: string; owner_id: string; updated_at: string };
        changed: string[];
      }
    >
  | Envelope<typeof PROJECT_DELETED, { project_id: string; project_name: string }>
  | Envelope<typeof RELATION_ADDED, { task: Task; relation: RelationData }>
  | Envelope<typeof RELATION_REMOVED, { task: Task; relation: RelationData }>
  | Envelope<typeof ATTACHMENT_ADDED, { task: Task; attachment: AttachmentData }>
  | Envelope<typeof ATTACHMENT_DELETED, { task: Task; attachment: AttachmentData }>;

export type LiveChangeType = LiveChange["type"];
export type TaskChange = Extract<LiveChange, { data: { task: Task } }>;

const TYPES: ReadonlySet<string> = new Set<LiveChangeType>([
  TASK_CREATED,
  TASK_UPDATED,
  TASK_STATUS_CHANGED,
  TASK_ASSIGNED,
  TASK_DELETED,
  COMMENT_ADDED,
  COMMENT_UPDATED,
  COMMENT_DELETED,
  MEMBER_ADDED,
  MEMBER_CHANGED,
  MEMBER_REMOVED,
  PROJECT_UPDATED,
  PROJECT_DELETED,
  RELATION_ADDED,
  RELATION_REMOVED,
  ATTACHMENT_ADDED,
  ATTACHMENT_DELETED,
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The change a `change` event's data holds, or null for a type this app does not know (a
 * newer server) or a shape it cannot use. A task snapshot's description may be left out. */
export function parseLiveChange(value: unknown): LiveChange | null {
  if (!isObject(value) || !isObject(value.data)) return null;
  const { type, event_id, project_id, data } = value;
  if (typeof type !== "string" || !TYPES.has(type)) return null;
  if (typeof event_id !== "string" || typeof project_id !== "string") return null;
  if ("task" in data) {
    const task = data.task;
    if (!isObject(task) || typeof task.id !== "string" || typeof task.version !== "number") return null;
    task.description ??= "";
  }
  return value as unknown as LiveChange;
}

/** The task a change is about, if it is about one. */
export function taskOf(change: LiveChange): Task | null {
  return "task" in change.data ? change.data.task : null;
}

/** Whether the change ends `userId`'s view of its project (removed from it, or it is gone). */
export function endsAccess(change: LiveChange, userId: string): boolean {
  return change.type === PROJECT_DELETED || (change.type === MEMBER_REMOVED && change.data.user_id === userId);
}
