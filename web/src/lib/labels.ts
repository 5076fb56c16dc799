// What screens call a status, a priority or a role: the labels of the vocabulary generated from
// the contract, so every screen names them alike.
import { PRIORITIES, ROLES, STATUSES, type Role, type TaskPriority, type TaskStatus } from "../api/vocabulary";

function labelOf<T extends string>(names: readonly { value: T; label: string }[], value: T): string {
  return names.find((name) => name.value === value)?.label ?? value;
}

export const statusLabel = (status: TaskStatus): string => labelOf(STATUSES, status);
export const priorityLabel = (priority: TaskPriority): string => labelOf(PRIORITIES, priority);
export const roleLabel = (role: Role): string => labelOf(ROLES, role);
