// Tasks on the server: list pages, one task, and the writes (optimistic, rolled back when
// the server refuses).
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type QueryClient,
} from "@tanstack/react-query";
import { toast } from "sonner";

import { api, type Schemas } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { keys } from "../../api/queries";
import type { TaskPriority, TaskStatus } from "../../api/vocabulary";
import { belongsInList, compareTasks, DEFAULT_SORT } from "./filters";

export type Task = Schemas["TaskPublic"];
export type TaskPage = Schemas["TasksPublic"];
export type TaskChanges = Omit<Schemas["TaskUpdate"], "version">;

/** What a list asks the server for (the query of GET /api/tasks). */
export interface TaskQuery {
  project_id?: string;
  status?: TaskStatus[];
  priority?: TaskPriority[];
  assignee_id?: string;
  label?: string;
  due_before?: string;
  due_after?: string;
  overdue?: boolean;
  /** Only tasks not done or cancelled (true), or only those (false). */
  open?: boolean;
  unassigned?: boolean;
  no_due_date?: boolean;
  q?: string;
  /** Only the subtasks of this task. */
  parent_id?: string;
  sort?: SortKey;
  limit?: number;
}
export type SortKey = "created" | "-created" | "updated" | "-updated" | "due" | "-due" | "priority" | "-priority";

export const taskKeys = {
  all: keys.tasks,
  lists: [...keys.tasks, "list"] as const,
  list: (query: TaskQuery) => [...keys.tasks, "list", query] as const,
  detail: (id: string) => [...keys.tasks, "detail", id] as const,
  comments: (id: string) => [...keys.tasks, "comments", id] as const,
  relations: (id: string) => [...keys.tasks, "relations", id] as const,
  attachments: (id: string) => [...keys.tasks, "attachments", id] as const,
  reminders: (id: string) => [...keys.tasks, "reminders", id] as const,
};

/** A task's subtasks, oldest first (a checklist keeps its order as items are ticked). */
export const subtaskQuery = (parentId: string): TaskQuery => ({ parent_id: parentId, sort: "created", limit: 100 });

