// A comment's text, rendered as Markdown, or (for its author) an inline editor: Save sends the
// new text, Cancel or Escape leaves it as it was. An edited comment says so, with the time.
import { useMutation, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";

import { api, type Schemas } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { Button } from "../../components/Button";
import { Markdown } from "../../components/Markdown";
import { LIMITS, overLimit } from "../../lib/limits";
import { MentionTextArea } from "../../components/MentionTextArea";
import type { Mentionable } from "../../lib/mentions";
import { taskKeys } from "./api";
import { watcherKeys } from "./TaskWatchers";

type Comment = Schemas["CommentPublic"];
type CommentData = InfiniteData<Schemas["CommentsPublic"], string | undefined>;

/** "The comment is 10,204 characters; the limit is 10,000." past the limit (counted as sent). */
export function commentTooLong(text: string): string | undefined {
  return overLimit("The comment", text.trim(), LIMITS.comment);
}

const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** The comment in place of its older self in a cached thread. */
export function replaceComment(data: CommentData | undefined, comment: Comment): CommentData | undefined {
  if (!data) return data;
  return {
    ...data,
    pages: data.pages.map((page) => ({
      ...page,
      items: page.items.map((item) => (item.id === comment.id ? comment : item)),
    })),
  };
}

/** "edited", with when in its title. */
export function EditedMarker({ at }: { at: string }) {
  const when = fullDate.format(new Date(at));
  return (
    <time dateTime={at} title={`Edited ${when}`} className="shrink-0 text-xs text-ink-soft">
      (edited)
    </time>
  );
}

export function CommentEditor({
  taskId,
  comment,
  members,
  onDone,
}: {
  taskId: string;
  comment: Comment;
  members: readonly Mentionable[];
  onDone: () => void;
}) {
  const client = useQueryClient();
  const [text, setText] = useState(comment.body);
  const trimmed = text.trim();
  const tooLong = commentTooLong(text);

  const save = useMutation({
    mutationFn: async (body: string): Promise<Comment> =>
      unwrap(
        await api.PATCH("/api/tasks/{task_id}/comments/{comment_id}", {
          params: { path: { task_id: taskId, comment_id: comment.id } },
          body: { body },
        }),
      ),
    onSuccess: (saved) => {
      client.setQueryData<CommentData>(taskKeys.comments(taskId), (data) => replaceComment(data, saved));
      // Someone newly mentioned now watches the task.
      void client.invalidateQueries({ queryKey: watcherKeys.all(taskId) });
      onDone();
    },
    onError: (error) => toast.error(describeError(error)),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!trimmed || tooLong || save.isPending) return;
    if (trimmed === comment.body) onDone();
    else save.mutate(trimmed);
  }

  return (
    <form onSubmit={submit} className="mt-1 space-y-2">
      <MentionTextArea
        label="Edit comment"
        hideLabel
        value={text}
        onValueChange={setText}
        members={members}
        rows={3}
        className="min-h-20"
        // The editor opens in place of the text: the caret goes where the person was reading.
        autoFocus
        error={tooLong}
        onKeyDown={(event) => {
          if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) submit(event);
          if (event.key === "Escape") {
            // Leaves the editor only, not the panel around it.
            event.preventDefault();
            onDone();
          }
        }}
      />
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onDone} disabled={save.isPending}>
          Cancel
        </Button>
        <Button type="submit" disabled={!trimmed || Boolean(tooLong) || save.isPending}>
          {save.isPending ? "Saving…" : "Save"}
        </Button>
      </div>
    </form>
  );
}

export function CommentText({ body, mentionable }: { body: string; mentionable: readonly string[] }) {
  return (
    <Markdown source={body} mentionable={mentionable} className="mt-1 rounded-lg bg-muted px-3 py-2 text-sm text-ink" />
  );
}
