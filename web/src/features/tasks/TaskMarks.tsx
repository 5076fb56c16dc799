// Small marks a task's row or card shows: how many of its subtasks are done ("2/5"), and that it
// repeats (with the rule in words as its title).
import type { Task } from "./api";
import { describeRule } from "./recurrence";

/** "2 of 5 subtasks done", or null for a task without subtasks. */
export function progressWords(task: Pick<Task, "subtask_count" | "subtasks_done">): string | null {
  if (!task.subtask_count) return null;
  return `${task.subtasks_done} of ${task.subtask_count} subtask${task.subtask_count === 1 ? "" : "s"} done`;
}

/** "Repeats every week on Monday", or null for a task that does not repeat. */
export function repeatWords(rule: string | null | undefined): string | null {
  if (!rule) return null;
  const words = describeRule(rule);
  return words ? `Repeats ${words.charAt(0).toLowerCase()}${words.slice(1)}` : `Repeats (${rule})`;
}

export function SubtaskProgress({ task }: { task: Pick<Task, "subtask_count" | "subtasks_done"> }) {
  const words = progressWords(task);
  if (!words) return null;
  const complete = task.subtasks_done >= task.subtask_count;
  return (
    <span
      title={words}
      className={`inline-flex items-center gap-1 text-xs tabular-nums ${complete ? "text-emerald-700 dark:text-emerald-400" : "text-ink-soft"}`}
    >
      <svg
        viewBox="0 0 16 16"
        className="size-3.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
        aria-hidden="true"
      >
        <rect x="2" y="2" width="12" height="12" rx="2.5" />
        <path d="m5 8.2 2 2 4-4.4" />
      </svg>
      <span aria-hidden="true">
        {task.subtasks_done}/{task.subtask_count}
      </span>
      <span className="sr-only">{words}</span>
    </span>
  );
}

export function RepeatMark({ rule }: { rule: string | null | undefined }) {
  const words = repeatWords(rule);
  if (!words) return null;
  return (
    <span title={words} className="inline-flex items-center text-ink-soft">
      <svg
        viewBox="0 0 16 16"
        className="size-3.5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
        aria-hidden="true"
      >
        <path d="M12.5 6.5A4.75 4.75 0 0 0 3.7 5M3.5 9.5a4.75 4.75 0 0 0 8.8 1.5" />
        <path d="M3.5 2.5V5.2h2.7M12.5 13.5v-2.7H9.8" />
      </svg>
      <span className="sr-only">{words}</span>
    </span>
  );
}
