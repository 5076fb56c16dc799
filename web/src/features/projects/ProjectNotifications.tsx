// What a member hears of in a project beyond the tasks they watch: a switch for every new task
// (GET/PUT /api/projects/{id}/subscription), saved as it is flipped.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { toast } from "sonner";

import { api, type Schemas } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { keys, type Project } from "../../api/queries";
import { ErrorState } from "../../components/States";
import { Section } from "./SettingsSection";

type Subscription = Schemas["ProjectSubscription"];

export const subscriptionKey = (projectId: string) => [...keys.project(projectId), "subscription"] as const;

export function ProjectNotifications({ project }: { project: Project }) {
  const client = useQueryClient();
  const switchId = useId();
  const hintId = useId();
  const key = subscriptionKey(project.id);
  const path = { params: { path: { project_id: project.id } } };

  const subscription = useQuery({
    queryKey: key,
    queryFn: async (): Promise<Subscription> => unwrap(await api.GET("/api/projects/{project_id}/subscription", path)),
  });

  const save = useMutation({
    mutationFn: async (newTasks: boolean): Promise<Subscription> =>
      unwrap(await api.PUT("/api/projects/{project_id}/subscription", { ...path, body: { new_tasks: newTasks } })),
    onSuccess: (saved) => {
      client.setQueryData(key, saved);
      client.setQueryData<Project>(keys.project(project.id), (data) =>
        data ? { ...data, notify_new_tasks: saved.new_tasks } : data,
      );
      void client.invalidateQueries({ queryKey: keys.projects, exact: true });
      toast.success(saved.new_tasks ? "You will hear of every new task here." : "New tasks here no longer notify you.");
    },
    onError: (error) => toast.error(describeError(error)),
  });

  const on = save.isPending ? save.variables : (subscription.data?.new_tasks ?? project.notify_new_tasks);

  return (
    <Section
      title="Notifications"
      description="You always hear of the tasks you watch: those you created, are assigned, commented on or were mentioned in, and any you chose to watch."
    >
      {subscription.isError ? (
        <ErrorState error={subscription.error} onRetry={() => void subscription.refetch()} />
      ) : (
        <div className="flex items-start justify-between gap-4">
          <label htmlFor={switchId} className="min-w-0">
            <span className="block text-sm font-medium">Notify me of every new task</span>
            <span id={hintId} className="mt-0.5 block text-xs text-ink-soft">
              Off: only new tasks assigned to you or that mention you.
            </span>
          </label>
          <input
            id={switchId}
            type="checkbox"
            role="switch"
            aria-describedby={hintId}
            checked={on}
            disabled={subscription.isPending || save.isPending}
            onChange={(event) => save.mutate(event.target.checked)}
            className="relative mt-0.5 h-6 w-11 shrink-0 cursor-pointer appearance-none rounded-full bg-line transition-colors focus-ring before:absolute before:left-0.5 before:top-0.5 before:size-5 before:rounded-full before:bg-white before:shadow before:transition-transform checked:bg-accent-600 checked:before:translate-x-5 disabled:cursor-wait disabled:opacity-60"
          />
        </div>
      )}
    </Section>
  );
}
