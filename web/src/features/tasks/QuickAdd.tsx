// Quick add: type a title, press Enter, type the next one. Dates, priorities and labels typed in
// it ("Print banners tomorrow p1 #design") show as chips before saving, and are saved as the
// task's fields; dismissing a chip keeps those words in the title. The field empties at once
// and keeps focus; if the server refuses, the title comes back with the reason.
import { useId, useMemo, useRef, useState, type FormEvent } from "react";
import { toast } from "sonner";

import type { Schemas } from "../../api/client";
import { describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { LIMITS, overLimit } from "../../lib/limits";
import { useCreateTask } from "./api";
import { parseQuickAdd, type PartKind, type QuickTask } from "./quickAddParse";

/** Why the parsed task cannot be sent as it is, or undefined. */
export function quickAddProblem(task: QuickTask): string | undefined {
  const long = overLimit("Title", task.title, LIMITS.title);
  if (long) return long;
  if (task.labels.length > LIMITS.labels) return `That is ${task.labels.length} labels; the limit is ${LIMITS.labels}.`;
  for (const label of task.labels) {
    const problem = overLimit(`Label “${label.slice(0, 20)}…”`, label, LIMITS.label);
    if (problem) return problem;
  }
  return undefined;
}

export function QuickAdd({
  projectId,
  hiddenByFilters,
  extra,
}: {
  projectId: string;
  hiddenByFilters: boolean;
  /** Fields every task added here gets (My tasks assigns them to the person adding). */
  extra?: Partial<Schemas["TaskCreate"]>;
}) {
  const create = useCreateTask();
  const input = useRef<HTMLInputElement>(null);
  const ids = useId();
  const [title, setTitle] = useState("");
  const [ignored, setIgnored] = useState<ReadonlySet<PartKind>>(new Set());
  const [error, setError] = useState<string | undefined>();
  const parsed = useMemo(() => parseQuickAdd(title, new Date(), ignored), [title, ignored]);
  const problem = quickAddProblem(parsed);
  const shownError = problem ?? error;
  const errorId = `${ids}-error`;
  const chipsId = `${ids}-chips`;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (problem) {
      input.current?.focus();
      return;
    }
    if (!parsed.title) {
      setError("Type a title for the task first.");
      input.current?.focus();
      return;
    }
    const body: Schemas["TaskCreate"] = { project_id: projectId, title: parsed.title, ...extra };
    if (parsed.priority) body.priority = parsed.priority;
    if (parsed.labels.length) body.labels = parsed.labels;
    if (parsed.due_date) body.due_date = parsed.due_date;
    if (parsed.due_at) body.due_at = parsed.due_at;
    const typed = title;
    setError(undefined);
    setTitle("");
    setIgnored(new Set());
    input.current?.focus();
    create.mutate(body, {
      onSuccess: (created) => {
        if (hiddenByFilters) toast.success(`Added “${created.title}”. The current filters may hide it.`);
      },
      onError: (failure) => {
        // Give the text back unless a new one is already being typed.
        setTitle((current) => current || typed);
        setError(`Could not add the task: ${describeError(failure)}`);
        input.current?.focus();
      },
    });
  }

  const described = [shownError ? errorId : null, parsed.parts.length ? chipsId : null].filter(Boolean).join(" ");
  return (
    <form onSubmit={submit} noValidate className="space-y-1.5">
      <div className="flex gap-2">
        <div className="relative min-w-0 flex-1">
          <label htmlFor="quick-add" className="sr-only">
            New task
          </label>
          <svg
            viewBox="0 0 20 20"
            fill="currentColor"
            aria-hidden="true"
            className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-ink-soft"
          >
            <path d="M10.75 4.75a.75.75 0 0 0-1.5 0v4.5h-4.5a.75.75 0 0 0 0 1.5h4.5v4.5a.75.75 0 0 0 1.5 0v-4.5h4.5a.75.75 0 0 0 0-1.5h-4.5v-4.5Z" />
          </svg>
          <input
            ref={input}
            id="quick-add"
            // The keyboard's quick add shortcut (features/keyboard/shortcuts.ts).
            aria-keyshortcuts="q n"
            type="text"
            value={title}
            autoComplete="off"
            enterKeyHint="done"
            placeholder="Add a task: Print banners tomorrow p1 #design"
            aria-invalid={shownError ? true : undefined}
            aria-describedby={described || undefined}
            onChange={(event) => {
              setTitle(event.target.value);
              if (!event.target.value) setIgnored(new Set());
              if (error) setError(undefined);
            }}
            className="block w-full rounded-lg border border-line bg-surface py-2.5 pl-9 pr-3 text-sm text-ink shadow-xs placeholder:text-ink-soft focus-ring aria-invalid:border-red-500"
          />
        </div>
        <Button
          type="submit"
          className="shrink-0"
          disabled={Boolean(problem)}
          aria-describedby={problem ? errorId : undefined}
        >
          Add task
        </Button>
      </div>
      {parsed.parts.length ? (
        <div id={chipsId} className="flex flex-wrap items-center gap-1.5 text-xs">
          <span className="text-ink-soft">Understood:</span>
          <ul aria-label="Understood from the title" className="contents">
            {parsed.parts.map((part) => (
              <li
                key={`${part.kind}-${part.source}`}
                data-chip={part.kind}
                className="inline-flex items-center gap-1 rounded-full bg-accent-50 py-0.5 pl-2 pr-1 font-medium text-accent-700 ring-1 ring-inset ring-accent-200 dark:bg-accent-500/15 dark:text-accent-100 dark:ring-accent-500/30"
              >
                {part.meaning}
                <button
                  type="button"
                  aria-label={`Keep “${part.source}” in the title instead`}
                  title={`Keep “${part.source}” in the title`}
                  onClick={() => {
                    setIgnored((current) => new Set([...current, part.kind]));
                    input.current?.focus();
                  }}
                  className="grid size-4 place-items-center rounded-full hover:bg-accent-100 focus-ring dark:hover:bg-accent-500/30"
                >
                  <svg viewBox="0 0 16 16" className="size-3" fill="currentColor" aria-hidden="true">
                    <path d="M4.3 4.3a1 1 0 0 1 1.4 0L8 6.6l2.3-2.3a1 1 0 1 1 1.4 1.4L9.4 8l2.3 2.3a1 1 0 0 1-1.4 1.4L8 9.4l-2.3 2.3a1 1 0 0 1-1.4-1.4L6.6 8 4.3 5.7a1 1 0 0 1 0-1.4Z" />
                  </svg>
                </button>
              </li>
            ))}
          </ul>
          {parsed.title ? <span className="text-ink-soft">Title: “{parsed.title}”</span> : null}
        </div>
      ) : null}
      {/* Said once typing settles on something new: what the title was read as. */}
      <p className="sr-only" aria-live="polite">
        {parsed.parts.length ? `Understood: ${parsed.parts.map((part) => part.meaning).join(", ")}.` : ""}
      </p>
      {shownError ? (
        <p id={errorId} role="alert" className="text-xs text-red-600 dark:text-red-400">
          {shownError}
        </p>
      ) : null}
    </form>
  );
}
