// A task's comments: read them (oldest first, as Markdown), add one (@ offers the project's
// members), edit or delete your own.
import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import { toast } from "sonner";

import { api, type Schemas } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { Button } from "../../components/Button";
import { MentionTextArea } from "../../components/MentionTextArea";
import { ErrorState, Spinner } from "../../components/States";
import { useUser } from "../../lib/auth";
import { markKeys, useMark } from "../../lib/liveMarks";
import type { Mentionable } from "../../lib/mentions";
import { taskKeys } from "./api";
import { commentTooLong, CommentEditor, CommentText, EditedMarker } from "./CommentBody";
import { watcherKeys } from "./TaskWatchers";

type Comment = Schemas["CommentPublic"];
type CommentPage = Schemas["CommentsPublic"];
type CommentData = InfiniteData<CommentPage, string | undefined>;

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "5 minutes ago", "yesterday", "just now". */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatFull(iso: string): string {
  return fullDate.format(new Date(iso));
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]?.[0], parts[parts.length - 1]?.[0]] : [name.trim().slice(0, 2)];
  return letters.join("").toUpperCase() || "?";
}

/** One comment's place in the thread, marked for a moment when someone else just added it. */
function CommentItem({ commentId, children }: { commentId: string; children: ReactNode }) {
  const change = useMark(markKeys.comment(commentId));
  return (
    <li className={`flex gap-3 rounded-lg ${change ? "live-mark" : ""}`} title={change?.text}>
      {children}
    </li>
  );
}

const NO_MEMBERS: readonly Mentionable[] = [];

