// Deleting a task, after a confirmation: the button and its dialog. Its subtasks go with it
// (the whole subtree), and so do its files.
import { useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";

import { describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { Dialog } from "../../components/Dialog";
import { useModal } from "../../hooks/useModal";
import { refreshCounts, taskKeys, useDeleteTask, type Task } from "./api";

/** What deleting the task deletes with it, as the dialog says it. */
export function deletionWords(task: Pick<Task, "title" | "subtask_count">): string {
  const subtasks = task.subtask_count
    ? `, and its ${task.subtask_count} subtask${task.subtask_count === 1 ? "" : "s"} with any of their own,`
    : "";
  return `“${task.title}”, its comments and files${subtasks} will be deleted for everyone in the project. This cannot be undone.`;
}

export function DeleteTask({ task, onDeleted }: { task: Task; onDeleted: () => void }) {
  const client = useQueryClient();
  const remove = useDeleteTask();
  const confirming = useModal();

  function confirm() {
    remove.mutate(task.id, {
      onSuccess: () => {
        confirming.hide();
        toast.success("Task deleted.");
        // Its parent counts one fewer; lists drop its subtasks, deleted with it.
        if (task.parent_id) void refreshCounts(client, task.parent_id);
        if (task.subtask_count) void client.invalidateQueries({ queryKey: taskKeys.lists });
        onDeleted();
      },
      onError: (error) => {
        confirming.hide();
        toast.error(describeError(error));
      },
    });
  }

  return (
    <div className="border-t border-line pt-4">
      <Button variant="secondary" className="text-red-700 dark:text-red-400" onClick={confirming.show}>
        Delete task
      </Button>
      {confirming.open ? (
        <Dialog open title="Delete this task?" onClose={confirming.hide}>
          <p className="text-sm text-ink-soft">{deletionWords(task)}</p>
          <div className="mt-6 flex justify-end gap-2">
            <Button variant="secondary" onClick={confirming.hide}>
              Cancel
            </Button>
            <Button variant="danger" disabled={remove.isPending} onClick={confirm}>
              Delete task
            </Button>
          </div>
        </Dialog>
      ) : null}
    </div>
  );
}
