// /tasks/:taskId (the address in notifications and e-mails): opens the task in its project.
import { Link, Navigate, useParams } from "react-router";

import { ApiError } from "../../api/problem";
import { ErrorState, Spinner } from "../../components/States";
import { useTask } from "./api";

export function TaskRedirect() {
  const { taskId = "" } = useParams();
  const task = useTask(taskId);

  if (task.isPending) return <Spinner label="Opening the task" />;
  if (task.isError) {
    const missing = task.error instanceof ApiError && (task.error.status === 404 || task.error.status === 422);
    return (
      <div className="mx-auto max-w-lg p-6 sm:p-8">
        {missing ? (
          <div role="alert" className="rounded-lg border border-line bg-surface p-6">
            <h1 className="text-lg font-semibold">Task not found</h1>
            <p className="mt-2 text-sm text-ink-soft">
              This task does not exist any more, or you are not a member of its project.
            </p>
          </div>
        ) : (
          <ErrorState error={task.error} onRetry={() => void task.refetch()} />
        )}
        <Link
          to="/"
          className="mt-4 inline-block text-sm font-medium text-accent-600 hover:underline dark:text-accent-100"
        >
          Go to your tasks
        </Link>
      </div>
    );
  }
  const params = new URLSearchParams({ task: task.data.id });
  return <Navigate to={`/projects/${task.data.project_id}?${params.toString()}`} replace />;
}
