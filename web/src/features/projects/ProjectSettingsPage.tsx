// A project's settings: name and description, members and their roles, and deletion.
// What a person may do follows their role (ProjectPublic.role); the server has the last word.
import { describeError } from "../../api/problem";
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { toast } from "sonner";

import { ApiError } from "../../api/problem";
import { useMembers, useProject, type Member, type Project } from "../../api/queries";
import { Button } from "../../components/Button";
import { Dialog } from "../../components/Dialog";
import { SelectField, TextArea, TextField } from "../../components/Field";
import { ErrorState, Spinner } from "../../components/States";
import { useUser } from "../../lib/auth";
import {
  ROLES,
  canEdit,
  canManage,
  pickFor,
  roleLabel,
  useAddMember,
  useChangeRole,
  useDeleteProject,
  useRemoveMember,
  useUpdateProject,
  type Role,
} from "./api";
import { useModal } from "./useModal";

const NAME_MAX = 100;
const DESCRIPTION_MAX = 2000;
// Fields a viewer cannot change look it, not just refuse input.
const LOCKED = "disabled:cursor-not-allowed disabled:bg-muted disabled:text-ink-soft";

function Section({
  title,
  description,
  tone = "plain",
  children,
}: {
  title: string;
  description?: ReactNode;
  tone?: "plain" | "danger";
  children: ReactNode;
}) {
  const border = tone === "danger" ? "border-red-300 dark:border-red-900" : "border-line";
  return (
    <section aria-label={title} className={`rounded-xl border ${border} bg-surface shadow-sm`}>
      <header className={`border-b ${border} px-4 py-4 sm:px-6`}>
        <h2 className={`text-base font-semibold ${tone === "danger" ? "text-red-700 dark:text-red-400" : ""}`}>{title}</h2>
        {description ? <p className="mt-1 text-sm text-ink-soft">{description}</p> : null}
      </header>
      <div className="px-4 py-5 sm:px-6">{children}</div>
    </section>
  );
}

function Alert({ children }: { children: ReactNode }) {
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
      {children}
    </p>
  );
}

// ---- Name and description ----------------------------------------------------------

function DetailsForms({ project }: { project: Project }) {
  const update = useUpdateProject(project.id);
  const editable = canEdit(project.role);
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description);
  const [nameError, setNameError] = useState<string | undefined>();
  const [descriptionError, setDescriptionError] = useState<string | undefined>();
  // Follow the server's values (another member's rename, a rollback) unless edited here.
  const [seen, setSeen] = useState({ name: project.name, description: project.description });
  if (seen.name !== project.name || seen.description !== project.description) {
    setSeen({ name: project.name, description: project.description });
    if (name === seen.name) setName(project.name);
    if (description === seen.description) setDescription(project.description);
  }
  const readOnly = editable
    ? undefined
    : "You are a viewer here: only editors and owners can rename this project or change its description.";

  const renamed = name.trim() !== "" && name.trim() !== project.name;

  function rename(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setNameError("Give the project a name.");
    setNameError(undefined);
    const before = project.name;
    update.mutate(
      { name: trimmed },
      {
        onSuccess: (saved) => {
          setName(saved.name);
          toast.success(`Renamed “${before}” to “${saved.name}”.`);
        },
        onError: (error) => setNameError(describeError(error)),
      },
    );
  }

  function describe(event: FormEvent) {
    event.preventDefault();
    setDescriptionError(undefined);
    update.mutate(
      { description: description.trim() },
      {
        onSuccess: (saved) => {
          setDescription(saved.description);
          toast.success("Description saved.");
        },
        onError: (error) => setDescriptionError(describeError(error)),
      },
    );
  }

  return (
    <Section title="Details" description={project.is_inbox ? "Your Inbox can be renamed like any project." : "The name everyone in the project sees."}>
      <div className="space-y-6">
        <form onSubmit={rename} noValidate className="flex flex-col gap-3 sm:flex-row sm:items-start">
          <div className="flex-1">
            <TextField
              label="Project name"
              required
              maxLength={NAME_MAX}
              value={name}
              disabled={!editable}
              className={LOCKED}
              hint={readOnly}
              error={nameError}
              onChange={(event) => setName(event.target.value)}
            />
          </div>
          <Button
            type="submit"
            variant={renamed ? "primary" : "secondary"}
            className="sm:mt-6"
            disabled={!editable || update.isPending || !renamed}
          >
            Rename
          </Button>
        </form>
        <form onSubmit={describe} noValidate className="space-y-3">
          <TextArea
            label="Description"
            maxLength={DESCRIPTION_MAX}
            rows={3}
            placeholder={editable ? "What is this project for?" : "No description."}
            value={description}
            disabled={!editable}
            className={LOCKED}
            error={descriptionError}
            onChange={(event) => setDescription(event.target.value)}
          />
          {editable ? (
            <div className="flex justify-end">
              <Button
                type="submit"
                variant="secondary"
                disabled={update.isPending || description.trim() === project.description}
              >
                Save description
              </Button>
            </div>
          ) : null}
        </form>
      </div>
    </Section>
  );
}

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

