// An owner adds a member by the e-mail address of their account, with a role.
import { useState, type FormEvent } from "react";
import { toast } from "sonner";

import { ApiError, describeError } from "../../api/problem";
import { ROLES, type Role } from "../../api/vocabulary";
import { Button } from "../../components/Button";
import { SelectField, TextField } from "../../components/Field";
import { roleLabel } from "../../lib/labels";
import { useAddMember } from "./api";

const ROLE_HINTS: Record<Role, string> = {
  owner: "Everything, including members and deleting the project",
  editor: "Edits tasks and renames the project",
  viewer: "Reads tasks and comments",
};

export function AddMemberForm({ projectId }: { projectId: string }) {
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
        {roleLabel(role)}: {ROLE_HINTS[role].toLowerCase()}. They need a TaskFlow account.
      </p>
    </form>
  );
}
