// Saving a task's edits as one conditional PATCH. It names the version the edits started from, so
// a change someone made meanwhile is refused (409) rather than overwritten; useUpdateTask then says
// why and fetches the server's latest.
import { useState } from "react";

import { useUpdateTask, type Task, type TaskChanges } from "./api";

interface VersionedSaveOptions {
  /** Whether the form holds changes the server does not have. */
  dirty: boolean;
  /** Drops leftover edits, once a newer version arrives while nothing here is changed. */
  onNewerVersion: () => void;
}

export function useVersionedSave(task: Task, { dirty, onNewerVersion }: VersionedSaveOptions) {
  const update = useUpdateTask();
  // The version the edits started from; null while there are none.
  const [base, setBase] = useState<number | null>(null);

  // A newer version arrived (someone else, another tab, the board) while nothing is changed here:
  // take it. Adjusted while rendering, on the version alone (dirtiness by itself must not reset
  // anything), so no frame shows the stale edits.
  const [seenVersion, setSeenVersion] = useState(task.version);
  if (seenVersion !== task.version) {
    setSeenVersion(task.version);
    if (!dirty) {
      onNewerVersion();
      setBase(null);
    }
  }

  return {
    saving: update.isPending,
    /** An edit was made: the first one fixes the version that saving names. */
    begin: () => setBase((current) => current ?? task.version),
    forget: () => setBase(null),
    /** After a success the saved task shows; after a refusal the server's latest does. */
    save: (changes: TaskChanges, onSettled: () => void) =>
      update.mutate({ task: { ...task, version: base ?? task.version }, changes }, { onSettled }),
  };
}
