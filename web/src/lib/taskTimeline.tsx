// The place in the task panel (features/tasks) where a task's history shows (features/activity).
// Features never import each other, so the app hands the panel the component through here.
import { createContext, useContext, type ComponentType } from "react";

export interface TaskTimelineProps {
  taskId: string;
  /** The task's version: the history looks again when it moves. */
  version: number;
}

const TaskTimelineContext = createContext<ComponentType<TaskTimelineProps> | null>(null);

export const TaskTimelineProvider = TaskTimelineContext.Provider;

/** The task's history where the app provides one; nothing where it does not (in tests, say). */
export function TaskTimelineSlot(props: TaskTimelineProps) {
  const Timeline = useContext(TaskTimelineContext);
  return Timeline ? <Timeline {...props} /> : null;
}
