// Deleting the project, after a confirmation; only owners see it.
import { useNavigate } from "react-router";
import { toast } from "sonner";

import { describeError } from "../../api/problem";
import type { Project } from "../../api/queries";
import { Button } from "../../components/Button";
import { Dialog } from "../../components/Dialog";
import { useModal } from "../../hooks/useModal";
import { useDeleteProject } from "./api";
import { Alert, Section } from "./SettingsSection";

export function DangerZone({ project }: { project: Project }) {
  const navigate = useNavigate();
  const remove = useDeleteProject();
  const confirming = useModal();

  function close() {
    confirming.hide();
    remove.reset();
  }

  function confirm() {
    remove.mutate(project.id, {
      onSuccess: () => {
        toast.success(`Deleted “${project.name}”.`);
        void navigate("/", { replace: true });
      },
    });
  }

  return (
    <Section title="Danger zone" tone="danger">
      <div className="flex flex-col gap-4 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-ink-soft">
          Deletes the project with all its tasks and comments, for every member. This cannot be undone.
        </p>
        <Button variant="danger" className="shrink-0" onClick={confirming.show}>
          Delete project
        </Button>
      </div>
      {confirming.open ? (
        <Dialog open title={`Delete “${project.name}”?`} onClose={close}>
          <p className="text-sm text-ink-soft">
            Its tasks and comments are deleted too, and its members lose access. This cannot be undone.
          </p>
          {remove.isError ? (
            <div className="mt-4">
              <Alert>{describeError(remove.error)}</Alert>
            </div>
          ) : null}
          <div className="mt-6 flex justify-end gap-2">
            <Button variant="secondary" onClick={close}>
              Cancel
            </Button>
            <Button variant="danger" disabled={remove.isPending} onClick={confirm}>
              {remove.isPending ? "Deleting…" : "Delete project"}
            </Button>
          </div>
        </Dialog>
      ) : null}
    </Section>
  );
}
