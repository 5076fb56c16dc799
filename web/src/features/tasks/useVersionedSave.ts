// Saving a task's edits as one conditional PATCH that names the version the form stands on.
// That version follows each newer snapshot of the task that reaches the form (live, or fetched):
// the form shows it in every field not being edited and meets each field being edited with it
// (see useTaskForm), so a save is not refused for a change already merged in. A change the form
// never saw is still refused (409) rather than overwritten; useUpdateTask then says why and
// fetches the server's latest.
import { useState } from "react";

import { useUpdateTask, type Task, type TaskChanges } from "./api";

interface VersionedSaveOptions {
  /** A newer version of the task arrived; `before` is the one the form stood on until now.
   * Called while rendering (adjust state there, nothing else). */
  onNewerVersion: (before: Task) => void;
}

export function useVersionedSave(task: Task, { onNewerVersion }: VersionedSaveOptions) {
  const update = useUpdateTask();
  // Adjusted while rendering, on the version alone, so no frame shows stale edits or conflicts.
  const [base, setBase] = useState(task);
  if (base.version !== task.version) {
    setBase(task);
    onNewerVersion(base);
  }

  return {
    saving: update.isPending,
    /** After a success the saved task shows; after a refusal the server's latest does (and
     * `onSettled` hears the refusal). */
    save: (changes: TaskChanges, onSettled: (error: Error | null) => void) =>
      update.mutate({ task, changes }, { onSettled: (_saved, error) => onSettled(error) }),
  };
}
