// The pieces of the tasks feature that other views show (My tasks, Today, Upcoming, search):
// rows of tasks, the task panel and quick add. Features never import each other, so the app
// hands them over through here.
import { createContext, useContext, type ComponentType } from "react";

import type { Schemas } from "../api/client";

export type ViewTask = Schemas["TaskPublic"];

export interface TaskRowsProps {
  tasks: ViewTask[];
  /** The list's accessible name ("Overdue", "Tasks due Tuesday 8 December"). */
  label: string;
  selectedId: string | null;
  onOpen: (taskId: string) => void;
}

export interface QuickAddProps {
  projectId: string;
  hiddenByFilters: boolean;
  /** Fields every task added there gets. */
  extra?: Partial<Schemas["TaskCreate"]>;
}

export interface TaskViews {
  TaskRows: ComponentType<TaskRowsProps>;
  TaskPanel: ComponentType<{ taskId: string; onClose: () => void }>;
  QuickAdd: ComponentType<QuickAddProps>;
}

const TaskViewsContext = createContext<TaskViews | null>(null);

export const TaskViewsProvider = TaskViewsContext.Provider;

export function useTaskViews(): TaskViews {
  const views = useContext(TaskViewsContext);
  if (!views) throw new Error("useTaskViews needs a TaskViewsProvider (the app gives one)");
  return views;
}
