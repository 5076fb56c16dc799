// A project's activity: every change to its tasks, newest first, each linked to its task
// (unless the task is gone).
import { useMemo } from "react";
import { Link, useParams } from "react-router";

import { useMembers, useProject } from "../../api/queries";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { ActivityList, ShowOlder } from "./ActivityList";
import { useProjectActivity } from "./api";
import type { ActivityEntry } from "./wording";

export function ProjectActivityPage() {
  const { projectId = "" } = useParams();
  const project = useProject(projectId);
  const activity = useProjectActivity(projectId);
  const members = useMembers(projectId);
  const entries = useMemo(() => activity.data?.pages.flatMap((page) => page.items) ?? [], [activity.data]);
  const wording = useMemo(() => {
    const names = new Map((members.data ?? []).map((member) => [member.user_id, member.display_name]));
    return { onTask: false, nameOf: (userId: string) => names.get(userId) };
  }, [members.data]);
  // Tasks seen deleted in what is loaded: their panel would only say they are gone.
  const deleted = useMemo(
    () => new Set(entries.filter((entry) => entry.kind === "deleted").map((entry) => entry.task_id)),
    [entries],
  );

  const taskLink = (entry: ActivityEntry) =>
    deleted.has(entry.task_id) ? null : (
      <Link
        to={`/projects/${projectId}?task=${entry.task_id}`}
        className="text-xs text-accent-600 underline-offset-2 hover:underline dark:text-accent-100"
      >
        Open the task
      </Link>
    );

  return (
    <div className="mx-auto w-full max-w-3xl space-y-6 p-4 sm:p-6 lg:p-8">
      <div>
        <Link
          to={`/projects/${projectId}`}
          className="inline-flex items-center gap-1 text-sm text-ink-soft hover:text-ink"
        >
          <svg viewBox="0 0 20 20" fill="currentColor" className="size-4" aria-hidden="true">
            <path
              fillRule="evenodd"
              d="M11.78 5.22a.75.75 0 0 1 0 1.06L8.06 10l3.72 3.72a.75.75 0 1 1-1.06 1.06l-4.25-4.25a.75.75 0 0 1 0-1.06l4.25-4.25a.75.75 0 0 1 1.06 0Z"
              clipRule="evenodd"
            />
          </svg>
          Back to tasks
        </Link>
        <h1 className="mt-3 text-2xl font-semibold tracking-tight">Activity</h1>
        {project.data ? <p className="mt-1 text-sm font-medium text-ink">{project.data.name}</p> : null}
      </div>
      <section aria-label="Project activity" className="space-y-4">
        {activity.isPending ? (
          <Spinner label="Loading activity" />
        ) : activity.isError && entries.length === 0 ? (
          <ErrorState error={activity.error} onRetry={() => void activity.refetch()} />
        ) : entries.length === 0 ? (
          <EmptyState title="No activity yet">
            <p>Creating, changing and commenting on tasks shows up here.</p>
          </EmptyState>
        ) : (
          <ActivityList entries={entries} wording={wording} footer={taskLink} />
        )}
        <ShowOlder
          hasNextPage={activity.hasNextPage}
          fetching={activity.isFetchingNextPage}
          onMore={() => void activity.fetchNextPage()}
        />
      </section>
    </div>
  );
}
