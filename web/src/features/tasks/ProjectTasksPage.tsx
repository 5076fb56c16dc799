// A project's tasks: header, quick add, filters, then the list or the board; the task
// detail panel beside them (over them on small screens). Filters, view and open task all
// live in the address, so a link or a reload shows the same screen.
import { useCallback, useMemo, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";

import { useProject } from "../../api/queries";
import { ErrorState } from "../../components/States";
import { useTaskPanel } from "../../hooks/useTaskPanel";
import { useUser } from "../../lib/auth";
import { QuickAdd } from "./QuickAdd";
import { TaskBoard } from "./TaskBoard";
import { TaskDetail } from "./TaskDetail";
import { TaskFilters, type FiltersChange } from "./TaskFilters";
import { TaskList } from "./TaskList";
import { clearFilters, isFiltered, parseFilters, toTaskQuery, writeFilters } from "./filters";

function ViewLink({ to, active, children, icon }: { to: string; active: boolean; children: string; icon: string }) {
  return (
    <Link
      to={to}
      aria-current={active ? "page" : undefined}
      // The keyboard's switch-view shortcut presses the other view (features/keyboard/shortcuts.ts).
      aria-keyshortcuts={active ? undefined : "v"}
      className={`inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium transition-colors focus-ring ${
        active ? "bg-surface text-ink shadow-sm ring-1 ring-line" : "text-ink-soft hover:text-ink"
      }`}
    >
      <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className="size-4">
        <path fillRule="evenodd" clipRule="evenodd" d={icon} />
      </svg>
      {children}
    </Link>
  );
}

const LIST_ICON =
  "M2 4.75A.75.75 0 0 1 2.75 4h14.5a.75.75 0 0 1 0 1.5H2.75A.75.75 0 0 1 2 4.75Zm0 5A.75.75 0 0 1 2.75 9h14.5a.75.75 0 0 1 0 1.5H2.75A.75.75 0 0 1 2 9.75Zm0 5a.75.75 0 0 1 .75-.75h14.5a.75.75 0 0 1 0 1.5H2.75a.75.75 0 0 1-.75-.75Z";
const BOARD_ICON =
  "M2 4.5A1.5 1.5 0 0 1 3.5 3h2A1.5 1.5 0 0 1 7 4.5v11A1.5 1.5 0 0 1 5.5 17h-2A1.5 1.5 0 0 1 2 15.5v-11Zm6.5 0A1.5 1.5 0 0 1 10 3h2a1.5 1.5 0 0 1 1.5 1.5v7A1.5 1.5 0 0 1 12 13h-2a1.5 1.5 0 0 1-1.5-1.5v-7ZM16.5 3A1.5 1.5 0 0 0 15 4.5v4a1.5 1.5 0 0 0 1.5 1.5h.5A1.5 1.5 0 0 0 18.5 8.5v-4A1.5 1.5 0 0 0 17 3h-.5Z";

export function ProjectTasksPage() {
  const { projectId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const user = useUser();
  const project = useProject(projectId);
  // "Today" for the due presets: fixed while the page is open, so the list's query is too.
  const [today] = useState(() => new Date());

  const filters = useMemo(() => parseFilters(params), [params]);
  const query = useMemo(
    () => toTaskQuery(filters, { projectId, userId: user.id, now: today }),
    [filters, projectId, user.id, today],
  );
  const board = params.get("view") === "board";
  const { taskId, open, close } = useTaskPanel();
  const canEdit = project.data ? project.data.role !== "viewer" : false;

  const change: FiltersChange = useCallback(
    (next, options) => setParams((current) => writeFilters(next, current), { replace: options?.replace ?? false }),
    [setParams],
  );

  const viewUrl = (view: "list" | "board") => {
    const next = new URLSearchParams(params);
    if (view === "board") next.set("view", "board");
    else next.delete("view");
    const search = next.toString();
    return search ? `?${search}` : `/projects/${projectId}`;
  };

  if (project.isError) {
    return (
      <div className="mx-auto max-w-3xl p-4 sm:p-6">
        <ErrorState error={project.error} onRetry={() => void project.refetch()} />
      </div>
    );
  }

  return (
    <div className="flex h-full min-h-0">
      <div className="min-w-0 flex-1 overflow-y-auto">
        <div className={`mx-auto space-y-5 p-4 sm:p-6 ${board ? "max-w-none" : "max-w-5xl"}`}>
          <header className="flex flex-wrap items-center gap-x-4 gap-y-3">
            <div className="min-w-0 basis-full sm:flex-1">
              {project.data ? (
                <h1 className="truncate text-2xl font-semibold tracking-tight text-ink">{project.data.name}</h1>
              ) : (
                <h1 className="h-8 w-48 animate-pulse rounded-md bg-muted">
                  <span className="sr-only">Loading project</span>
                </h1>
              )}
              {project.data?.description ? (
                <p className="mt-1 line-clamp-2 text-sm text-ink-soft">{project.data.description}</p>
              ) : null}
            </div>
            <nav aria-label="Views" className="flex items-center gap-1 rounded-lg bg-muted p-1">
              <ViewLink to={viewUrl("list")} active={!board} icon={LIST_ICON}>
                List
              </ViewLink>
              <ViewLink to={viewUrl("board")} active={board} icon={BOARD_ICON}>
                Board
              </ViewLink>
            </nav>
            <Link
              to={`/projects/${projectId}/settings`}
              className="inline-flex items-center gap-1.5 rounded-md px-2.5 py-1.5 text-sm text-ink-soft transition-colors hover:bg-muted hover:text-ink focus-ring"
            >
              <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className="size-4">
                <path
                  fillRule="evenodd"
                  clipRule="evenodd"
                  d="M7.84 1.8A1 1 0 0 1 8.82 1h2.36a1 1 0 0 1 .98.8l.3 1.5c.5.2.96.47 1.39.8l1.45-.49a1 1 0 0 1 1.19.45l1.18 2.04a1 1 0 0 1-.2 1.25l-1.15 1.01a6.1 6.1 0 0 1 0 1.6l1.15 1.01a1 1 0 0 1 .2 1.25l-1.18 2.04a1 1 0 0 1-1.19.45l-1.45-.49c-.43.33-.9.6-1.39.8l-.3 1.5a1 1 0 0 1-.98.8H8.82a1 1 0 0 1-.98-.8l-.3-1.5a6 6 0 0 1-1.39-.8l-1.45.49a1 1 0 0 1-1.19-.45L2.33 13.2a1 1 0 0 1 .2-1.25l1.15-1.01a6.1 6.1 0 0 1 0-1.6L2.53 8.33a1 1 0 0 1-.2-1.25L3.5 5.04a1 1 0 0 1 1.19-.45l1.45.49c.43-.33.9-.6 1.39-.8l.3-1.5ZM10 13a3 3 0 1 0 0-6 3 3 0 0 0 0 6Z"
                />
              </svg>
              Project settings
            </Link>
            <Link
              to={`/projects/${projectId}/activity`}
              className="rounded-md px-2.5 py-1.5 text-sm text-ink-soft transition-colors hover:bg-muted hover:text-ink focus-ring"
            >
              Activity
            </Link>
          </header>

          {canEdit ? <QuickAdd projectId={projectId} hiddenByFilters={isFiltered(filters)} /> : null}

          <TaskFilters projectId={projectId} filters={filters} onChange={change} />

          {board ? (
            <TaskBoard projectId={projectId} query={query} onOpen={open} />
          ) : (
            <TaskList
              projectId={projectId}
              query={query}
              filtered={isFiltered(filters)}
              canEdit={canEdit}
              selectedId={taskId}
              onOpen={open}
              onClearFilters={() => change(clearFilters(filters))}
            />
          )}
        </div>
      </div>

      {taskId ? (
        // Beside the list on wide screens; a sheet over it below that.
        <div className="fixed inset-x-0 bottom-0 top-14 z-30 overflow-y-auto border-line bg-surface shadow-2xl sm:left-auto sm:w-[28rem] sm:border-l xl:static xl:z-auto xl:shrink-0 xl:shadow-none">
          <TaskDetail key={taskId} taskId={taskId} onClose={close} />
        </div>
      ) : null}
    </div>
  );
}
