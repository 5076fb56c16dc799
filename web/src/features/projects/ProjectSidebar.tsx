// The projects sidebar: the Inbox, then every other project by name, "New project" and "Import".
import { useState, type FormEvent } from "react";
import { Link, NavLink, useNavigate } from "react-router";

import { describeError } from "../../api/problem";
import { useProjects, type Project } from "../../api/queries";
import { Button } from "../../components/Button";
import { Dialog } from "../../components/Dialog";
import { TextArea, TextField } from "../../components/Field";
import { ErrorState } from "../../components/States";
import { useModal } from "../../hooks/useModal";
import { roleLabel } from "../../lib/labels";
import { LIMITS, overLimit } from "../../lib/limits";
import { pickFor, sortProjects, useCreateProject } from "./api";

function InboxIcon() {
  return (
    <svg viewBox="0 0 20 20" fill="currentColor" className="size-4 shrink-0" aria-hidden="true">
      <path
        fillRule="evenodd"
        d="M3.5 4A1.5 1.5 0 0 1 5 2.5h10A1.5 1.5 0 0 1 16.5 4v12a1.5 1.5 0 0 1-1.5 1.5H5A1.5 1.5 0 0 1 3.5 16V4ZM5 4v7h2.6a1 1 0 0 1 .9.55l.4.8c.17.34.51.55.89.55h.42c.38 0 .72-.21.9-.55l.4-.8a1 1 0 0 1 .89-.55H15V4H5Z"
        clipRule="evenodd"
      />
    </svg>
  );
}

// A stable colour per project, so a name is easy to find again in a long list.
const DOTS = [
  "bg-sky-500",
  "bg-emerald-500",
  "bg-amber-500",
  "bg-rose-500",
  "bg-violet-500",
  "bg-teal-500",
  "bg-orange-500",
  "bg-fuchsia-500",
];
const dotFor = (id: string) => pickFor(id, DOTS) ?? "bg-accent-500";

function ProjectLink({ project }: { project: Project }) {
  const shared = project.role !== "owner";
  const hintId = `project-hint-${project.id}`;
  return (
    <li>
      <NavLink
        to={`/projects/${project.id}`}
        aria-describedby={shared ? hintId : undefined}
        className={({ isActive }) =>
          `group flex items-center gap-3 rounded-md px-3 py-2 text-sm transition-colors focus-ring ${
            isActive
              ? "bg-accent-50 font-medium text-accent-700 dark:bg-accent-500/15 dark:text-accent-100"
              : "text-ink-soft hover:bg-muted hover:text-ink"
          }`
        }
      >
        {project.is_inbox ? (
          <InboxIcon />
        ) : (
          <span className={`mx-1 size-2 shrink-0 rounded-full ${dotFor(project.id)}`} aria-hidden="true" />
        )}
        <span className="min-w-0 flex-1 truncate">{project.name}</span>
        {shared ? (
          <span
            aria-hidden="true"
            className="shrink-0 rounded-full border border-line px-1.5 py-px text-[11px] font-normal leading-4 text-ink-soft"
          >
            {roleLabel(project.role).toLowerCase()}
          </span>
        ) : null}
      </NavLink>
      {/* The link's name stays the project's name; the role is read as its description. */}
      {shared ? (
        <span id={hintId} hidden>
          {`Shared with you as ${roleLabel(project.role).toLowerCase()}`}
        </span>
      ) : null}
    </li>
  );
}

