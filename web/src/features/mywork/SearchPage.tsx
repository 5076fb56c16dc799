// Search across every project of the user's (/search?q=...): the words are in the address, so a
// search can be linked to and comes back on reload. A search past the API's limit says so and
// is not sent.
import { useEffect, useId, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";

import { Button } from "../../components/Button";
import { TextField } from "../../components/Field";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { LIMITS, overLimit } from "../../lib/limits";
import { useTaskViews } from "../../lib/taskViews";
import { useTaskSearch } from "./api";
import { useTaskPanel } from "../../hooks/useTaskPanel";

export function SearchPage() {
  const [params, setParams] = useSearchParams();
  const q = (params.get("q") ?? "").trim();
  const [text, setText] = useState(q);
  const tooLong = overLimit("The search", text.trim(), LIMITS.search);
  const sent = overLimit("The search", q, LIMITS.search) ? "" : q;
  const results = useTaskSearch(sent);
  const { TaskRows, TaskPanel } = useTaskViews();
  const { taskId, open, close } = useTaskPanel();
  const countId = useId();

  // The address changed under the field (back, a link): show its words.
  useEffect(() => setText(q), [q]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (tooLong) return;
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (text.trim()) next.set("q", text.trim());
      else next.delete("q");
      next.delete("task");
      return next;
    });
  }

  const tasks = results.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <div className="flex h-full min-h-0">
      <div className="min-w-0 flex-1 overflow-y-auto">
        <div className="mx-auto max-w-5xl space-y-5 p-4 sm:p-6">
          <h1 className="text-2xl font-semibold tracking-tight text-ink">Search</h1>
          <form role="search" onSubmit={submit} noValidate className="flex items-end gap-2">
            <div className="min-w-0 flex-1">
              <TextField
                label="Search tasks in all your projects"
                type="search"
                value={text}
                error={tooLong}
                onChange={(event) => setText(event.target.value)}
              />
            </div>
            <Button type="submit" disabled={Boolean(tooLong)}>
              Search
            </Button>
          </form>
          {!sent ? (
            <p className="text-sm text-ink-soft">Type words from a task’s title or description.</p>
          ) : results.isPending ? (
            <Spinner label="Searching" />
          ) : results.isError && !results.data ? (
            <ErrorState error={results.error} onRetry={() => void results.refetch()} />
          ) : tasks.length === 0 ? (
            <EmptyState title={`No tasks match “${sent}”`}>
              <p>Try other words.</p>
            </EmptyState>
          ) : (
            <div className="space-y-3">
              <p id={countId} role="status" className="text-sm text-ink-soft">
                {tasks.length === 1 ? "1 task" : `${tasks.length}${results.hasNextPage ? "+" : ""} tasks`} match “{sent}
                ”.
              </p>
              <TaskRows tasks={tasks} label={`Tasks matching ${sent}`} selectedId={taskId} onOpen={open} />
              {results.hasNextPage ? (
                <div className="flex justify-center">
                  <Button
                    variant="secondary"
                    disabled={results.isFetchingNextPage}
                    onClick={() => void results.fetchNextPage()}
                  >
                    Load more
                  </Button>
                </div>
              ) : null}
            </div>
          )}
        </div>
      </div>
      {taskId ? (
        <div className="fixed inset-x-0 bottom-0 top-14 z-30 overflow-y-auto border-line bg-surface shadow-2xl sm:left-auto sm:w-[28rem] sm:border-l xl:static xl:z-auto xl:shrink-0 xl:shadow-none">
          <TaskPanel key={taskId} taskId={taskId} onClose={close} />
        </div>
      ) : null}
    </div>
  );
}
