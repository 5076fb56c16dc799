// Quick add: type a title, press Enter, type the next one. The field empties at once and
// keeps focus; if the server refuses, the title comes back with the reason.
import { useRef, useState, type FormEvent } from "react";
import { toast } from "sonner";

import { describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { useCreateTask } from "./api";

const TITLE_MAX = 200;

export function QuickAdd({ projectId, hiddenByFilters }: { projectId: string; hiddenByFilters: boolean }) {
  const create = useCreateTask();
  const input = useRef<HTMLInputElement>(null);
  const [title, setTitle] = useState("");
  const [error, setError] = useState<string | undefined>();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = title.trim();
    if (!text) {
      setError("Type a title for the task first.");
      input.current?.focus();
      return;
    }
    setError(undefined);
    setTitle("");
    input.current?.focus();
    create.mutate(
      { project_id: projectId, title: text },
      {
        onSuccess: () => {
          if (hiddenByFilters) toast.success(`Added “${text}”. The current filters may hide it.`);
        },
        onError: (failure) => {
          // Give the title back unless a new one is already being typed.
          setTitle((current) => current || text);
          setError(`Could not add the task: ${describeError(failure)}`);
          input.current?.focus();
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-1">
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
            maxLength={TITLE_MAX}
            autoComplete="off"
            enterKeyHint="done"
            placeholder="Add a task and press Enter"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "quick-add-error" : undefined}
            onChange={(event) => {
              setTitle(event.target.value);
              if (error) setError(undefined);
            }}
            className="block w-full rounded-lg border border-line bg-surface py-2.5 pl-9 pr-3 text-sm text-ink shadow-xs placeholder:text-ink-soft focus-ring aria-invalid:border-red-500"
          />
        </div>
        <Button type="submit" className="shrink-0">
          Add task
        </Button>
      </div>
      {error ? (
        <p id="quick-add-error" role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </form>
  );
}