// ---- Members -----------------------------------------------------------------------

const AVATAR_TONES = [
  "bg-sky-100 text-sky-800 dark:bg-sky-900 dark:text-sky-100",
  "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100",
  "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-100",
  "bg-rose-100 text-rose-800 dark:bg-rose-900 dark:text-rose-100",
  "bg-violet-100 text-violet-800 dark:bg-violet-900 dark:text-violet-100",
];

function Avatar({ member }: { member: Member }) {
  const initials = member.display_name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part.charAt(0).toUpperCase())
    .join("");
  return (
    <span
      aria-hidden="true"
      className={`flex size-9 shrink-0 items-center justify-center rounded-full text-xs font-semibold ${pickFor(member.user_id, AVATAR_TONES) ?? ""}`}
    >
      {initials || "?"}
    </span>
  );
}

function RoleBadge({ role }: { role: Role }) {
  const tone =
    role === "owner"
      ? "bg-accent-50 text-accent-700 dark:bg-accent-500/15 dark:text-accent-100"
      : "bg-muted text-ink-soft";
  return <span className={`inline-block rounded-full px-2.5 py-0.5 text-xs font-medium ${tone}`}>{roleLabel(role)}</span>;
}

function RemoveIcon() {
  return (
    <svg viewBox="0 0 20 20" fill="currentColor" className="size-4" aria-hidden="true">
      <path d="M6.28 5.22a.75.75 0 0 0-1.06 1.06L8.94 10l-3.72 3.72a.75.75 0 1 0 1.06 1.06L10 11.06l3.72 3.72a.75.75 0 1 0 1.06-1.06L11.06 10l3.72-3.72a.75.75 0 0 0-1.06-1.06L10 8.94 6.28 5.22Z" />
    </svg>
  );
}

