// Calendar feeds: private iCalendar addresses of the user's assigned and watched tasks with due
// dates, for Google Calendar, Apple Calendar or Outlook to subscribe to. An address is shown once,
// when it is made (it holds the feed's secret); revoking it stops it working at once.
import { useEffect, useId, useState, type FormEvent } from "react";
import { useLocation } from "react-router";

import { ApiError, describeError, sentence } from "../../api/problem";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { TextField } from "../../components/Field";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { useModal } from "../../hooks/useModal";
import { LIMITS, overLimit } from "../../lib/limits";
import {
  useCalendarFeeds,
  useCreateCalendarFeed,
  useRevokeCalendarFeed,
  type CalendarFeed,
  type CalendarFeedCreated,
} from "./api";
import { Section } from "./SettingsLayout";
import { ShownOnce } from "./ShownOnce";

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export const when = (instant: string) => {
  const date = new Date(instant);
  return Number.isNaN(date.getTime()) ? "" : dateFormat.format(date);
};

export function CalendarFeeds() {
  const feeds = useCalendarFeeds();
  const [created, setCreated] = useState<CalendarFeedCreated | null>(null);
  const { hash } = useLocation();
  // The calendar's "Subscribe" link leads here.
  useEffect(() => {
    if (hash === "#calendar-feeds") document.getElementById("calendar-feeds")?.scrollIntoView();
  }, [hash]);

  return (
    <div id="calendar-feeds">
      <Section
        title="Calendar feeds"
        description="Subscribe to your tasks with due dates (the ones assigned to you or that you watch) in Google Calendar, Apple Calendar or Outlook. Anyone with a feed's address can read it: revoke it if it gets out."
      >
        <div className="space-y-6">
          {feeds.isPending ? (
            <Spinner label="Loading calendar feeds" />
          ) : feeds.isError ? (
            <ErrorState error={feeds.error} onRetry={() => void feeds.refetch()} />
          ) : feeds.data.length === 0 ? (
            <EmptyState title="No calendar feeds yet">
              Create one below and add its address to your calendar app.
            </EmptyState>
          ) : (
            <ul aria-label="Your calendar feeds" className="divide-y divide-line rounded-lg border border-line">
              {feeds.data.map((feed) => (
                <FeedRow key={feed.id} feed={feed} />
              ))}
            </ul>
          )}
          {created ? (
            <ShownOnce
              label="New calendar feed address"
              title={`Copy the address of “${created.name}” now: it is shown only once.`}
              hint="In your calendar app, add a calendar from a URL (subscribe) and paste it."
              field="Feed address"
              value={created.url}
              copy="Copy address"
              onDone={() => setCreated(null)}
            />
          ) : null}
          <CreateFeed onCreated={setCreated} />
        </div>
      </Section>
    </div>
  );
}

function FeedRow({ feed }: { feed: CalendarFeed }) {
  const revoke = useRevokeCalendarFeed();
  const confirming = useModal();
  const nameId = useId();
  return (
    <li className="flex items-start gap-3 p-4">
      <div className="min-w-0 flex-1">
        <p id={nameId} className="text-sm font-medium break-words">
          {feed.name}
        </p>
        <p className="mt-1 text-xs text-ink-soft">
          Created {when(feed.created_at)} ·{" "}
          {feed.last_used_at ? `last read ${when(feed.last_used_at)}` : "not read by a calendar yet"}
        </p>
      </div>
      <Button
        variant="ghost"
        aria-describedby={nameId}
        className="shrink-0 text-red-700 hover:text-red-800 dark:text-red-400 dark:hover:text-red-300"
        onClick={confirming.show}
      >
        Revoke
      </Button>
      {confirming.open ? (
        <ConfirmDialog
          title="Revoke calendar feed"
          action="Revoke feed"
          pending={revoke.isPending}
          error={revoke.isError ? describeError(revoke.error) : undefined}
          onConfirm={() => revoke.mutate(feed.id, { onSuccess: confirming.hide })}
          onCancel={confirming.hide}
        >
          Calendars subscribed to <span className="font-medium text-ink">{feed.name}</span> stop getting your tasks at
          once. This cannot be undone.
        </ConfirmDialog>
      ) : null}
    </li>
  );
}

function CreateFeed({ onCreated }: { onCreated: (created: CalendarFeedCreated) => void }) {
  const create = useCreateCalendarFeed();
  const [name, setName] = useState("");
  const tooLong = overLimit("The name", name.trim(), LIMITS.calendarFeedName);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (tooLong) return;
    create.mutate(name.trim() || "Calendar", {
      onSuccess: (created) => {
        setName("");
        onCreated(created);
      },
    });
  }

  // A 409 here is the limit of feeds, said by the server.
  const error =
    create.error instanceof ApiError && create.error.status === 409 && create.error.problem.detail
      ? sentence(create.error.problem.detail)
      : create.isError
        ? describeError(create.error)
        : null;

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label="Create a calendar feed"
      className="space-y-4 rounded-lg bg-muted/60 p-4"
    >
      <TextField
        label="Feed name"
        placeholder="Calendar"
        hint="Optional: what your calendar app calls it."
        value={name}
        error={tooLong}
        onChange={(event) => setName(event.target.value)}
      />
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={create.isPending || Boolean(tooLong)}>
        {create.isPending ? "Creating…" : "Create feed"}
      </Button>
    </form>
  );
}
