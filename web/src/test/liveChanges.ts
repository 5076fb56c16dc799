// Live stream changes for tests: a task as the API returns it, and a change about it.
import type { Schemas } from "../api/client";
import type { LiveChange } from "../api/liveChanges";

export type Task = Schemas["TaskPublic"];

export const ANA = "0a0a0a0a-0000-4000-8000-00000000000a";
export const ME = "0b0b0b0b-0000-4000-8000-00000000000b";

export function aTask(over: Partial<Task> = {}): Task {
  return {
    id: "t1",
    project_id: "p1",
    title: "Write the release notes",
    description: "",
    status: "todo",
    priority: "medium",
    due_at: null,
    due_date: null,
    labels: [],
    assignee_id: null,
    creator_id: ANA,
    created_at: "2026-11-20T10:00:00Z",
    updated_at: "2026-11-20T10:00:00Z",
    completed_at: null,
    parent_id: null,
    subtask_count: 0,
    subtasks_done: 0,
    recurrence: null,
    recurrence_basis: null,
    next_occurrence_id: null,
    version: 1,
    ...over,
  };
}

let sequence = 0;

/** A change made by Ana (unless `over` says who), with a fresh event id. */
export function aChange<T extends LiveChange["type"]>(
  type: T,
  data: Extract<LiveChange, { type: T }>["data"],
  over: Partial<Omit<LiveChange, "type" | "data">> = {},
): Extract<LiveChange, { type: T }> {
  sequence += 1;
  const project = "task" in data ? data.task.project_id : "project_id" in data ? data.project_id : data.project.id;
  return {
    type,
    event_id: `event-${sequence}`,
    project_id: project,
    actor_id: ANA,
    actor_name: "Ana",
    time: "2026-11-26T10:00:00Z",
    data,
    ...over,
  } as Extract<LiveChange, { type: T }>;
}
