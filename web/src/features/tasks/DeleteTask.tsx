// Deleting a task, after a confirmation: the button and its dialog.
import { toast } from "sonner";

import { describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { Dialog } from "../../components/Dialog";
import { useModal } from "../../hooks/useModal";
import { useDeleteTask, type Task } from "./api";

export function DeleteTask({ task, onDeleted }: { task: Task; onDeleted: () => void }) {
  const remove = useDeleteTask();
  const confirming = useModal();

  function confirm() {
    remove.mutate(task.id, {
      onSuccess: () => {
        confirming.hide();
        toast.success("Task deleted.");
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
          <p className="text-sm text-ink-soft">
            “{task.title}” and its comments will be deleted for everyone in the project. This cannot be undone.
          </p>
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
