// The signed-in person's own reminders on a task (nobody else sees them): at the due time, some
// minutes, hours or days before it (they move with the due date), or at a date and time; each
// can be deleted. A reminder is a notice like the others: in the app, by e-mail, to webhooks.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { toast } from "sonner";

import { api, type Schemas } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { Button } from "../../components/Button";
import { ErrorState } from "../../components/States";
import { taskKeys, type Task } from "./api";
import { fromLocalInput } from "./taskFormValues";

type Reminder = Schemas["ReminderPublic"];

/** The offsets offered, in minutes before the due time. */
export const REMINDER_OFFSETS = [0, 5, 15, 60, 1440] as const;
const AT_A_TIME = "at";

const UNITS: [number, string][] = [
  [10_080, "week"],
  [1440, "day"],
  [60, "hour"],
  [1, "minute"],
];

/** "At the due time", "15 minutes before", "1 hour before", "2 days before", "90 minutes before". */
export function offsetWords(minutes: number): string {
  if (minutes === 0) return "At the due time";
  // The largest unit that says it exactly.
  const [size, unit] = UNITS.find(([size]) => minutes % size === 0) ?? [1, "minute"];
  const count = minutes / size;
  return `${count} ${unit}${count === 1 ? "" : "s"} before`;
}

const when = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

/** A reminder in words: what it is, and when it fires (or that it waits for a due date). */
export function reminderWords(reminder: Reminder): { what: string; detail: string | null } {
  if (reminder.remind_at) return { what: `At ${when.format(new Date(reminder.remind_at))}`, detail: null };
  const what = offsetWords(reminder.offset_minutes ?? 0);
  if (!reminder.fire_at) return { what, detail: "waits for a due date" };
  return { what, detail: when.format(new Date(reminder.fire_at)) };
}

export function Reminders({ task }: { task: Task }) {
  const client = useQueryClient();
  const id = useId();
  const key = taskKeys.reminders(task.id);
  const [choice, setChoice] = useState<string>(task.due_at ? "15" : AT_A_TIME);
  const [at, setAt] = useState("");
  const [error, setError] = useState<string>();
  const reminders = useQuery({
    queryKey: [...key, task.due_at] as const,
    // When the due date moves, so do the relative reminders: the list is asked for again.
    placeholderData: (previous) => previous,
    queryFn: async () =>
      unwrap(await api.GET("/api/tasks/{task_id}/reminders", { params: { path: { task_id: task.id } } })).items,
  });
  const items = reminders.data ?? [];

  const add = useMutation({
    mutationFn: async (body: Schemas["ReminderCreate"]) =>
      unwrap(await api.POST("/api/tasks/{task_id}/reminders", { params: { path: { task_id: task.id } }, body })),
    onSuccess: () => {
      setAt("");
      void client.invalidateQueries({ queryKey: key });
    },
    onError: (failure) => setError(describeError(failure)),
  });

  const remove = useMutation({
    mutationFn: async (reminder: Reminder) => {
      unwrap(
        await api.DELETE("/api/tasks/{task_id}/reminders/{reminder_id}", {
          params: { path: { task_id: task.id, reminder_id: reminder.id } },
        }),
      );
      return reminder;
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: key }),
    onError: (failure) => toast.error(describeError(failure)),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    if (choice !== AT_A_TIME) {
      add.mutate({ offset_minutes: Number(choice) });
      return;
    }
    const instant = fromLocalInput(at);
    if (!instant) {
      setError("Choose the date and time to be reminded at.");
      return;
    }
    add.mutate({ remind_at: instant });
  }

  return (
    <section aria-labelledby={`${id}-heading`} className="space-y-2">
      <h3 id={`${id}-heading`} className="text-sm font-semibold text-ink">
        My reminders
      </h3>
      {reminders.isError ? (
        <ErrorState error={reminders.error} onRetry={() => void reminders.refetch()} />
      ) : items.length ? (
        <ul aria-label="My reminders" className="space-y-1">
          {items.map((reminder) => {
            const { what, detail } = reminderWords(reminder);
            return (
              <li key={reminder.id} className="flex items-center gap-2 text-sm text-ink">
                <svg
                  viewBox="0 0 16 16"
                  className="size-3.5 shrink-0 text-ink-soft"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="1.5"
                  aria-hidden="true"
                >
                  <path d="M4 11.5V7a4 4 0 0 1 8 0v4.5l1 1H3l1-1ZM6.5 14h3" />
                </svg>
                <span className="min-w-0 flex-1 truncate">
                  {what}
                  {detail ? <span className="text-ink-soft"> · {detail}</span> : null}
                  {reminder.fired_at ? <span className="text-ink-soft"> · sent</span> : null}
                </span>
                <Button
                  variant="ghost"
                  className="!p-1"
                  aria-label={`Delete the reminder “${what}”`}
                  title="Delete reminder"
                  disabled={remove.isPending}
                  onClick={() => remove.mutate(reminder)}
                >
                  <svg
                    viewBox="0 0 16 16"
                    className="size-3.5"
                    fill="none"
                    stroke="currentColor"
                    strokeWidth="1.5"
                    aria-hidden="true"
                  >
                    <path d="M4 4l8 8M12 4l-8 8" />
                  </svg>
                </Button>
              </li>
            );
          })}
        </ul>
      ) : reminders.isPending ? null : (
        <p className="text-xs text-ink-soft">No reminders. Only you see the ones you add.</p>
      )}
      <form onSubmit={submit} noValidate className="flex flex-wrap items-end gap-2">
        <div className="space-y-1">
          <label htmlFor={`${id}-when`} className="block text-xs font-medium text-ink-soft">
            Remind me
          </label>
          <select
            id={`${id}-when`}
            value={choice}
            onChange={(event) => {
              setChoice(event.target.value);
              setError(undefined);
            }}
            className="block rounded-md border border-line bg-surface px-2.5 py-1.5 text-sm text-ink focus-ring"
          >
            {REMINDER_OFFSETS.map((minutes) => (
              <option key={minutes} value={String(minutes)} disabled={!task.due_at}>
                {offsetWords(minutes)}
                {task.due_at ? "" : " (needs a due date)"}
              </option>
            ))}
            <option value={AT_A_TIME}>At a date and time…</option>
          </select>
        </div>
        {choice === AT_A_TIME ? (
          <div className="space-y-1">
            <label htmlFor={`${id}-at`} className="block text-xs font-medium text-ink-soft">
              Date and time
            </label>
            <input
              id={`${id}-at`}
              type="datetime-local"
              value={at}
              onChange={(event) => {
                setAt(event.target.value);
                setError(undefined);
              }}
              className="block rounded-md border border-line bg-surface px-2.5 py-1.5 text-sm text-ink focus-ring"
            />
          </div>
        ) : null}
        <Button type="submit" variant="secondary" className="!py-1.5" disabled={add.isPending}>
          Add reminder
        </Button>
        {error ? (
          <p role="alert" className="basis-full text-xs text-red-600 dark:text-red-400">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}