export function TaskComments({
  taskId,
  canWrite = true,
  members = NO_MEMBERS,
}: {
  taskId: string;
  canWrite?: boolean;
  /** The project's members: who may be @mentioned, and whose mentions are highlighted. */
  members?: readonly Mentionable[];
}) {
  const user = useUser();
  const client = useQueryClient();
  const [body, setBody] = useState("");
  const [editing, setEditing] = useState<string>();
  const key = taskKeys.comments(taskId);
  const mentionable = useMemo(
    () => members.flatMap((member) => [member.display_name, ...(member.email ? [member.email] : [])]),
    [members],
  );
  const tooLong = commentTooLong(body);

  const comments = useInfiniteQuery({
    queryKey: key,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/api/tasks/{task_id}/comments", {
          params: { path: { task_id: taskId }, query: { limit: 50, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });

  const add = useMutation({
    mutationFn: async (text: string): Promise<Comment> =>
      unwrap(
        await api.POST("/api/tasks/{task_id}/comments", {
          params: { path: { task_id: taskId } },
          body: { body: text },
        }),
      ),
    onSuccess: (comment) => {
      setBody("");
      // Oldest first: a new comment belongs at the end of what is loaded, unless more pages wait.
      client.setQueryData<CommentData>(key, (data) => {
        if (!data) return data;
        const last = data.pages[data.pages.length - 1];
        // The live stream may have brought it already.
        if (!last || last.next_cursor || data.pages.some((page) => page.items.some((c) => c.id === comment.id)))
          return data;
        return { ...data, pages: [...data.pages.slice(0, -1), { ...last, items: [...last.items, comment] }] };
      });
      void client.invalidateQueries({ queryKey: key });
      // Commenting (and mentioning) makes watchers.
      void client.invalidateQueries({ queryKey: watcherKeys.all(taskId) });
    },
    onError: (error) => toast.error(describeError(error)),
  });

  const remove = useMutation({
    mutationFn: async (commentId: string) => {
      unwrap(
        await api.DELETE("/api/tasks/{task_id}/comments/{comment_id}", {
          params: { path: { task_id: taskId, comment_id: commentId } },
        }),
      );
      return commentId;
    },
    onSuccess: (commentId) => {
      client.setQueryData<CommentData>(key, (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((page) => ({ ...page, items: page.items.filter((c) => c.id !== commentId) })),
            }
          : data,
      );
    },
    onError: (error) => toast.error(describeError(error)),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const text = body.trim();
    if (text && !tooLong && !add.isPending) add.mutate(text);
  }

  const items = comments.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section aria-labelledby={`comments-${taskId}`} className="space-y-4">
      <h3 id={`comments-${taskId}`} className="text-sm font-semibold text-ink">
        Comments{items.length ? <span className="ml-1.5 font-normal text-ink-soft">{items.length}</span> : null}
      </h3>
      {comments.isPending ? (
        <Spinner label="Loading comments" />
      ) : comments.isError ? (
        <ErrorState error={comments.error} onRetry={() => void comments.refetch()} />
      ) : items.length === 0 ? (
        <p className="rounded-lg border border-dashed border-line p-4 text-center text-sm text-ink-soft">
          No comments yet.
        </p>
      ) : (
        <ol className="space-y-4">
          {items.map((comment) => {
            const author = comment.author_name ?? "Former member";
            const mine = comment.author_id === user.id;
            return (
              <CommentItem key={comment.id} commentId={comment.id}>
                <span
                  aria-hidden="true"
                  className="grid size-8 shrink-0 place-items-center rounded-full bg-accent-100 text-xs font-semibold text-accent-700 dark:bg-accent-700/40 dark:text-accent-100"
                >
                  {initials(author)}
                </span>
                <div className="min-w-0 flex-1">
                  <div className="flex items-baseline gap-2">
                    <span className="truncate text-sm font-medium text-ink">{author}</span>
                    <time
                      dateTime={comment.created_at}
                      title={formatFull(comment.created_at)}
                      className="shrink-0 text-xs text-ink-soft"
                    >
                      {timeAgo(comment.created_at)}
                    </time>
                    {comment.edited_at ? <EditedMarker at={comment.edited_at} /> : null}
                    {mine && editing !== comment.id ? (
                      <button
                        type="button"
                        className="ml-auto rounded px-1.5 py-0.5 text-xs text-ink-soft hover:bg-muted hover:text-ink focus-ring"
                        onClick={() => setEditing(comment.id)}
                        aria-label={`Edit comment from ${timeAgo(comment.created_at)}`}
                      >
                        Edit
                      </button>
                    ) : null}
                    {mine ? (
                      <button
                        type="button"
                        className={`${editing === comment.id ? "ml-auto" : ""} rounded px-1.5 py-0.5 text-xs text-ink-soft hover:bg-muted hover:text-red-600 focus-ring disabled:opacity-50 dark:hover:text-red-400`}
                        disabled={remove.isPending && remove.variables === comment.id}
                        onClick={() => remove.mutate(comment.id)}
                        aria-label={`Delete comment from ${timeAgo(comment.created_at)}`}
                      >
                        Delete
                      </button>
                    ) : null}
                  </div>
                  {mine && editing === comment.id ? (
                    <CommentEditor
                      taskId={taskId}
                      comment={comment}
                      members={members}
                      onDone={() => setEditing(undefined)}
                    />
                  ) : (
                    <CommentText body={comment.body} mentionable={mentionable} />
                  )}
                </div>
              </CommentItem>
            );
          })}
        </ol>
      )}
      {comments.hasNextPage ? (
        <Button
          variant="ghost"
          className="w-full"
          disabled={comments.isFetchingNextPage}
          onClick={() => void comments.fetchNextPage()}
        >
          {comments.isFetchingNextPage ? "Loading…" : "Load more comments"}
        </Button>
      ) : null}
      {canWrite ? (
        <form onSubmit={submit} className="space-y-2">
          <MentionTextArea
            label="Add a comment"
            hideLabel
            placeholder="Add a comment… (Markdown; @ to mention someone)"
            value={body}
            members={members}
            rows={3}
            className="min-h-20"
            error={tooLong}
            onValueChange={setBody}
            onKeyDown={(event) => {
              // Ctrl/Cmd+Enter sends, as in most chat and comment boxes.
              if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) submit(event);
            }}
          />
          <div className="flex justify-end">
            <Button type="submit" disabled={!body.trim() || Boolean(tooLong) || add.isPending}>
              Comment
            </Button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
