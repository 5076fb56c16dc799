// Who is told what happens to a task, and why each follows it; a Watch toggle for oneself
// (anyone who can read the task may watch it, viewers too).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";

import { api, type Schemas } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { keys } from "../../api/queries";
import { ErrorState } from "../../components/States";
import { useUser } from "../../lib/auth";

type Watchers = Schemas["WatchersPublic"];
type Reason = Schemas["WatcherPublic"]["reason"];

/** The cached watchers of a task; the task's version is part of it, so an assignment refetches. */
export const watcherKeys = {
  all: (taskId: string) => [...keys.tasks, "watchers", taskId] as const,
  at: (taskId: string, version: number) => [...keys.tasks, "watchers", taskId, version] as const,
};

const REASONS: Record<Reason, string> = {
  creator: "created it",
  assignee: "assigned",
  comment: "commented",
  mention: "mentioned",
  watch: "watching",
};

export function reasonLabel(reason: Reason): string {
  return REASONS[reason] ?? reason;
}

export function TaskWatchers({ taskId, version }: { taskId: string; version: number }) {
  const user = useUser();
  const client = useQueryClient();
  const key = watcherKeys.at(taskId, version);
  const watchers = useQuery({
    queryKey: key,
    queryFn: async (): Promise<Watchers> =>
      unwrap(await api.GET("/api/tasks/{task_id}/watchers", { params: { path: { task_id: taskId } } })),
    placeholderData: (previous) => previous,
  });

  const toggle = useMutation({
    mutationFn: async (watch: boolean): Promise<Watchers> => {
      const params = { params: { path: { task_id: taskId } } };
      return unwrap(
        watch
          ? await api.PUT("/api/tasks/{task_id}/watchers/me", params)
          : await api.DELETE("/api/tasks/{task_id}/watchers/me", params),
      );
    },
    onSuccess: (data) => {
      client.setQueryData(key, data);
      void client.invalidateQueries({ queryKey: watcherKeys.all(taskId) });
    },
    onError: (error) => toast.error(describeError(error)),
  });

  const watching = toggle.isPending ? toggle.variables : (watchers.data?.watching ?? false);
  const items = watchers.data?.items ?? [];

  return (
    <section aria-labelledby={`watchers-${taskId}`} className="space-y-2">
      <div className="flex items-center gap-2">
        <h3 id={`watchers-${taskId}`} className="text-sm font-semibold text-ink">
          Watchers{items.length ? <span className="ml-1.5 font-normal text-ink-soft">{items.length}</span> : null}
        </h3>
        <button
          type="button"
          aria-pressed={watching}
          disabled={watchers.isPending || toggle.isPending}
          title={
            watching ? "You are told what happens to this task. Press to stop." : "Be told what happens to this task"
          }
          onClick={() => toggle.mutate(!watching)}
          className={`ml-auto inline-flex items-center gap-1.5 rounded-md border px-2.5 py-1 text-xs font-medium transition-colors focus-ring disabled:opacity-50 ${
            watching
              ? "border-accent-500 bg-accent-50 text-accent-700 dark:bg-accent-500/15 dark:text-accent-100"
              : "border-line bg-surface text-ink hover:bg-muted"
          }`}
        >
          <svg viewBox="0 0 20 20" className="size-4" fill="currentColor" aria-hidden="true">
            <path d="M10 4C5.5 4 2.3 7.2 1 10c1.3 2.8 4.5 6 9 6s7.7-3.2 9-6c-1.3-2.8-4.5-6-9-6Zm0 9.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7Zm0-2a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3Z" />
          </svg>
          {/* The name stays "Watch"; aria-pressed (and the filled look) says whether it is on. */}
          Watch
        </button>
      </div>
      {watchers.isError ? (
        <ErrorState error={watchers.error} onRetry={() => void watchers.refetch()} />
      ) : items.length ? (
        <ul aria-label="Watchers" className="flex flex-wrap gap-1.5">
          {items.map((watcher) => (
            <li
              key={watcher.user_id}
              className="inline-flex items-center gap-1 rounded-full bg-muted px-2.5 py-0.5 text-xs text-ink"
            >
              <span className="font-medium">{watcher.user_id === user.id ? "You" : watcher.display_name}</span>
              <span className="text-ink-soft">· {reasonLabel(watcher.reason)}</span>
            </li>
          ))}
        </ul>
      ) : watchers.isPending ? null : (
        <p className="text-xs text-ink-soft">Nobody is watching this task.</p>
      )}
    </section>
  );
}
