// A project's settings: name and description, members and their roles, export, and deletion.
// What a person may do follows their role (ProjectPublic.role); the server has the last word.
import { Link, useParams } from "react-router";

import { useProject } from "../../api/queries";
import { ErrorState, Spinner } from "../../components/States";
import { roleLabel } from "../../lib/labels";
import { canManage } from "./api";
import { DangerZone } from "./DangerZone";
import { ExportSection } from "./ExportSection";
import { MembersSection } from "./MembersSection";
import { ProjectDetailsForm } from "./ProjectDetailsForm";
import { ProjectNotifications } from "./ProjectNotifications";
import { Section } from "./SettingsSection";

const withArticle = (noun: string) => `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;

function LockIcon() {
  return (
    <svg viewBox="0 0 20 20" fill="currentColor" className="mt-0.5 size-4 shrink-0" aria-hidden="true">
      <path
        fillRule="evenodd"
        d="M10 1a4.5 4.5 0 0 0-4.5 4.5V9H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-6a2 2 0 0 0-2-2h-.5V5.5A4.5 4.5 0 0 0 10 1Zm3 8V5.5a3 3 0 1 0-6 0V9h6Z"
        clipRule="evenodd"
      />
    </svg>
  );
}

function InboxNote() {
  return (
    <Section title="Members">
      <div className="flex gap-3 text-sm text-ink-soft">
        <LockIcon />
        <p>
          The Inbox is personal: only you can see it, and it cannot be shared or deleted. To work with others, create a
          project with “New project” in the sidebar.
        </p>
      </div>
    </Section>
  );
}

export function ProjectSettingsPage() {
  const { projectId = "" } = useParams();
  const project = useProject(projectId);

  if (project.isPending) return <Spinner label="Loading project" />;
  if (project.isError) {
    return (
      <div className="mx-auto max-w-3xl space-y-4 p-4 sm:p-6 lg:p-8">
        <h1 className="text-2xl font-semibold tracking-tight">Project settings</h1>
        <ErrorState error={project.error} onRetry={() => void project.refetch()} />
        <Link to="/" className="inline-block text-sm font-medium text-accent-600 hover:underline dark:text-accent-500">
          Go to your Inbox
        </Link>
      </div>
    );
  }

  const data = project.data;
  return (
    <div className="mx-auto max-w-3xl space-y-6 p-4 sm:p-6 lg:p-8">
      <div>
        <Link
          to={`/projects/${data.id}`}
          className="inline-flex items-center gap-1 text-sm text-ink-soft hover:text-ink"
        >
          <svg viewBox="0 0 20 20" fill="currentColor" className="size-4" aria-hidden="true">
            <path
              fillRule="evenodd"
              d="M11.78 5.22a.75.75 0 0 1 0 1.06L8.06 10l3.72 3.72a.75.75 0 1 1-1.06 1.06l-4.25-4.25a.75.75 0 0 1 0-1.06l4.25-4.25a.75.75 0 0 1 1.06 0Z"
              clipRule="evenodd"
            />
          </svg>
          Back to tasks
        </Link>
        <h1 className="mt-3 text-2xl font-semibold tracking-tight">Project settings</h1>
        <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-ink-soft">
          <span className="font-medium text-ink">{data.name}</span>
          <span aria-hidden="true">·</span>
          <span>
            {data.is_inbox ? "Your personal Inbox" : `You are ${withArticle(roleLabel(data.role).toLowerCase())}`}
          </span>
        </p>
      </div>
      <ProjectDetailsForm key={data.id} project={data} />
      {data.is_inbox ? null : <ProjectNotifications project={data} />}
      {data.is_inbox ? <InboxNote /> : <MembersSection project={data} />}
      <ExportSection project={data} />
      {!data.is_inbox && canManage(data.role) ? <DangerZone project={data} /> : null}
    </div>
  );
}
