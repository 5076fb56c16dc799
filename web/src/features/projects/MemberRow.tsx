// One row of the members table: who they are, their role (a select for owners), and the
// action that fits (leave for oneself, remove for an owner looking at someone else).
import type { Member } from "../../api/queries";
import { ROLES, type Role } from "../../api/vocabulary";
import { Button } from "../../components/Button";
import { SelectField } from "../../components/Field";
import { roleLabel } from "../../lib/labels";
import { pickFor } from "./api";

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
  return (
    <span className={`inline-block rounded-full px-2.5 py-0.5 text-xs font-medium ${tone}`}>{roleLabel(role)}</span>
  );
}

function RemoveIcon() {
  return (
    <svg viewBox="0 0 20 20" fill="currentColor" className="size-4" aria-hidden="true">
      <path d="M6.28 5.22a.75.75 0 0 0-1.06 1.06L8.94 10l-3.72 3.72a.75.75 0 1 0 1.06 1.06L10 11.06l3.72 3.72a.75.75 0 1 0 1.06-1.06L11.06 10l3.72-3.72a.75.75 0 0 0-1.06-1.06L10 8.94 6.28 5.22Z" />
    </svg>
  );
}

export function MemberRow({
  member,
  isMe,
  manage,
  soleOwner,
  onRoleChange,
  onRemove,
  onLeave,
}: {
  member: Member;
  isMe: boolean;
  manage: boolean;
  soleOwner: boolean;
  onRoleChange: (role: Role) => void;
  onRemove: () => void;
  onLeave: () => void;
}) {
  return (
    <tr>
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
            onChange={(event) => onRoleChange(event.target.value as Role)}
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
            <Button variant="ghost" aria-label="Leave project" className="whitespace-nowrap" onClick={onLeave}>
              <span aria-hidden="true" className="sm:hidden">
                Leave
              </span>
              <span aria-hidden="true" className="hidden sm:inline">
                Leave project
              </span>
            </Button>
          )
        ) : manage ? (
          <Button
            variant="ghost"
            aria-label={`Remove ${member.display_name}`}
            title={`Remove ${member.display_name}`}
            className="hover:!bg-red-50 hover:!text-red-700 dark:hover:!bg-red-950 dark:hover:!text-red-300"
            onClick={onRemove}
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
}
