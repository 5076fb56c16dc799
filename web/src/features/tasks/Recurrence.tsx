// Whether a task repeats, chosen in words (every day, every weekday, every week on the due
// date's day, every month on its date, every year, or a custom RRULE), and whether the next one
// is due a step after this one's due date or after it is completed. Each choice is saved at
// once, as a conditional PATCH on the version shown; completing the task creates the next one.
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router";

import { describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { SelectField } from "../../components/Field";
import type { Task } from "./api";
import {
  customRuleProblem,
  describeRule,
  dueDayOf,
  normaliseRule,
  repeatChoices,
  repeatOf,
  ruleOf,
  type Repeat,
} from "./recurrence";
import { useTaskHref } from "./taskLink";
import { useVersionedSave } from "./useVersionedSave";

type Basis = "due" | "completion";

const noChange = () => undefined;

export function Recurrence({ task, readOnly }: { task: Task; readOnly: boolean }) {
  const { save, saving } = useVersionedSave(task, { onNewerVersion: noChange });
  const href = useTaskHref();
  const id = useId();
  // The rule being typed while "Custom" is chosen; null otherwise.
  const [custom, setCustom] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const due = dueDayOf(task);
  const repeat = custom !== null ? "custom" : repeatOf(task.recurrence, due);
  const basis: Basis = task.recurrence_basis ?? "due";
  const words = task.recurrence ? describeRule(task.recurrence) : null;
  const problem = custom !== null ? customRuleProblem(custom) : undefined;

  function saveRule(rule: string | null, onSaved?: () => void) {
    setError(undefined);
    // Without a rule the server clears the basis too.
    save(rule ? { recurrence: rule, recurrence_basis: basis } : { recurrence: null }, (failure) => {
      if (failure) setError(describeError(failure));
      else onSaved?.();
    });
  }

  function choose(choice: Repeat) {
    // One save at a time: each names the version the last one made.
    if (saving) return;
    if (choice === "custom") {
      setCustom(task.recurrence ?? (due ? ruleOf("weekly", due) : "FREQ=WEEKLY"));
      return;
    }
    setCustom(null);
    if (choice === "none") {
      if (task.recurrence) saveRule(null);
    } else if (due) {
      const rule = ruleOf(choice, due);
      if (rule !== task.recurrence) saveRule(rule);
    }
  }

  function saveCustom(event: FormEvent) {
    event.preventDefault();
    if (custom === null || problem) return;
    const rule = normaliseRule(custom);
    if (rule === task.recurrence) setCustom(null);
    else saveRule(rule, () => setCustom(null));
  }

  const typed = custom !== null && !problem ? describeRule(custom) : null;
  return (
    <section aria-labelledby={`${id}-heading`} className="space-y-2">
      <h3 id={`${id}-heading`} className="text-sm font-semibold text-ink">
        Repeat
      </h3>
      {/* Not disabled while saving: that would take the focus from the select just used. */}
      <fieldset disabled={readOnly} className="grid grid-cols-1 gap-3">
        <SelectField
          label="Repeats"
          value={repeat}
          disabled={!due && !task.recurrence}
          hint={!due ? "Give the task a due date first: it repeats from there." : undefined}
          onChange={(event) => choose(event.target.value as Repeat)}
        >
          {(due ? repeatChoices(due) : [{ value: "none", label: "Does not repeat" }]).map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
          {!due && task.recurrence ? <option value="custom">{words ?? task.recurrence}</option> : null}
        </SelectField>
        {task.recurrence ? (
          <SelectField
            label="Next one is due"
            value={basis}
            onChange={(event) => {
              if (!saving) save({ recurrence_basis: event.target.value as Basis }, noChange);
            }}
          >
            <option value="due">A step after the due date</option>
            <option value="completion">A step after completion</option>
          </SelectField>
        ) : null}
      </fieldset>
      {custom !== null ? (
        <form onSubmit={saveCustom} noValidate className="space-y-1.5">
          <label htmlFor={`${id}-rule`} className="block text-sm font-medium text-ink">
            Rule (RFC 5545 RRULE)
          </label>
          <div className="flex flex-wrap items-start gap-2">
            <input
              id={`${id}-rule`}
              value={custom}
              spellCheck={false}
              autoComplete="off"
              aria-invalid={problem || error ? true : undefined}
              aria-describedby={`${id}-rule-note`}
              onChange={(event) => {
                setCustom(event.target.value);
                setError(undefined);
              }}
              onKeyDown={(event) => {
                if (event.key === "Escape") {
                  // Closes the rule, not the panel.
                  event.preventDefault();
                  setCustom(null);
                }
              }}
              className="block min-w-0 flex-1 basis-60 rounded-md border border-line bg-surface px-3 py-2 font-mono text-sm text-ink focus-ring aria-invalid:border-red-500"
            />
            <Button type="submit" disabled={Boolean(problem) || saving || readOnly}>
              Save rule
            </Button>
            <Button variant="ghost" onClick={() => setCustom(null)}>
              Cancel
            </Button>
          </div>
          <p
            id={`${id}-rule-note`}
            role={problem || error ? "alert" : undefined}
            className={`text-xs ${problem || error ? "text-red-600 dark:text-red-400" : "text-ink-soft"}`}
          >
            {error ?? problem ?? (typed ? `${typed}.` : "A rule the server will check, e.g. FREQ=MONTHLY;BYDAY=1MO.")}
          </p>
        </form>
      ) : error ? (
        <p role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : task.recurrence ? (
        <p className="text-xs text-ink-soft">
          {words ?? `Custom rule: ${task.recurrence}`}. Completing it adds the next one
          {basis === "completion" ? ", counted from when it is completed" : ", counted from its due date"}.
          {task.next_occurrence_id ? (
            <>
              {" "}
              <Link
                to={href({ id: task.next_occurrence_id, project_id: task.project_id })}
                className="font-medium text-accent-700 underline-offset-2 hover:underline focus-ring dark:text-accent-100"
              >
                Open the next one
              </Link>
            </>
          ) : null}
        </p>
      ) : null}
    </section>
  );
}
