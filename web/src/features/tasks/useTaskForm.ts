// The task form's state: only the fields the user touched are held, so the rest always show the
// server's latest values; problems show once a save was tried.
import { useState } from "react";

import type { Task } from "./api";
import { changesOf, problemsOf, valuesOf, type FormProblems, type FormValues } from "./taskFormValues";
import { useVersionedSave } from "./useVersionedSave";

const NO_PROBLEMS: FormProblems = {};

export function useTaskForm(task: Task) {
  const [edits, setEdits] = useState<Partial<FormValues>>({});
  const [showProblems, setShowProblems] = useState(false);

  const values: FormValues = { ...valuesOf(task), ...edits };
  const changes = changesOf(values, task);
  const dirty = Object.keys(changes).length > 0;
  const versioned = useVersionedSave(task, { dirty, onNewerVersion: () => setEdits({}) });

  function edit<K extends keyof FormValues>(field: K, value: FormValues[K]) {
    setEdits((current) => ({ ...current, [field]: value }));
    versioned.begin();
  }

  function reset() {
    setEdits({});
    versioned.forget();
    setShowProblems(false);
  }

  function submit() {
    if (!dirty || versioned.saving) return;
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
    edit,
    reset,
    submit,
  };
}
