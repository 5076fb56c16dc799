// Default reminders: the reminders (minutes before due) every task assigned to the user with a
// due date starts with, unless they set their own on it. Saved on their own, apart from e-mail.
import { useId, useState, type FormEvent } from "react";

import { describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { ErrorState, Spinner } from "../../components/States";
import { usePreferences, useSavePreferences } from "./api";
import { Saved, Section } from "./SettingsLayout";

// The API takes at most this many (PreferencesUpdate.default_reminders).
export const MAX_DEFAULT_REMINDERS = 5;
const CHOICES = [0, 5, 15, 30, 60, 120, 1440, 2880, 10080];

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? "" : "s"}`;

/** "At the due time", "15 minutes before", "1 hour 30 minutes before", "1 week before". */
export function reminderLabel(minutes: number): string {
  if (minutes === 0) return "At the due time";
  const parts = [
    [Math.floor(minutes / 10080), "week"],
    [Math.floor((minutes % 10080) / 1440), "day"],
    [Math.floor((minutes % 1440) / 60), "hour"],
    [minutes % 60, "minute"],
  ] as const;
  return `${parts
    .filter(([count]) => count > 0)
    .map(([count, unit]) => plural(count, unit))
    .join(" ")} before`;
}

export function DefaultReminders() {
  const preferences = usePreferences();
  return (
    <Section
      title="Default reminders"
      description="When a task with a due date is assigned to you, it gets these reminders (unless you set your own on it). An all-day task is due at the end of its day."
    >
      {preferences.isPending ? (
        <Spinner label="Loading your default reminders" />
      ) : preferences.isError ? (
        <ErrorState error={preferences.error} onRetry={() => void preferences.refetch()} />
      ) : (
        <RemindersForm saved={preferences.data.default_reminders} />
      )}
    </Section>
  );
}

function RemindersForm({ saved }: { saved: number[] }) {
  const save = useSavePreferences();
  const [chosen, setChosen] = useState<number[]>(saved);
  const [done, setDone] = useState(false);
  const limitId = useId();
  const full = chosen.length >= MAX_DEFAULT_REMINDERS;
  // Any saved elsewhere (the API) that is not one of the usual choices is offered too.
  const choices = [...new Set([...CHOICES, ...saved])].sort((a, b) => a - b);

  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    save.mutate(
      { default_reminders: [...chosen].sort((a, b) => a - b) },
      {
        onSuccess: (fresh) => {
          setChosen(fresh.default_reminders);
          setDone(true);
        },
      },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-5">
      <fieldset aria-describedby={limitId}>
        <legend className="text-sm font-medium">Remind me</legend>
        <p id={limitId} className="mt-0.5 text-xs text-ink-soft">
          {full
            ? `That is ${MAX_DEFAULT_REMINDERS}, the most there can be: untick one to choose another.`
            : `Up to ${MAX_DEFAULT_REMINDERS}. None: tasks start without reminders.`}
        </p>
        <div className="mt-3 grid gap-2 sm:grid-cols-3">
          {choices.map((minutes) => {
            const checked = chosen.includes(minutes);
            return (
              <label
                key={minutes}
                className="flex cursor-pointer items-center gap-3 rounded-lg border border-line px-3 py-2.5 text-sm transition-colors hover:bg-muted has-disabled:cursor-not-allowed has-disabled:opacity-50"
              >
                <input
                  type="checkbox"
                  checked={checked}
                  disabled={!checked && full}
                  onChange={(event) => {
                    const on = event.target.checked;
                    setChosen((current) => (on ? [...current, minutes] : current.filter((m) => m !== minutes)));
                    setDone(false);
                  }}
                  className="size-4 shrink-0 rounded accent-accent-600 focus-ring"
                />
                <span>{reminderLabel(minutes)}</span>
              </label>
            );
          })}
        </div>
      </fieldset>
      {save.isError ? (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {describeError(save.error)}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save default reminders"}
        </Button>
        {done ? <Saved>Default reminders saved.</Saved> : null}
      </div>
    </form>
  );
}
