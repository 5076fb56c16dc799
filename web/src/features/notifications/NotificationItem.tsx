// One notification as a link to what it is about, in the bell's panel and on the full page.
import type { ReactNode } from "react";
import { Link } from "react-router";

import { notificationLink, type Notification } from "./api";

const ICONS: Record<string, ReactNode> = {
  // a person: assigned, added to a project
  person: <path d="M10 10a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Zm-6 7a6 6 0 0 1 12 0v.5H4V17Z" />,
  // an at sign: someone mentioned you
  mention: (
    <path
      fillRule="evenodd"
      d="M5.404 14.596A6.5 6.5 0 1 1 16.5 10a1.25 1.25 0 0 1-2.5 0 4 4 0 1 0-.571 2.06A2.75 2.75 0 0 0 18 10a8 8 0 1 0-2.343 5.657.75.75 0 0 0-1.06-1.06 6.5 6.5 0 0 1-9.193 0ZM10 7.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z"
    />
  ),
  // a speech bubble: comments
  comment: <path d="M3 5a2 2 0 0 1 2-2h10a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2H9l-4 3v-3a2 2 0 0 1-2-2V5Z" />,
  // a clock: due soon
  clock: (
    <path
      fillRule="evenodd"
      d="M10 18a8 8 0 1 0 0-16 8 8 0 0 0 0 16Zm.75-12.5a.75.75 0 0 0-1.5 0V10c0 .2.08.39.22.53l2.5 2.5a.75.75 0 1 0 1.06-1.06l-2.28-2.28V5.5Z"
    />
  ),
  // a tick in a box: tasks created, changed, moved, deleted
  task: (
    <path
      fillRule="evenodd"
      d="M4 3a1 1 0 0 0-1 1v12a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V4a1 1 0 0 0-1-1H4Zm9.53 4.78a.75.75 0 0 0-1.06-1.06L9 10.19 7.53 8.72a.75.75 0 0 0-1.06 1.06l2 2c.3.3.77.3 1.06 0l4-4Z"
    />
  ),
};

function icon(kind: string): ReactNode {
  if (kind === "task.assigned" || kind === "project.member_added") return ICONS.person;
  if (kind === "mention") return ICONS.mention;
  if (kind === "comment.added") return ICONS.comment;
  if (kind === "task.due_soon") return ICONS.clock;
  return ICONS.task;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
// In the browser's language and time zone, weekday first: "Fri, 5 Dec 2026, 14:00".
const dueFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
});

/** When a due-soon notice's task is due, as the reader's browser tells time. */
export function formatDue(iso: string): string | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : dueFormat.format(date);
}

/** What kind of notice it is, for a screen reader before the message. */
function kindWord(kind: string): string | null {
  if (kind === "mention") return "Mention:";
  if (kind === "task.due_soon") return "Due soon:";
  return null;
}
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 7],
  ["week", 4.35],
  ["month", 12],
  ["year", Number.POSITIVE_INFINITY],
];

/** "just now", "5 minutes ago", "yesterday": how long ago, in the reader's language. */
export function ago(iso: string, now = Date.now()): string {
  let value = (new Date(iso).getTime() - now) / 1000;
  if (Number.isNaN(value)) return "";
  if (Math.abs(value) < 45) return "just now";
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
    value /= size;
  }
  return "";
}

export function NotificationItem({
  notification,
  onOpen,
  actions,
  compact = false,
}: {
  notification: Notification;
  onOpen: (notification: Notification) => void;
  actions?: ReactNode;
  compact?: boolean;
}) {
  const unread = !notification.read;
  const date = new Date(notification.created_at);
  const due = notification.due_at ? formatDue(notification.due_at) : null;
  const resolved = notification.resolved ?? false;
  const word = kindWord(notification.kind);
  return (
    <li
      className={`flex items-start gap-1 rounded-lg transition-colors ${
        unread
          ? "bg-accent-50/70 hover:bg-accent-50 dark:bg-accent-500/10 dark:hover:bg-accent-500/15"
          : "hover:bg-muted"
      }`}
    >
      <Link
        to={notificationLink(notification)}
        onClick={() => onOpen(notification)}
        className={`flex min-w-0 flex-1 items-start gap-3 rounded-lg focus-ring ${compact ? "p-2.5" : "p-2.5 sm:p-3"}`}
      >
        <span
          aria-hidden="true"
          className={`mt-0.5 grid size-8 shrink-0 place-items-center rounded-full ${
            unread
              ? "bg-accent-100 text-accent-700 dark:bg-accent-500/25 dark:text-accent-100"
              : "bg-muted text-ink-soft"
          }`}
        >
          <svg viewBox="0 0 20 20" className="size-4" fill="currentColor">
            {icon(notification.kind)}
          </svg>
        </span>
        <span className="min-w-0 flex-1">
          <span
            className={`block text-sm leading-snug break-words ${unread ? "font-medium text-ink" : "text-ink-soft"}`}
          >
            {word ? <span className="sr-only">{word} </span> : null}
            <span className={resolved ? "line-through decoration-ink-soft/60" : undefined}>{notification.message}</span>
          </span>
          {due || resolved ? (
            <span className="mt-1 flex flex-wrap items-center gap-1.5 text-xs">
              {due && notification.due_at ? (
                <span className="text-ink-soft">
                  Due{" "}
                  <time dateTime={notification.due_at} className="font-medium text-ink">
                    {due}
                  </time>
                </span>
              ) : null}
              {resolved ? (
                <span
                  className="rounded-full bg-emerald-100 px-2 py-0.5 font-medium text-emerald-800 dark:bg-emerald-500/15 dark:text-emerald-200"
                  title="The task is done, no longer due then, or gone"
                >
                  Resolved
                </span>
              ) : null}
            </span>
          ) : null}
          <time
            dateTime={notification.created_at}
            title={Number.isNaN(date.getTime()) ? undefined : absolute.format(date)}
            className="mt-0.5 block text-xs text-ink-soft"
          >
            {ago(notification.created_at)}
          </time>
        </span>
        {unread ? (
          <span className="mt-2 flex shrink-0 items-center">
            <span aria-hidden="true" className="size-2 rounded-full bg-accent-500" />
            <span className="sr-only">Unread</span>
          </span>
        ) : null}
      </Link>
      {actions}
    </li>
  );
}
