// The members table: roles (owners change them), removing others, leaving the project.
import { useState } from "react";
import { useNavigate } from "react-router";
import { toast } from "sonner";

import { describeError } from "../../api/problem";
import { useMembers, type Member, type Project } from "../../api/queries";
import type { Role } from "../../api/vocabulary";
import { Button } from "../../components/Button";
import { Dialog } from "../../components/Dialog";
import { ErrorState, Spinner } from "../../components/States";
import { useModal } from "../../hooks/useModal";
import { useUser } from "../../lib/auth";
import { roleLabel } from "../../lib/labels";
import { AddMemberForm } from "./AddMemberForm";
import { canManage, useChangeRole, useRemoveMember } from "./api";
import { MemberRow } from "./MemberRow";
import { Alert, Section } from "./SettingsSection";

export function MembersSection({ project }: { project: Project }) {
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
              <caption className="sr-only">{count === 1 ? "1 member" : `${count ?? 0} members`}</caption>
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
                {members.data.map((member) => (
                  <MemberRow
                    key={member.user_id}
                    member={member}
                    isMe={member.user_id === me.id}
                    manage={manage}
                    soleOwner={soleOwner}
                    onRoleChange={(role) => setRole(member, role)}
                    onRemove={() => removeMember(member)}
                    onLeave={leaving.show}
                  />
                ))}
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
            You will no longer see its tasks, and tasks assigned to you there become unassigned. An owner can add you
            again.
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