function MembersSection({ project }: { project: Project }) {
  const me = useUser();
  const navigate = useNavigate();
  const members = useMembers(project.id);
  const changeRole = useChangeRole(project.id);
  const remove = useRemoveMember(project.id);
  const [problem, setProblem] = useState<string | null>(null);
  const leaving = useModal();
  const manage = canManage(project.role);

  const owners = members.data?.filter((m) => m.role === "owner").length ?? 0;
  const mine = members.data?.find((m) => m.user_id === me.id);
  const soleOwner = mine?.role === "owner" && owners === 1;

  function setRole(member: Member, role: Role) {
    setProblem(null);
    changeRole.mutate(
      { userId: member.user_id, role },
      {
        onSuccess: (saved) => toast.success(`${saved.display_name} is now ${roleLabel(saved.role).toLowerCase()}.`),
        onError: (error) => setProblem(describeError(error)),
      },
    );
  }

  function removeMember(member: Member) {
    setProblem(null);
    remove.mutate(
      { userId: member.user_id, self: false },
      {
        onSuccess: () => toast.success(`${member.display_name} was removed from the project.`),
        onError: (error) => setProblem(describeError(error)),
      },
    );
  }

  function leave() {
    setProblem(null);
    remove.mutate(
      { userId: me.id, self: true },
      {
        onSuccess: () => {
          leaving.hide();
          toast.success(`You left “${project.name}”.`);
          void navigate("/", { replace: true });
        },
        onError: (error) => {
          leaving.hide();
          setProblem(describeError(error));
        },
      },
    );
  }

  const count = members.data?.length;
  return (
    <Section
      title="Members"
      description={
        manage
          ? "Owners manage members and can delete the project; editors change tasks and the project's name; viewers read."
          : "Only owners can add or remove members and change their roles."
      }
    >
      <div className="space-y-5">
        {problem ? <Alert>{problem}</Alert> : null}
        {members.isPending ? (
          <Spinner label="Loading members" />
        ) : members.isError ? (
          <ErrorState error={members.error} onRetry={() => void members.refetch()} />
        ) : (
          <div className="-mx-4 overflow-x-auto sm:mx-0">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">
                {count === 1 ? "1 member" : `${count ?? 0} members`}
              </caption>
              <thead className="border-b border-line text-xs font-medium tracking-wide text-ink-soft uppercase">
                <tr>
                  <th scope="col" className="px-4 py-2 font-medium sm:pl-0">
                    Member
                  </th>
                  <th scope="col" className="w-28 px-2 py-2 font-medium sm:w-36">
                    Role
                  </th>
                  <th scope="col" className="w-14 py-2 pr-4 pl-2 sm:w-32 sm:pr-0">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-line">
                {members.data.map((member) => {
                  const isMe = member.user_id === me.id;
                  return (
                    <tr key={member.user_id}>
                      <td className="max-w-0 px-4 py-3 sm:pl-0">
                        <div className="flex items-center gap-3">
                          <span className="hidden min-[400px]:block">
                            <Avatar member={member} />
                          </span>
                          <div className="min-w-0">
                            <p className="truncate font-medium text-ink">
                              {member.display_name}
                              {isMe ? <span className="font-normal text-ink-soft"> (you)</span> : null}
                            </p>
                            <p className="truncate text-ink-soft">{member.email}</p>
                          </div>
                        </div>
                      </td>
                      <td className="px-2 py-3">
                        {manage ? (
                          <SelectField
                            label={`Role of ${member.display_name}`}
                            hideLabel
                            value={member.role}
                            className="py-1.5"
                            onChange={(event) => setRole(member, event.target.value as Role)}
                          >
                            {ROLES.map((role) => (
                              <option key={role.value} value={role.value}>
                                {role.label}
                              </option>
                            ))}
                          </SelectField>
                        ) : (
                          <RoleBadge role={member.role} />
                        )}
                      </td>
                      <td className="py-3 pr-4 pl-2 text-right sm:pr-0">
                        {isMe ? (
                          soleOwner ? null : (
                            <Button
                              variant="ghost"
                              aria-label="Leave project"
                              className="whitespace-nowrap"
                              onClick={leaving.show}
                            >
                              <span aria-hidden="true" className="sm:hidden">Leave</span>
                              <span aria-hidden="true" className="hidden sm:inline">Leave project</span>
                            </Button>
                          )
                        ) : manage ? (
                          <Button
                            variant="ghost"
                            aria-label={`Remove ${member.display_name}`}
                            title={`Remove ${member.display_name}`}
                            className="hover:!bg-red-50 hover:!text-red-700 dark:hover:!bg-red-950 dark:hover:!text-red-300"
                            onClick={() => removeMember(member)}
                          >
                            <RemoveIcon />
                            <span className="hidden sm:inline" aria-hidden="true">
                              Remove
                            </span>
                          </Button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {soleOwner ? (
              <p className="mt-3 px-4 text-xs text-ink-soft sm:px-0">
                You are the only owner. To leave, make someone else an owner first.
              </p>
            ) : null}
          </div>
        )}
        {manage ? <AddMemberForm projectId={project.id} /> : null}
      </div>
      {leaving.open ? (
        <Dialog open title={`Leave “${project.name}”?`} onClose={leaving.hide}>
          <p className="text-sm text-ink-soft">
            You will no longer see its tasks, and tasks assigned to you there become unassigned. An owner can add you again.
          </p>
          <div className="mt-6 flex justify-end gap-2">
            <Button variant="secondary" onClick={leaving.hide}>
              Cancel
            </Button>
            <Button variant="danger" disabled={remove.isPending} onClick={leave}>
              {remove.isPending ? "Leaving…" : "Leave"}
            </Button>
          </div>
        </Dialog>
      ) : null}
    </Section>
  );
}

function AddMemberForm({ projectId }: { projectId: string }) {
  const add = useAddMember(projectId);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("editor");
  const [error, setError] = useState<string | undefined>();

  function submit(event: FormEvent) {
    event.preventDefault();
    const address = email.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) return setError("Enter the e-mail address of their TaskFlow account.");
    setError(undefined);
    add.mutate(
      { email: address, role },
      {
        onSuccess: (member) => {
          setEmail("");
          toast.success(`${member.display_name} joined as ${roleLabel(member.role).toLowerCase()}.`);
        },
        onError: (caught) =>
          setError(
            caught instanceof ApiError && caught.status === 404
              ? "No TaskFlow account uses this e-mail address. Ask them to sign up first."
              : describeError(caught),
          ),
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="rounded-lg bg-muted/60 p-4">
      <h3 className="mb-3 text-sm font-semibold">Add a member</h3>
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
        <div className="flex-1">
          <TextField
            label="E-mail to invite"
            type="email"
            autoComplete="off"
            placeholder="name@example.com"
            value={email}
            error={error}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="sm:w-36">
          <SelectField label="Role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {ROLES.map((item) => (
              <option key={item.value} value={item.value}>
                {item.label}
              </option>
            ))}
          </SelectField>
        </div>
        <Button type="submit" className="sm:mt-6" disabled={add.isPending}>
          {add.isPending ? "Adding…" : "Add member"}
        </Button>
      </div>
      <p className="mt-2 text-xs text-ink-soft">
        {roleLabel(role)}: {ROLES.find((item) => item.value === role)?.hint.toLowerCase()}. They need a TaskFlow account.
      </p>
    </form>
  );
}

// ---- Deleting ----------------------------------------------------------------------

function DeleteSection({ project }: { project: Project }) {
  const navigate = useNavigate();
  const remove = useDeleteProject();
  const confirming = useModal();

  function close() {
    confirming.hide();
    remove.reset();
  }

  function confirm() {
    remove.mutate(project.id, {
      onSuccess: () => {
        toast.success(`Deleted “${project.name}”.`);
        void navigate("/", { replace: true });
      },
    });
  }

  return (
    <Section title="Danger zone" tone="danger">
      <div className="flex flex-col gap-4 sm:flex-row sm:items-center sm:justify-between">
        <p className="text-sm text-ink-soft">
          Deletes the project with all its tasks and comments, for every member. This cannot be undone.
        </p>
        <Button variant="danger" className="shrink-0" onClick={confirming.show}>
          Delete project
        </Button>
      </div>
      {confirming.open ? (
        <Dialog open title={`Delete “${project.name}”?`} onClose={close}>
          <p className="text-sm text-ink-soft">
            Its tasks and comments are deleted too, and its members lose access. This cannot be undone.
          </p>
          {remove.isError ? (
            <div className="mt-4">
              <Alert>{describeError(remove.error)}</Alert>
            </div>
      ) : null}
        <div className="mt-6 flex justify-end gap-2">
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button variant="danger" disabled={remove.isPending} onClick={confirm}>
            {remove.isPending ? "Deleting…" : "Delete project"}
          </Button>
        </div>
      </Dialog>
      ) : null}
    </Section>
  );
}

// ---- The page ----------------------------------------------------------------------

function InboxNote() {
  return (
    <Section title="Members">
      <div className="flex gap-3 text-sm text-ink-soft">
        <LockIcon />
        <p>
          The Inbox is personal: only you can see it, and it cannot be shared or deleted. To work with others,
          create a project with “New project” in the sidebar.
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
          <span>{data.is_inbox ? "Your personal Inbox" : `You are ${data.role === "owner" ? "an" : "a"} ${data.role}`}</span>
        </p>
      </div>
      <DetailsForms key={data.id} project={data} />
      {data.is_inbox ? <InboxNote /> : <MembersSection project={data} />}
      {!data.is_inbox && canManage(data.role) ? <DeleteSection project={data} /> : null}
    </div>
  );
}
