// The task form's state: only the fields the user touched are held, so the rest always show the
// server's latest values; problems show once a save was tried. When a newer version of the task
// arrives (someone else's change, live), untouched fields simply show it; a touched field it
// changed too is a conflict, shown beside the user's value until they use theirs or keep their own.
import { useState } from "react";

import { authorOf } from "../../lib/liveMarks";
import type { Task } from "./api";
import { changesOf, problemsOf, valuesOf, type FormProblems, type FormValues } from "./taskFormValues";
import { useVersionedSave } from "./useVersionedSave";

const NO_PROBLEMS: FormProblems = {};

export type Field = keyof FormValues;

export interface Conflict {
  /** Their value, as the field holds it. */
  theirs: string;
  /** Who changed it, if the live stream said: "Ana", or "You" (another tab). */
  by: string | null;
}

export type Conflicts = Partial<Record<Field, Conflict>>;

/** Whether `value` in `field` is a change to `task` (as saving would judge it: trimmed, parsed). */
function differs(field: Field, value: string, task: Task): boolean {
  return Object.keys(changesOf({ ...valuesOf(task), [field]: value }, task)).length > 0;
}

export function useTaskForm(task: Task) {
  const [edits, setEdits] = useState<Partial<FormValues>>({});
  const [conflicts, setConflicts] = useState<Conflicts>({});
  const [showProblems, setShowProblems] = useState(false);
  const [unresolved, setUnresolved] = useState(false);

  const values: FormValues = { ...valuesOf(task), ...edits };
  const changes = changesOf(values, task);
  const dirty = Object.keys(changes).length > 0;

  const versioned = useVersionedSave(task, {
    onNewerVersion: (before) => {
      const author = authorOf(task.id, task.version);
      const kept: Partial<Record<Field, string>> = {};
      const found: Conflicts = { ...conflicts };
      for (const field of Object.keys(edits) as Field[]) {
        const mine = edits[field] ?? "";
        // Theirs is what this edit would have made it: nothing left to save there.
        if (!differs(field, mine, task)) {
          delete found[field];
          continue;
        }
        kept[field] = mine;
        if (differs(field, valuesOf(before)[field], task)) {
          found[field] = { theirs: valuesOf(task)[field], by: author?.by ?? null };
        }
      }
      setEdits(kept as Partial<FormValues>);
      setConflicts(found);
    },
  });

  function edit<K extends Field>(field: K, value: FormValues[K]) {
    setEdits((current) => ({ ...current, [field]: value }));
  }

  function takeTheirs(field: Field) {
    setEdits(({ [field]: _dropped, ...rest }) => rest);
    setConflicts(({ [field]: _resolved, ...rest }) => rest);
  }

  function keepMine(field: Field) {
    setConflicts(({ [field]: _resolved, ...rest }) => rest);
  }

  function reset() {
    setEdits({});
    setConflicts({});
    setShowProblems(false);
    setUnresolved(false);
  }

  const open = Object.keys(conflicts).length > 0;

  function submit() {
    if (!dirty || versioned.saving) return;
    // Someone changed a field being edited: whose value stays is the user's call, not the save's.
    if (open) {
      setUnresolved(true);
      return;
    }
    if (Object.keys(problemsOf(values)).length) {
      setShowProblems(true);
      return;
    }
    versioned.save(changes, reset);
  }

  return {
    values,
    dirty,
    saving: versioned.saving,
    problems: showProblems ? problemsOf(values) : NO_PROBLEMS,
    conflicts,
    /** A save was tried while a conflict waited for a choice. */
    unresolved: unresolved && open,
    edit,
    takeTheirs,
    keepMine,
    reset,
    submit,
  };
}