/** A list of tasks, one cursor page at a time (infinite scroll). */
export function useTaskList(query: TaskQuery) {
  return useInfiniteQuery({
    queryKey: taskKeys.list(query),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/tasks", { params: { query: { limit: 50, ...query, cursor: pageParam } } })),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
}

export function useTask(taskId: string | undefined) {
  return useQuery({
    queryKey: taskKeys.detail(taskId ?? ""),
    enabled: Boolean(taskId),
    queryFn: async () => unwrap(await api.GET("/api/tasks/{task_id}", { params: { path: { task_id: taskId ?? "" } } })),
  });
}

export type ListData = InfiniteData<TaskPage, string | undefined>;

type Counts = Pick<Task, "subtask_count" | "subtasks_done">;

/**
 * A task's subtask counts wherever it is cached. The database keeps them (they change without a
 * new version of the task), so they are set in place, whatever version each cache holds.
 */
export function setCounts(client: QueryClient, taskId: string, counts: Counts | ((task: Task) => Counts)): void {
  const apply = (task: Task): Task => {
    const next = typeof counts === "function" ? counts(task) : counts;
    return next.subtask_count === task.subtask_count && next.subtasks_done === task.subtasks_done
      ? task
      : { ...task, subtask_count: next.subtask_count, subtasks_done: next.subtasks_done };
  };
  client.setQueryData<Task>(taskKeys.detail(taskId), (current) => (current ? apply(current) : current));
  for (const [key, data] of client.getQueriesData<ListData>({ queryKey: taskKeys.lists })) {
    if (!data?.pages.some((page) => page.items.some((item) => item.id === taskId))) continue;
    client.setQueryData<ListData>(key, {
      ...data,
      pages: data.pages.map((page) => ({
        ...page,
        items: page.items.map((item) => (item.id === taskId ? apply(item) : item)),
      })),
    });
  }
}

/** Whether a task is shown anywhere in the cache (its panel, or a loaded list). */
function isCached(client: QueryClient, taskId: string): boolean {
  if (client.getQueryData(taskKeys.detail(taskId))) return true;
  return client
    .getQueriesData<ListData>({ queryKey: taskKeys.lists })
    .some(([, data]) => data?.pages.some((page) => page.items.some((item) => item.id === taskId)));
}

/** A parent's subtask counts as the server has them now, where the parent is shown. */
export async function refreshCounts(client: QueryClient, parentId: string): Promise<void> {
  if (!isCached(client, parentId)) return;
  const result = await api.GET("/api/tasks/{task_id}", { params: { path: { task_id: parentId } } });
  if (result.data) setCounts(client, parentId, result.data);
}

/**
 * A list's pages with `task` where the list's filters and order put it: replaced where it is if
 * its place in the order holds, else moved to its sorted place, removed, or added (never past
 * the loaded end while more pages wait: it comes with them). Where only the server can tell
 * whether it belongs (a search), a task already shown is replaced and none is added. The same
 * object when nothing changes.
 */
export function placeInPages(data: ListData, task: Task, query: TaskQuery, now: Date = new Date()): ListData {
  const belongs = belongsInList(task, query, now);
  const sort = query.sort ?? DEFAULT_SORT;
  const items = data.pages.flatMap((page) => page.items);
  const at = items.findIndex((item) => item.id === task.id);
  if (at < 0 && !belongs) return data;
  const [before, after] = [items[at - 1], items[at + 1]];
  const inOrder =
    (!before || compareTasks(before, task, sort, false) <= 0) &&
    (!after || compareTasks(task, after, sort, false) <= 0);
  if (at >= 0 && (belongs === null || (belongs && inOrder))) {
    const pages = data.pages.map((page) => ({
      ...page,
      items: page.items.map((item) => (item.id === task.id ? task : item)),
    }));
    return { ...data, pages };
  }
  if (belongs === null) return data;
  const pages = data.pages.map((page) => ({ ...page, items: page.items.filter((item) => item.id !== task.id) }));
  if (belongs) {
    const index = pages.findIndex((page) => page.items.some((item) => compareTasks(task, item, sort) < 0));
    const target = index >= 0 ? pages[index] : pages[pages.length - 1];
    // Past the last loaded task, with more pages to come: it arrives with them.
    if (target && (index >= 0 || !target.next_cursor)) {
      const place = target.items.findIndex((item) => compareTasks(task, item, sort) < 0);
      const placed = [...target.items];
      placed.splice(place < 0 ? placed.length : place, 0, task);
      pages[index >= 0 ? index : pages.length - 1] = { ...target, items: placed };
    }
  }
  return { ...data, pages };
}

/** Every cached list with `task` where it now belongs (see placeInPages). */
export function placeInLists(client: QueryClient, task: Task): void {
  for (const [key, data] of client.getQueriesData<ListData>({ queryKey: taskKeys.lists })) {
    if (!data) continue;
    const next = placeInPages(data, task, (key[2] ?? {}) as TaskQuery);
    if (next !== data) client.setQueryData<ListData>(key, next);
  }
}

export function removeFromLists(client: QueryClient, taskId: string): void {
  for (const [key, data] of client.getQueriesData<ListData>({ queryKey: taskKeys.lists })) {
    if (!data) continue;
    client.setQueryData<ListData>(key, {
      ...data,
      pages: data.pages.map((page) => ({ ...page, items: page.items.filter((t) => t.id !== taskId) })),
    });
  }
}

interface UpdateVariables {
  task: Task;
  changes: TaskChanges;
}

/**
 * Change a task. The change shows at once everywhere the task is cached; if the server
 * refuses (409 on a stale version, 403, ...), every cache goes back to what it was, the
 * reason is shown, and the latest version is fetched.
 */
export function useUpdateTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ task, changes }: UpdateVariables): Promise<Task> =>
      unwrap(
        await api.PATCH("/api/tasks/{task_id}", {
          params: { path: { task_id: task.id } },
          body: { ...changes, version: task.version },
        }),
      ),
    onMutate: async ({ task, changes }) => {
      await client.cancelQueries({ queryKey: taskKeys.all });
      const snapshot = client.getQueriesData({ queryKey: taskKeys.all });
      const optimistic = { ...task, ...changes } as Task;
      // Only where the task is already cached: a made-up entry would outlive a refusal.
      client.setQueryData<Task>(taskKeys.detail(task.id), (current) => (current ? optimistic : undefined));
      placeInLists(client, optimistic);
      return { snapshot };
    },
    onError: (error, _variables, context) => {
      for (const [key, data] of context?.snapshot ?? []) client.setQueryData(key, data);
      toast.error(describeError(error));
    },
    onSuccess: (saved) => {
      client.setQueryData(taskKeys.detail(saved.id), saved);
      placeInLists(client, saved);
    },
    onSettled: (_data, error, { task }) => {
      // After a refusal, show what the server has now (the other person's change).
      if (error) void client.invalidateQueries({ queryKey: taskKeys.all });
      else void client.invalidateQueries({ queryKey: taskKeys.detail(task.id), refetchType: "none" });
    },
  });
}

export function useCreateTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas["TaskCreate"]) => unwrap(await api.POST("/api/tasks", { body })),
    onSuccess: (created) => {
      placeInLists(client, created);
      void client.invalidateQueries({ queryKey: taskKeys.lists });
    },
  });
}

export function useDeleteTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (taskId: string) => {
      unwrap(await api.DELETE("/api/tasks/{task_id}", { params: { path: { task_id: taskId } } }));
      return taskId;
    },
    onSuccess: (taskId) => {
      removeFromLists(client, taskId);
      client.removeQueries({ queryKey: taskKeys.detail(taskId) });
    },
  });
}
