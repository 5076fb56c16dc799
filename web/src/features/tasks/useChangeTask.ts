// One change to a task named only by its id (a keyboard shortcut, a command palette entry): the
// task as this page knows it (its panel, else a list showing it, else the server), changed
// through useUpdateTask, so it shows at once and goes back with the reason if refused.
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useRef } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { taskKeys, useUpdateTask, type ListData, type Task, type TaskChanges } from "./api";

async function knownTask(client: QueryClient, taskId: string): Promise<Task> {
  const detail = client.getQueryData<Task>(taskKeys.detail(taskId));
  if (detail) return detail;
  for (const [, data] of client.getQueriesData<ListData>({ queryKey: taskKeys.lists })) {
    const found = data?.pages.flatMap((page) => page.items).find((item) => item.id === taskId);
    if (found) return found;
  }
  return client.fetchQuery({
    queryKey: taskKeys.detail(taskId),
    queryFn: async () => unwrap(await api.GET("/api/tasks/{task_id}", { params: { path: { task_id: taskId } } })),
  });
}

/**
 * `change(taskId, decide)`: `decide` sees the task and says what to change (null: nothing).
 * Resolves with the saved task, null when nothing was to change; rejects when refused (the
 * refusal is already shown). Changes run one after another, each on the version the last saved.
 */
export type ChangeTask = (taskId: string, decide: (task: Task) => TaskChanges | null) => Promise<Task | null>;

export function useChangeTask(): ChangeTask {
  const client = useQueryClient();
  const { mutateAsync } = useUpdateTask();
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  return useCallback(
    (taskId, decide) => {
      const next = queue.current
        .catch(() => undefined)
        .then(async () => {
          const task = await knownTask(client, taskId);
          const changes = decide(task);
          return changes ? mutateAsync({ task, changes }) : null;
        });
      queue.current = next;
      return next;
    },
    [client, mutateAsync],
  );
}
