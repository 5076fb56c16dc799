// When a task was created (and by whom), last updated and completed.
import type { Task } from "./api";
import { formatFull, timeAgo } from "./TaskComments";

function When({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={formatFull(iso)}>
      {timeAgo(iso)}
    </time>
  );
}

export function TaskDates({ task, creator }: { task: Task; creator: string | null }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 border-y border-line py-3 text-xs text-ink-soft">
      <dt>Created</dt>
      <dd>
        <When iso={task.created_at} />
        {creator ? ` by ${creator}` : null}
      </dd>
      <dt>Updated</dt>
      <dd>
        <When iso={task.updated_at} />
      </dd>
      {task.completed_at ? (
        <>
          <dt>Completed</dt>
          <dd>
            <When iso={task.completed_at} />
          </dd>
        </>
      ) : null}
    </dl>
  );
}
