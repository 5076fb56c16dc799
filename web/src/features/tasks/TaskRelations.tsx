// How a task relates to others (blocks, is blocked by, relates to, duplicates, is duplicated
// by): each related task a link that opens it, grouped by kind; editors add one by finding the
// other task by its title (in any project they can read) and remove one.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useDeferredValue, useId, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { toast } from "sonner";

import { api, type Schemas } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { Button } from "../../components/Button";
import { SelectField } from "../../components/Field";
import { ErrorState } from "../../components/States";
import { statusLabel } from "../../lib/labels";
import { LIMITS } from "../../lib/limits";
import { taskKeys, type Task } from "./api";
import { useTaskHref } from "./taskLink";

type Relation = Schemas["RelationPublic"];
export type RelationKind = Relation["kind"];

export const RELATION_KINDS: { value: RelationKind; label: string; heading: string }[] = [
  { value: "blocks", label: "Blocks", heading: "Blocks" },
  { value: "blocked_by", label: "Is blocked by", heading: "Blocked by" },
  { value: "relates_to", label: "Relates to", heading: "Related" },
  { value: "duplicates", label: "Duplicates", heading: "Duplicates" },
  { value: "duplicated_by", label: "Is duplicated by", heading: "Duplicated by" },
];

const SEARCH_RESULTS = 8;

function useRelations(taskId: string) {
  return useQuery({
    queryKey: taskKeys.relations(taskId),
    queryFn: async () =>
      unwrap(await api.GET("/api/tasks/{task_id}/relations", { params: { path: { task_id: taskId } } })).items,
  });
}

/** Tasks whose title matches `text`, in every project the person can read. */
function useTaskSearch(text: string) {
  const q = text.trim();
  return useQuery({
    queryKey: [...taskKeys.all, "search", q] as const,
    enabled: q.length > 0 && q.length <= LIMITS.search,
    staleTime: 30_000,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/tasks", { params: { query: { q, limit: SEARCH_RESULTS } }, signal })).items,
  });
}