function NewProjectDialog({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const create = useCreateProject();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [nameError, setNameError] = useState<string | undefined>();

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setNameError("Give the project a name.");
      return;
    }
    if (overLimit("", trimmed, LIMITS.projectName) || overLimit("", description.trim(), LIMITS.projectDescription))
      return;
    setNameError(undefined);
    create.mutate(
      { name: trimmed, description: description.trim() },
      {
        onSuccess: (project) => {
          onClose();
          void navigate(`/projects/${project.id}`);
        },
      },
    );
  }

  return (
    <Dialog open title="New project" onClose={onClose}>
      <form onSubmit={submit} noValidate className="space-y-4">
        <TextField
          label="Project name"
          autoFocus
          required
          value={name}
          error={overLimit("The name", name.trim(), LIMITS.projectName) ?? nameError}
          onChange={(event) => setName(event.target.value)}
        />
        <TextArea
          label="Description"
          hint="Optional: what this project is for."
          rows={3}
          value={description}
          error={overLimit("The description", description.trim(), LIMITS.projectDescription)}
          onChange={(event) => setDescription(event.target.value)}
        />
        {create.isError ? (
          <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
            {describeError(create.error)}
          </p>
        ) : null}
        <div className="flex justify-end gap-2 pt-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create project"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

// My tasks, Today, Upcoming, the calendar and search across projects (features/mywork and
// features/calendar), above the projects.
const WORK_LINKS = [
  {
    to: "/my",
    label: "My tasks",
    icon: "M10 2a4 4 0 1 0 0 8 4 4 0 0 0 0-8ZM3 16.5C3 13.46 6.13 11.5 10 11.5s7 1.96 7 5V18H3v-1.5Z",
  },
  {
    to: "/today",
    label: "Today",
    icon: "M5.75 2a.75.75 0 0 1 .75.75V4h7V2.75a.75.75 0 0 1 1.5 0V4h.25A2.75 2.75 0 0 1 18 6.75v8.5A2.75 2.75 0 0 1 15.25 18H4.75A2.75 2.75 0 0 1 2 15.25v-8.5A2.75 2.75 0 0 1 4.75 4H5V2.75A.75.75 0 0 1 5.75 2Zm-1 5.5v7.75c0 .55.45 1 1 1h8.5c.55 0 1-.45 1-1V7.5H4.75ZM10 9.5a2 2 0 1 1 0 4 2 2 0 0 1 0-4Z",
  },
  {
    to: "/upcoming",
    label: "Upcoming",
    icon: "M5.75 2a.75.75 0 0 1 .75.75V4h7V2.75a.75.75 0 0 1 1.5 0V4h.25A2.75 2.75 0 0 1 18 6.75v8.5A2.75 2.75 0 0 1 15.25 18H4.75A2.75 2.75 0 0 1 2 15.25v-8.5A2.75 2.75 0 0 1 4.75 4H5V2.75A.75.75 0 0 1 5.75 2Zm-1 5.5v7.75c0 .55.45 1 1 1h8.5c.55 0 1-.45 1-1V7.5H4.75Zm1.5 1.5h2v2h-2V9Zm3.5 0h2v2h-2V9Zm3.5 0h2v2h-2V9Zm-7 3.5h2v2h-2v-2Zm3.5 0h2v2h-2v-2Z",
  },
  {
    to: "/calendar",
    label: "Calendar",
    icon: "M5.75 2a.75.75 0 0 1 .75.75V4h7V2.75a.75.75 0 0 1 1.5 0V4h.25A2.75 2.75 0 0 1 18 6.75v8.5A2.75 2.75 0 0 1 15.25 18H4.75A2.75 2.75 0 0 1 2 15.25v-8.5A2.75 2.75 0 0 1 4.75 4H5V2.75A.75.75 0 0 1 5.75 2Zm-1 5.5v7.75c0 .55.45 1 1 1h8.5c.55 0 1-.45 1-1V7.5H4.75ZM6 9h2v2H6V9Zm3 0h2v2H9V9Zm3 0h2v2h-2V9Zm-6 3h2v2H6v-2Zm3 0h2v2H9v-2Z",
  },
  {
    to: "/search",
    label: "Search",
    icon: "M9 3.5a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11ZM2 9a7 7 0 1 1 12.45 4.39l3.33 3.33a.75.75 0 1 1-1.06 1.06l-3.33-3.33A7 7 0 0 1 2 9Z",
  },
];

const workLinkClass = ({ isActive }: { isActive: boolean }) =>
  `flex items-center gap-3 rounded-md px-3 py-2 text-sm transition-colors focus-ring ${
    isActive
      ? "bg-accent-50 font-medium text-accent-700 dark:bg-accent-500/15 dark:text-accent-100"
      : "text-ink-soft hover:bg-muted hover:text-ink"
  }`;

function SidebarSkeleton() {
  return (
    <div role="status" className="space-y-1 px-3" aria-label="Loading projects">
      {[70, 55, 80].map((width) => (
        <div key={width} className="flex items-center gap-3 py-2">
          <span className="size-4 animate-pulse rounded bg-muted" aria-hidden="true" />
          <span className="h-3 animate-pulse rounded bg-muted" style={{ width: `${width}%` }} aria-hidden="true" />
        </div>
      ))}
      <span className="sr-only">Loading projects…</span>
    </div>
  );
}

export function ProjectSidebar() {
  const projects = useProjects();
  const creating = useModal();

  return (
    <div className="flex h-full flex-col gap-2 p-3">
      <ul aria-label="My work" className="space-y-0.5">
        {WORK_LINKS.map((link) => (
          <li key={link.to}>
            <NavLink to={link.to} className={workLinkClass}>
              <svg viewBox="0 0 20 20" fill="currentColor" className="size-4 shrink-0" aria-hidden="true">
                <path fillRule="evenodd" clipRule="evenodd" d={link.icon} />
              </svg>
              {link.label}
            </NavLink>
          </li>
        ))}
      </ul>
      <div className="flex items-center justify-between px-3 pt-2 pb-1">
        <h2 className="text-xs font-semibold tracking-wider text-ink-soft uppercase">Projects</h2>
        <Link
          to="/import"
          aria-label="Import"
          title="Import a project from Todoist, Trello or TaskFlow"
          className="ml-auto inline-flex size-8 items-center justify-center rounded-md text-ink-soft transition-colors hover:bg-muted hover:text-ink focus-ring"
        >
          <svg viewBox="0 0 20 20" fill="currentColor" className="size-5" aria-hidden="true">
            <path d="M10.75 2.75a.75.75 0 0 0-1.5 0v8.69L6.03 8.22a.75.75 0 0 0-1.06 1.06l4.5 4.5a.75.75 0 0 0 1.06 0l4.5-4.5a.75.75 0 0 0-1.06-1.06l-3.22 3.22V2.75Z" />
            <path d="M3.5 12.75a.75.75 0 0 0-1.5 0v2.5A2.75 2.75 0 0 0 4.75 18h10.5A2.75 2.75 0 0 0 18 15.25v-2.5a.75.75 0 0 0-1.5 0v2.5c0 .69-.56 1.25-1.25 1.25H4.75c-.69 0-1.25-.56-1.25-1.25v-2.5Z" />
          </svg>
        </Link>
        <Button
          variant="ghost"
          className="-mr-2 size-8 !p-0"
          aria-label="New project"
          title="New project"
          onClick={creating.show}
        >
          <svg viewBox="0 0 20 20" fill="currentColor" className="size-5" aria-hidden="true">
            <path d="M10.75 4.75a.75.75 0 0 0-1.5 0v4.5h-4.5a.75.75 0 0 0 0 1.5h4.5v4.5a.75.75 0 0 0 1.5 0v-4.5h4.5a.75.75 0 0 0 0-1.5h-4.5v-4.5Z" />
          </svg>
        </Button>
      </div>

      {projects.isPending ? (
        <SidebarSkeleton />
      ) : projects.isError ? (
        <div className="px-1">
          <ErrorState error={projects.error} onRetry={() => void projects.refetch()} />
        </div>
      ) : projects.data.length === 0 ? (
        <div className="mx-1 rounded-lg border border-dashed border-line p-4 text-center text-sm text-ink-soft">
          <p className="font-medium text-ink">No projects yet</p>
          <p className="mt-1">Start one to organise your tasks.</p>
        </div>
      ) : (
        <ul aria-label="Projects" className="space-y-0.5">
          {sortProjects(projects.data).map((project) => (
            <ProjectLink key={project.id} project={project} />
          ))}
        </ul>
      )}

      {creating.open ? <NewProjectDialog onClose={creating.hide} /> : null}
    </div>
  );
}
