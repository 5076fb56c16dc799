// A task's files: dropped on the panel's drop zone or chosen with a button, each sent straight
// to the storage through the form the API hands out (with its progress, and a way to cancel),
// then confirmed; listed with an image's preview, a download link and (for editors) Delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type DragEvent } from "react";
import { toast } from "sonner";

import { api, type Schemas } from "../../api/client";
import { describeError, unwrap } from "../../api/problem";
import { Button } from "../../components/Button";
import { ErrorState } from "../../components/States";
import { useUser } from "../../lib/auth";
import { taskKeys, type Task } from "./api";
import { postFile, UploadFailed } from "./upload";

type Attachment = Schemas["AttachmentPublic"];

// Download links last minutes (TASKFLOW_ATTACHMENT_DOWNLOAD_SECONDS, 5 by default): the list is
// fetched again before they run out while the panel is open.
const LINKS_STALE_MS = 60_000;
const LINKS_REFRESH_MS = 4 * 60_000;
// What a file the browser cannot type is sent as (the server says if it takes it).
const UNKNOWN_TYPE = "application/octet-stream";

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** "512 bytes", "1.5 KB", "2 MB" (1,024 to the next unit). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  const units = ["KB", "MB", "GB", "TB"];
  let size = bytes / 1024;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${number.format(size)} ${units[unit]}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

interface Upload {
  key: number;
  file: File;
  sent: number;
  /** "sending" the bytes, "checking" them with the API, or "failed" with `error`. */
  state: "sending" | "checking" | "failed";
  error?: string;
  controller: AbortController;
}

function useAttachments(taskId: string) {
  return useQuery({
    queryKey: taskKeys.attachments(taskId),
    staleTime: LINKS_STALE_MS,
    refetchInterval: LINKS_REFRESH_MS,
    queryFn: async () =>
      unwrap(await api.GET("/api/tasks/{task_id}/attachments", { params: { path: { task_id: taskId } } })).items,
  });
}

/** Uploads under way: each asks for a form, sends the file through it, then confirms it. */
function useUploads(taskId: string) {
  const client = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const next = useRef(0);
  const change = (key: number, patch: Partial<Upload>) =>
    setUploads((current) => current.map((upload) => (upload.key === key ? { ...upload, ...patch } : upload)));
  const drop = (key: number) => setUploads((current) => current.filter((upload) => upload.key !== key));

  async function send(upload: Upload) {
    const { key, file, controller } = upload;
    let created: Schemas["AttachmentUpload"] | undefined;
    try {
      created = unwrap(
        await api.POST("/api/tasks/{task_id}/attachments", {
          params: { path: { task_id: taskId } },
          body: { filename: file.name, content_type: file.type || UNKNOWN_TYPE, size: file.size },
          signal: controller.signal,
        }),
      );
      await postFile(created.upload, file, {
        signal: controller.signal,
        onProgress: (sent) => change(key, { sent }),
      });
      change(key, { state: "checking", sent: file.size });
      const attachment = unwrap(
        await api.POST("/api/attachments/{attachment_id}/complete", {
          params: { path: { attachment_id: created.id } },
        }),
      );
      client.setQueryData<Attachment[]>(taskKeys.attachments(taskId), (items) =>
        items?.some((item) => item.id === attachment.id) ? items : [...(items ?? []), attachment],
      );
      drop(key);
    } catch (failure) {
      // A form asked for but not used would count against the task until swept: give it back.
      if (created) {
        void api.DELETE("/api/attachments/{attachment_id}", { params: { path: { attachment_id: created.id } } });
      }
      if (controller.signal.aborted) drop(key);
      else {
        const error = failure instanceof UploadFailed ? failure.message : describeError(failure);
        change(key, { state: "failed", error });
      }
    }
  }

  function start(files: Iterable<File>) {
    for (const file of files) {
      next.current += 1;
      const upload: Upload = { key: next.current, file, sent: 0, state: "sending", controller: new AbortController() };
      setUploads((current) => [...current, upload]);
      void send(upload);
    }
  }

  function retry(upload: Upload) {
    const again: Upload = { ...upload, sent: 0, state: "sending", error: undefined, controller: new AbortController() };
    change(upload.key, again);
    void send(again);
  }

  return { uploads, start, retry, cancel: (upload: Upload) => upload.controller.abort(), dismiss: drop };
}