function AddRelation({ task, related, onDone }: { task: Task; related: Set<string>; onDone: () => void }) {
  const client = useQueryClient();
  const id = useId();
  const [kind, setKind] = useState<RelationKind>("relates_to");
  const [text, setText] = useState("");
  const [chosen, setChosen] = useState<Pick<Task, "id" | "title"> | null>(null);
  const [error, setError] = useState<string>();
  const search = useTaskSearch(useDeferredValue(text));
  const found = (search.data ?? []).filter((item) => item.id !== task.id && !related.has(item.id));

  const add = useMutation({
    mutationFn: async (other: string) =>
      unwrap(
        await api.POST("/api/tasks/{task_id}/relations", {
          params: { path: { task_id: task.id } },
          body: { kind, task_id: other },
        }),
      ),
    onSuccess: (relation) => {
      client.setQueryData<Relation[]>(taskKeys.relations(task.id), (items) => [...(items ?? []), relation]);
      void client.invalidateQueries({ queryKey: taskKeys.relations(relation.task.id) });
      onDone();
    },
    onError: (failure) => setError(describeError(failure)),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!chosen) {
      setError("Choose the other task first: type part of its title.");
      return;
    }
    setError(undefined);
    add.mutate(chosen.id);
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label="Add a relation"
      className="space-y-3 rounded-lg border border-line p-3"
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          // Closes this form, not the panel.
          event.preventDefault();
          onDone();
        }
      }}
    >
      <SelectField label="This task" value={kind} onChange={(event) => setKind(event.target.value as RelationKind)}>
        {RELATION_KINDS.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </SelectField>
      <div className="space-y-1">
        <label htmlFor={`${id}-find`} className="block text-sm font-medium text-ink">
          Other task
        </label>
        {chosen ? (
          <p className="flex items-center gap-2 text-sm text-ink">
            <span className="min-w-0 flex-1 truncate font-medium">{chosen.title}</span>
            <Button
              variant="ghost"
              className="!px-2 !py-1 text-xs"
              onClick={() => {
                setChosen(null);
                setText("");
              }}
            >
              Change
            </Button>
          </p>
        ) : (
          <>
            <input
              id={`${id}-find`}
              type="search"
              value={text}
              autoFocus
              autoComplete="off"
              placeholder="Type part of its title…"
              onChange={(event) => setText(event.target.value)}
              className="block w-full rounded-md border border-line bg-surface px-3 py-2 text-sm text-ink placeholder:text-ink-soft focus-ring"
            />
            {text.trim() && search.isSuccess ? (
              found.length ? (
                <ul aria-label="Matching tasks" className="max-h-48 overflow-y-auto rounded-md border border-line">
                  {found.map((item) => (
                    <li key={item.id}>
                      <button
                        type="button"
                        onClick={() => {
                          setChosen(item);
                          setError(undefined);
                        }}
                        className="block w-full truncate px-3 py-1.5 text-left text-sm text-ink hover:bg-muted focus-ring"
                      >
                        {item.title}
                      </button>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="text-xs text-ink-soft">No other task matches “{text.trim()}”.</p>
              )
            ) : null}
          </>
        )}
      </div>
      {error ? (
        <p role="alert" className="text-xs text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
      <div className="flex gap-2">
        <Button type="submit" disabled={add.isPending || !chosen}>
          Add relation
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

export function TaskRelations({ task, canEdit }: { task: Task; canEdit: boolean }) {
  const client = useQueryClient();
  const relations = useRelations(task.id);
  const href = useTaskHref();
  const headingId = useId();
  const [adding, setAdding] = useState(false);
  const header = useRef<HTMLDivElement>(null);
  const items = relations.data ?? [];

  /** Close the form, and put the focus back on the button that opened it. */
  function stopAdding() {
    setAdding(false);
    requestAnimationFrame(() => header.current?.querySelector("button")?.focus());
  }

  const remove = useMutation({
    mutationFn: async (relation: Relation) => {
      unwrap(
        await api.DELETE("/api/tasks/{task_id}/relations/{relation_id}", {
          params: { path: { task_id: task.id, relation_id: relation.id } },
        }),
      );
      return relation;
    },
    onSuccess: (relation) => {
      client.setQueryData<Relation[]>(taskKeys.relations(task.id), (current) =>
        (current ?? []).filter((item) => item.id !== relation.id),
      );
      void client.invalidateQueries({ queryKey: taskKeys.relations(relation.task.id) });
    },
    onError: (failure) => toast.error(describeError(failure)),
  });

  return (
    <section aria-labelledby={headingId} className="space-y-2">
      <div ref={header} className="flex items-center gap-2">
        <h3 id={headingId} className="text-sm font-semibold text-ink">
          Related tasks
        </h3>
        {canEdit && !adding ? (
          <Button variant="ghost" className="ml-auto !px-2 !py-1 text-xs" onClick={() => setAdding(true)}>
            Add relation
          </Button>
        ) : null}
      </div>
      {relations.isError ? (
        <ErrorState error={relations.error} onRetry={() => void relations.refetch()} />
      ) : items.length ? (
        RELATION_KINDS.filter((kind) => items.some((item) => item.kind === kind.value)).map((kind) => (
          <div key={kind.value} className="space-y-1">
            <h4 className="text-xs font-medium text-ink-soft">{kind.heading}</h4>
            <ul aria-label={kind.heading} className="space-y-1">
              {items
                .filter((item) => item.kind === kind.value)
                .map((item) => (
                  <li key={item.id} className="flex items-center gap-2 text-sm">
                    <Link
                      to={href(item.task)}
                      className={`min-w-0 flex-1 truncate underline-offset-2 hover:underline focus-ring ${
                        item.task.status === "done" || item.task.status === "cancelled"
                          ? "text-ink-soft line-through"
                          : "text-accent-700 dark:text-accent-100"
                      }`}
                    >
                      {item.task.title}
                    </Link>
                    <span className="shrink-0 text-xs text-ink-soft">{statusLabel(item.task.status)}</span>
                    {canEdit ? (
                      <Button
                        variant="ghost"
                        className="!p-1"
                        aria-label={`Remove the relation “${kind.label.toLowerCase()} ${item.task.title}”`}
                        title="Remove relation"
                        disabled={remove.isPending}
                        onClick={() => remove.mutate(item)}
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
                    ) : null}
                  </li>
                ))}
            </ul>
          </div>
        ))
      ) : relations.isPending || adding ? null : (
        <p className="text-xs text-ink-soft">No related tasks.</p>
      )}
      {adding ? (
        <AddRelation task={task} related={new Set(items.map((item) => item.task.id))} onDone={stopAdding} />
      ) : null}
    </section>
  );
}
