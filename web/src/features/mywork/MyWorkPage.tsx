// My tasks (/my), Today (/today) and Upcoming (/upcoming): the open tasks assigned to the user in
// every project, grouped by when they are due in the browser's time zone. A task opens in the
// panel beside the list (?task=id), as on a project's page.
import { useMemo } from "react";
import { NavLink } from "react-router";

import { useProjects } from "../../api/queries";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { useTaskPanel } from "../../hooks/useTaskPanel";
import { useUser } from "../../lib/auth";
import { useTaskViews } from "../../lib/taskViews";
import { useMyTasks } from "./api";
import { groupMyTasks, todayGroups, upcomingGroups, type Group } from "./grouping";

export type MyWorkView = "my" | "today" | "upcoming";

const HEADINGS: Record<MyWorkView, { title: string; about: string; empty: string }> = {
  my: {
    title: "My tasks",
    about: "Open tasks assigned to you in every project.",
    empty: "Nothing is assigned to you. Tasks assigned to you in any project show here.",
  },
  today: { title: "Today", about: "What is overdue and what is due today.", empty: "Nothing is due today." },
  upcoming: { title: "Upcoming", about: "The next seven days, day by day.", empty: "Nothing is due this week." },
};

export function WorkViewsNav() {
  const link = ({ isActive }: { isActive: boolean }) =>
    `rounded-md px-3 py-1.5 text-sm font-medium transition-colors focus-ring ${
      isActive ? "bg-surface text-ink shadow-sm ring-1 ring-line" : "text-ink-soft hover:text-ink"
    }`;
  return (
    <nav aria-label="My work" className="flex items-center gap-1 rounded-lg bg-muted p-1">
      <NavLink to="/my" className={link}>
        My tasks
      </NavLink>
      <NavLink to="/today" className={link}>
        Today
      </NavLink>
      <NavLink to="/upcoming" className={link}>
        Upcoming
      </NavLink>
    </nav>
  );
}

function GroupSection({
  group,
  selectedId,
  onOpen,
  showEmpty,
}: {
  group: Group;
  selectedId: string | null;
  onOpen: (id: string) => void;
  showEmpty: boolean;
}) {
  const { TaskRows } = useTaskViews();
  if (!group.tasks.length && !showEmpty) return null;
  const headingId = `group-${group.key.replace(/\W+/g, "-")}`;
  return (
    <section aria-labelledby={headingId} data-group={group.title} className="space-y-2">
      <h2 id={headingId} className="flex items-baseline gap-2 text-sm font-semibold text-ink">
        {group.title}
        <span className="text-xs font-normal text-ink-soft">
          {group.tasks.length === 1 ? "1 task" : `${group.tasks.length} tasks`}
        </span>
      </h2>
      {group.tasks.length ? (
        <TaskRows tasks={group.tasks} label={group.title} selectedId={selectedId} onOpen={onOpen} />
      ) : (
        <p className="text-xs text-ink-soft">Nothing due.</p>
      )}
    </section>
  );
}

export function MyWorkPage({ view }: { view: MyWorkView }) {
  const user = useUser();
  const list = useMyTasks(user.id);
  const projects = useProjects();
  const { TaskPanel, QuickAdd } = useTaskViews();
  const { taskId, open, close } = useTaskPanel();
  const heading = HEADINGS[view];
  const inbox = projects.data?.find((project) => project.is_inbox);

  const tasks = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const now = new Date();
  const groups =
    view === "today"
      ? todayGroups(tasks, now)
      : view === "upcoming"
        ? upcomingGroups(tasks, now)
        : groupMyTasks(tasks, now);
  const shown = groups.reduce((count, group) => count + group.tasks.length, 0);

  return (
    <div className="flex h-full min-h-0">
      <div className="min-w-0 flex-1 overflow-y-auto">
        <div className="mx-auto max-w-5xl space-y-5 p-4 sm:p-6">
          <header className="flex flex-wrap items-center gap-x-4 gap-y-3">
            <div className="min-w-0 basis-full sm:flex-1">
              <h1 className="text-2xl font-semibold tracking-tight text-ink">{heading.title}</h1>
              <p className="mt-1 text-sm text-ink-soft">{heading.about}</p>
            </div>
            <WorkViewsNav />
          </header>
          {inbox && view === "my" ? (
            <QuickAdd projectId={inbox.id} hiddenByFilters={false} extra={{ assignee_id: user.id }} />
          ) : null}
          {list.isPending ? (
            <Spinner label="Loading your tasks" />
          ) : list.isError && !list.data ? (
            <ErrorState error={list.error} onRetry={() => void list.refetch()} />
          ) : shown === 0 && view !== "upcoming" ? (
            <EmptyState title={heading.empty} />
          ) : (
            groups.map((group) => (
              <GroupSection
                key={group.key}
                group={group}
                selectedId={taskId}
                onOpen={open}
                showEmpty={view === "upcoming"}
              />
            ))
          )}
          {list.hasNextPage && !list.isFetchingNextPage ? (
            <p className="text-xs text-ink-soft">Showing your first {tasks.length} tasks.</p>
          ) : null}
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
