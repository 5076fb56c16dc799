// Task histories on the server: a task's, a project's, newest first a page at a time; and
// looking again when the task changes (its history is written a moment after each change).
import { useInfiniteQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { keys } from "../../api/queries";

// Under "activity": live updates invalidate every history at once with that prefix.
export const activityKeys = {
  all: ["activity"] as const,
  task: (taskId: string) => ["activity", "task", taskId] as const,
  project: (projectId: string) => ["activity", "project", projectId] as const,
};

const PAGE = 30;
// An entry is recorded from the change's event, which trails the change by a moment: a second
// look this long after a change finds one the first look was too early for.
const SETTLE_MS = 1500;

export function useTaskActivity(taskId: string) {
  return useInfiniteQuery({
    queryKey: activityKeys.task(taskId),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/api/tasks/{task_id}/activity", {
          params: { path: { task_id: taskId }, query: { limit: PAGE, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

export function useProjectActivity(projectId: string) {
  return useInfiniteQuery({
    queryKey: activityKeys.project(projectId),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/api/projects/{project_id}/activity", {
          params: { path: { project_id: projectId }, query: { limit: PAGE, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

/** Fetch a task's history now and once more shortly after; returns a cancel of the second. */
function lookAgain(client: QueryClient, taskId: string): () => void {
  void client.invalidateQueries({ queryKey: activityKeys.task(taskId) });
  const later = setTimeout(() => void client.invalidateQueries({ queryKey: activityKeys.task(taskId) }), SETTLE_MS);
  return () => clearTimeout(later);
}

/**
 * Keep a task's history current while it is shown: look again when the task's version moves,
 * and when anything else cached about the task changes (its comments): any query under the
 * shared tasks key that names the task, whose data is replaced by new data.
 */
export function useFollowTask(taskId: string, version: number) {
  const client = useQueryClient();
  const shown = useRef(version);

  useEffect(() => {
    if (shown.current === version) return;
    shown.current = version;
    return lookAgain(client, taskId);
  }, [client, taskId, version]);

  useEffect(() => {
    const seen = new Map<string, unknown>();
    let cancel: (() => void) | undefined;
    const unsubscribe = client.getQueryCache().subscribe((event) => {
      if (event.type !== "updated" || event.action.type !== "success") return;
      const { queryKey, queryHash, state } = event.query;
      if (queryKey[0] !== keys.tasks[0] || !queryKey.includes(taskId)) return;
      const before = seen.get(queryHash);
      seen.set(queryHash, state.data);
      // The first data seen is where things stand; a refetch that found nothing new keeps the
      // same object (structural sharing), so only a real change looks again.
      if (before === undefined || before === state.data) return;
      cancel?.();
      cancel = lookAgain(client, taskId);
    });
    return () => {
      unsubscribe();
      cancel?.();
    };
  }, [client, taskId]);
}
