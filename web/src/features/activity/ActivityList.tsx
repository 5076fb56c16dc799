// History entries as a list of sentences, newest first, each with how long ago it happened.
import type { ReactNode } from "react";

import { Button } from "../../components/Button";
import { describe, formatFull, timeAgo, type ActivityEntry, type Wording } from "./wording";

const DOT: Record<ActivityEntry["kind"], string> = {
  created: "bg-emerald-500",
  updated: "bg-accent-500",
  status_changed: "bg-accent-600",
  assigned: "bg-amber-500",
  deleted: "bg-red-500",
  comment_added: "bg-ink-soft",
  comment_edited: "bg-ink-soft",
  comment_deleted: "bg-ink-soft",
};

export function ActivityList({
  entries,
  wording,
  now,
  footer,
}: {
  entries: ActivityEntry[];
  wording: Wording;
  now?: number;
  /** Shown under each entry (the project page links each one to its task). */
  footer?: (entry: ActivityEntry) => ReactNode;
}) {
  return (
    <ol className="space-y-3">
      {entries.map((entry) => (
        <li key={entry.id} className="flex gap-3 text-sm">
          <span aria-hidden="true" className={`mt-1.5 size-2 shrink-0 rounded-full ${DOT[entry.kind]}`} />
          <div className="min-w-0 flex-1">
            <p className="break-words text-ink">
              {describe(entry, wording)},{" "}
              <time dateTime={entry.occurred_at} title={formatFull(entry.occurred_at)} className="text-ink-soft">
                {timeAgo(entry.occurred_at, now)}
              </time>
            </p>
            {footer ? footer(entry) : null}
          </div>
        </li>
      ))}
    </ol>
  );
}

export function ShowOlder({
  hasNextPage,
  fetching,
  onMore,
}: {
  hasNextPage: boolean;
  fetching: boolean;
  onMore: () => void;
}) {
  if (!hasNextPage) return null;
  return (
    <Button variant="ghost" className="w-full" disabled={fetching} onClick={onMore}>
      {fetching ? "Loading…" : "Show older activity"}
    </Button>
  );
}