function UploadRow({
  upload,
  onCancel,
  onRetry,
  onDismiss,
}: {
  upload: Upload;
  onCancel: () => void;
  onRetry: () => void;
  onDismiss: () => void;
}) {
  const percent = upload.file.size ? Math.floor((100 * upload.sent) / upload.file.size) : 100;
  const failed = upload.state === "failed";
  return (
    <li className="space-y-1.5 rounded-md border border-line p-2.5">
      <div className="flex items-center gap-2 text-sm">
        <span className="min-w-0 flex-1 truncate font-medium text-ink">{upload.file.name}</span>
        <span className="shrink-0 text-xs tabular-nums text-ink-soft">
          {failed ? "Not uploaded" : upload.state === "checking" ? "Finishing…" : `${percent} %`}
        </span>
        {failed ? (
          <>
            <Button variant="secondary" className="!px-2 !py-1 text-xs" onClick={onRetry}>
              Try again
            </Button>
            <Button variant="ghost" className="!px-2 !py-1 text-xs" onClick={onDismiss}>
              Dismiss
            </Button>
          </>
        ) : (
          <Button
            variant="ghost"
            className="!px-2 !py-1 text-xs"
            aria-label={`Cancel uploading ${upload.file.name}`}
            onClick={onCancel}
          >
            Cancel
          </Button>
        )}
      </div>
      {failed ? (
        <p role="alert" className="text-xs text-red-600 dark:text-red-400">
          {upload.error}
        </p>
      ) : (
        <div
          role="progressbar"
          aria-label={`Uploading ${upload.file.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="h-1.5 overflow-hidden rounded-full bg-muted"
        >
          <div className="h-full rounded-full bg-accent-600 transition-[width]" style={{ width: `${percent}%` }} />
        </div>
      )}
    </li>
  );
}

function AttachmentItem({
  attachment,
  uploader,
  canDelete,
  onDelete,
  deleting,
}: {
  attachment: Attachment;
  uploader: string | null;
  canDelete: boolean;
  onDelete: () => void;
  deleting: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  const actions = useRef<HTMLDivElement>(null);
  const link = attachment.download_url;

  function keep() {
    setConfirming(false);
    // Back on the Delete button it replaced.
    requestAnimationFrame(() => actions.current?.querySelector("button")?.focus());
  }
  const image = attachment.content_type.startsWith("image/") && link;
  return (
    <li className="flex items-center gap-3 rounded-md border border-line p-2">
      {image ? (
        <a href={link} className="shrink-0 focus-ring" aria-label={`Download ${attachment.filename}`} tabIndex={-1}>
          <img
            src={link}
            alt={`Preview of ${attachment.filename}`}
            loading="lazy"
            className="size-14 rounded bg-muted object-cover"
          />
        </a>
      ) : (
        <span className="grid size-14 shrink-0 place-items-center rounded bg-muted text-ink-soft" aria-hidden="true">
          <svg viewBox="0 0 20 20" className="size-6" fill="none" stroke="currentColor" strokeWidth="1.5">
            <path d="M11.5 2.5H5.75A1.25 1.25 0 0 0 4.5 3.75v12.5c0 .69.56 1.25 1.25 1.25h8.5c.69 0 1.25-.56 1.25-1.25V6.5l-4-4Z" />
            <path d="M11.5 2.5v4h4" />
          </svg>
        </span>
      )}
      <div className="min-w-0 flex-1">
        {link ? (
          <a
            href={link}
            download={attachment.filename}
            className="block truncate text-sm font-medium text-accent-700 underline-offset-2 hover:underline focus-ring dark:text-accent-100"
          >
            {attachment.filename}
          </a>
        ) : (
          <span className="block truncate text-sm font-medium text-ink">{attachment.filename}</span>
        )}
        <p className="truncate text-xs text-ink-soft">
          {formatSize(attachment.size)} · {uploader ? `${uploader}, ` : ""}
          {dateFormat.format(new Date(attachment.completed_at ?? attachment.created_at))}
        </p>
      </div>
      {canDelete ? (
        <div ref={actions} className="flex shrink-0 gap-1">
          {confirming ? (
            <>
              <Button
                variant="danger"
                className="!px-2 !py-1 text-xs"
                autoFocus
                disabled={deleting}
                onClick={onDelete}
                onKeyDown={(event) => {
                  if (event.key === "Escape") {
                    // Keeps the file, and the panel open.
                    event.preventDefault();
                    keep();
                  }
                }}
              >
                Delete file
              </Button>
              <Button variant="ghost" className="!px-2 !py-1 text-xs" onClick={keep}>
                Keep
              </Button>
            </>
          ) : (
            <Button
              variant="ghost"
              className="shrink-0 !p-1.5"
              aria-label={`Delete ${attachment.filename}`}
              title="Delete"
              onClick={() => setConfirming(true)}
            >
              <svg
                viewBox="0 0 16 16"
                className="size-4"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.5"
                aria-hidden="true"
              >
                <path d="M2.5 4.5h11M6 4.5V3a1 1 0 0 1 1-1h2a1 1 0 0 1 1 1v1.5M4 4.5l.7 8.6a1 1 0 0 0 1 .9h4.6a1 1 0 0 0 1-.9l.7-8.6" />
              </svg>
            </Button>
          )}
        </div>
      ) : null}
    </li>
  );
}

export function Attachments({
  task,
  canEdit,
  names,
}: {
  task: Task;
  canEdit: boolean;
  /** Members' names by id, for who uploaded each file. */
  names: Map<string, string>;
}) {
  const user = useUser();
  const client = useQueryClient();
  const attachments = useAttachments(task.id);
  const { uploads, start, retry, cancel, dismiss } = useUploads(task.id);
  const input = useRef<HTMLInputElement>(null);
  const headingId = useId();
  const [over, setOver] = useState(false);
  const items = attachments.data ?? [];

  const remove = useMutation({
    mutationFn: async (attachment: Attachment) => {
      unwrap(
        await api.DELETE("/api/attachments/{attachment_id}", { params: { path: { attachment_id: attachment.id } } }),
      );
      return attachment;
    },
    onSuccess: (attachment) =>
      client.setQueryData<Attachment[]>(taskKeys.attachments(task.id), (current) =>
        (current ?? []).filter((item) => item.id !== attachment.id),
      ),
    onError: (failure) => toast.error(describeError(failure)),
  });

  const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes("Files");

  function onDrop(event: DragEvent) {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    setOver(false);
    if (canEdit) start(Array.from(event.dataTransfer.files));
  }

  return (
    <section aria-labelledby={headingId} className="space-y-2">
      <h3 id={headingId} className="text-sm font-semibold text-ink">
        Attachments{items.length ? <span className="ml-1.5 font-normal text-ink-soft">{items.length}</span> : null}
      </h3>
      {attachments.isError ? (
        <ErrorState error={attachments.error} onRetry={() => void attachments.refetch()} />
      ) : items.length ? (
        <ul aria-label="Attachments" className="space-y-1.5">
          {items.map((attachment) => (
            <AttachmentItem
              key={attachment.id}
              attachment={attachment}
              uploader={
                attachment.uploader_id === user.id
                  ? "You"
                  : attachment.uploader_id
                    ? (names.get(attachment.uploader_id) ?? null)
                    : null
              }
              canDelete={canEdit}
              deleting={remove.isPending}
              onDelete={() => remove.mutate(attachment)}
            />
          ))}
        </ul>
      ) : attachments.isPending || canEdit ? null : (
        <p className="text-xs text-ink-soft">No files attached.</p>
      )}
      {uploads.length ? (
        <ul aria-label="Uploads" className="space-y-1.5">
          {uploads.map((upload) => (
            <UploadRow
              key={upload.key}
              upload={upload}
              onCancel={() => cancel(upload)}
              onRetry={() => retry(upload)}
              onDismiss={() => dismiss(upload.key)}
            />
          ))}
        </ul>
      ) : null}
      {canEdit ? (
        <div
          onDragEnter={(event) => carriesFiles(event) && setOver(true)}
          onDragOver={(event) => {
            if (!carriesFiles(event)) return;
            event.preventDefault();
            event.dataTransfer.dropEffect = "copy";
          }}
          onDragLeave={(event) => {
            if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOver(false);
          }}
          onDrop={onDrop}
          data-drop-zone
          className={`flex flex-wrap items-center justify-center gap-2 rounded-lg border-2 border-dashed px-4 py-5 text-center text-sm transition-colors ${
            over ? "border-accent-500 bg-accent-50 text-ink dark:bg-accent-500/10" : "border-line text-ink-soft"
          }`}
        >
          <span>Drop files here, or</span>
          <Button variant="secondary" className="!px-2.5 !py-1 text-xs" onClick={() => input.current?.click()}>
            Choose files
          </Button>
          <input
            ref={input}
            type="file"
            multiple
            hidden
            aria-label="Attach files"
            onChange={(event) => {
              start(Array.from(event.target.files ?? []));
              // The same file may be chosen again.
              event.target.value = "";
            }}
          />
        </div>
      ) : null}
    </section>
  );
}
