// A task's history in the task panel: who created, changed, moved, assigned or commented on it,
// newest first, kept current as the task changes.
import { useMemo } from "react";

import { useMembers } from "../../api/queries";
import { ErrorState, Spinner } from "../../components/States";
import { ActivityList, ShowOlder } from "./ActivityList";
import { useFollowTask, useTaskActivity } from "./api";

export function TaskTimeline({ taskId, version }: { taskId: string; version: number }) {
  const activity = useTaskActivity(taskId);
  useFollowTask(taskId, version);
  const entries = useMemo(() => activity.data?.pages.flatMap((page) => page.items) ?? [], [activity.data]);
  // Assignees are named from the project's members (the panel has them cached already).
  const members = useMembers(entries[0]?.project_id);
  const wording = useMemo(() => {
    const names = new Map((members.data ?? []).map((member) => [member.user_id, member.display_name]));
    return { onTask: true, nameOf: (userId: string) => names.get(userId) };
  }, [members.data]);

  return (
    <section aria-labelledby={`activity-${taskId}`} className="space-y-4">
      <h3 id={`activity-${taskId}`} className="text-sm font-semibold text-ink">
        Activity
      </h3>
      {activity.isPending ? (
        <Spinner label="Loading activity" />
      ) : activity.isError && entries.length === 0 ? (
        <ErrorState error={activity.error} onRetry={() => void activity.refetch()} />
      ) : entries.length === 0 ? (
        <p className="text-sm text-ink-soft">Nothing has happened to this task yet.</p>
      ) : (
        <ActivityList entries={entries} wording={wording} />
      )}
      <ShowOlder
        hasNextPage={activity.hasNextPage}
        fetching={activity.isFetchingNextPage}
        onMore={() => void activity.fetchNextPage()}
      />
    </section>
  );
}
