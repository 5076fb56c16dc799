// A question before something that cannot be undone: what it will do, Cancel, or the action.
import type { ReactNode } from "react";

import { Button } from "./Button";
import { Dialog } from "./Dialog";

export function ConfirmDialog({
  title,
  children,
  action,
  pending,
  error,
  onConfirm,
  onCancel,
}: {
  title: string;
  /** What the action will do, in a sentence or two. */
  children: ReactNode;
  /** The action button's label ("Revoke feed"). */
  action: string;
  pending: boolean;
  /** Why the action failed, said in words; nothing while it has not. */
  error?: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog open title={title} onClose={onCancel}>
      <p className="text-sm text-ink-soft">{children}</p>
      {error ? (
        <p role="alert" className="mt-3 text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
      <div className="mt-6 flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button variant="danger" disabled={pending} onClick={onConfirm}>
          {action}
        </Button>
      </div>
    </Dialog>
  );
}
