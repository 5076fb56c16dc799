// What others just changed, for the screens to point out: a brief mark on the card, row or
// comment (with who did it), the tasks deleted while someone may have them open, and who made
// each task version the stream brought (for a form that meets it mid-edit).
import { useCallback, useSyncExternalStore } from "react";

/** How long a change stays marked on screen. */
export const MARK_MS = 2500;

export interface ChangeMark {
  /** Who made the change ("Ana"), as the stream named them. */
  by: string;
  /** What they did, whole: "Ana moved this to Done". */
  text: string;
}

export interface Deletion {
  by: string | null;
}

const marks = new Map<string, ChangeMark>();
const timers = new Map<string, ReturnType<typeof setTimeout>>();
const deletions = new Map<string, Deletion>();
const authors = new Map<string, { version: number; by: string | null; mine: boolean }>();
const listeners = new Set<() => void>();

function changed(): void {
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const markKeys = {
  task: (taskId: string) => `task:${taskId}`,
  comment: (commentId: string) => `comment:${commentId}`,
};

/** Mark `key` for `ms` (a newer mark on it replaces the older one and starts the time again). */
export function mark(key: string, value: ChangeMark, ms: number = MARK_MS): void {
  clearTimeout(timers.get(key));
  marks.set(key, value);
  timers.set(
    key,
    setTimeout(() => {
      marks.delete(key);
      timers.delete(key);
      changed();
    }, ms),
  );
  changed();
}

/** The mark on `key` while it lasts. */
export function useMark(key: string): ChangeMark | null {
  const read = useCallback(() => marks.get(key) ?? null, [key]);
  return useSyncExternalStore(subscribe, read, read);
}

export function markDeleted(taskId: string, deletion: Deletion): void {
  deletions.set(taskId, deletion);
  changed();
}

/** Who deleted the task, once the stream said it was deleted. */
export function useDeletion(taskId: string): Deletion | null {
  const read = useCallback(() => deletions.get(taskId) ?? null, [taskId]);
  return useSyncExternalStore(subscribe, read, read);
}

export function noteAuthor(taskId: string, version: number, by: string | null, mine: boolean): void {
  const known = authors.get(taskId);
  if (!known || known.version <= version) authors.set(taskId, { version, by, mine });
}

/** Who made version `version` of the task, if the stream said so. */
export function authorOf(taskId: string, version: number): { by: string | null; mine: boolean } | null {
  const known = authors.get(taskId);
  return known?.version === version ? known : null;
}

/** Forget every mark (signing out; tests). */
export function clearMarks(): void {
  for (const timer of timers.values()) clearTimeout(timer);
  timers.clear();
  marks.clear();
  deletions.clear();
  authors.clear();
  changed();
}
