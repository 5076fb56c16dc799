// Notification settings: which notices also come by e-mail, the reminders tasks assigned to the
// user start with, and webhooks to other services.
import { useId, useState, type FormEvent } from "react";

import { ApiError, describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { TextField } from "../../components/Field";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { useModal } from "../../hooks/useModal";
import { LIMITS, overLimit } from "../../lib/limits";
import {
  kindLabel,
  orderedKinds,
  useAddWebhook,
  useDeleteWebhook,
  usePreferences,
  useSavePreferences,
  useTestWebhook,
  useWebhooks,
  type Preferences,
  type Webhook,
  type WebhookCreated,
  type WebhookTestResult,
} from "./api";
import { DefaultReminders } from "./DefaultReminders";
import { Saved, Section, SettingsLayout } from "./SettingsLayout";

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** Words for an error; a 409 here is a limit with its own explanation, not a stale edit. */
function explain(error: unknown): string {
  if (error instanceof ApiError && error.status === 409 && error.problem.detail) {
    const detail = error.problem.detail;
    return detail.charAt(0).toUpperCase() + detail.slice(1) + (detail.endsWith(".") ? "" : ".");
  }
  return describeError(error);
}

export function NotificationSettingsPage() {
  return (
    <SettingsLayout>
      <EmailPreferences />
      <DefaultReminders />
      <Webhooks />
    </SettingsLayout>
  );
}

function EmailPreferences() {
  const preferences = usePreferences();
  return (
    <Section
      title="E-mail notifications"
      description="Notifications always appear in TaskFlow. Choose which ones also reach your inbox."
    >
      {preferences.isPending ? (
        <Spinner label="Loading your preferences" />
      ) : preferences.isError ? (
        <ErrorState error={preferences.error} onRetry={() => void preferences.refetch()} />
      ) : (
        <PreferencesForm saved={preferences.data} />
      )}
    </Section>
  );
}

function PreferencesForm({ saved }: { saved: Preferences }) {
  const save = useSavePreferences();
  const [enabled, setEnabled] = useState(saved.email_enabled);
  const [kinds, setKinds] = useState<Record<string, boolean>>({ ...saved.email_kinds });
  const [done, setDone] = useState(false);
  const switchId = useId();
  const kindsId = useId();
  const all = orderedKinds(Object.keys(saved.email_kinds));

  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    save.mutate({ email_enabled: enabled, email_kinds: kinds }, { onSuccess: () => setDone(true) });
  }

  return (
    <form onSubmit={submit} className="space-y-5">
      <div className="flex items-start justify-between gap-4">
        <label htmlFor={switchId} className="min-w-0">
          <span className="block text-sm font-medium">E-mail me about notifications</span>
          <span className="mt-0.5 block text-xs text-ink-soft">
            Off: nothing is sent by e-mail, whatever is ticked below.
          </span>
        </label>
        <input
          id={switchId}
          type="checkbox"
          role="switch"
          checked={enabled}
          onChange={(event) => {
            setEnabled(event.target.checked);
            setDone(false);
          }}
          className="relative mt-0.5 h-6 w-11 shrink-0 cursor-pointer appearance-none rounded-full bg-line transition-colors focus-ring before:absolute before:left-0.5 before:top-0.5 before:size-5 before:rounded-full before:bg-white before:shadow before:transition-transform checked:bg-accent-600 checked:before:translate-x-5"
        />
      </div>
      <fieldset disabled={!enabled} aria-describedby={kindsId} className="group">
        <legend className="text-sm font-medium">Send an e-mail when</legend>
        <p id={kindsId} className="sr-only">
          {enabled ? "" : "Turn on e-mail to choose."}
        </p>
        <div className="mt-3 grid gap-2 sm:grid-cols-2">
          {all.map((kind) => (
            <label
              key={kind}
              className="flex cursor-pointer items-center gap-3 rounded-lg border border-line px-3 py-2.5 text-sm transition-colors hover:bg-muted group-disabled:cursor-not-allowed group-disabled:opacity-50 group-disabled:hover:bg-transparent"
            >
              <input
                type="checkbox"
                checked={kinds[kind] ?? false}
                onChange={(event) => {
                  setKinds((current) => ({ ...current, [kind]: event.target.checked }));
                  setDone(false);
                }}
                className="size-4 shrink-0 rounded accent-accent-600 focus-ring"
              />
              <span>{kindLabel(kind)}</span>
            </label>
          ))}
        </div>
      </fieldset>
      {save.isError ? (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {describeError(save.error)}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save preferences"}
        </Button>
        {done ? <Saved>Preferences saved.</Saved> : null}
      </div>
    </form>
  );
}

function Webhooks() {
  const hooks = useWebhooks();
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  return (
    <Section
      title="Webhooks"
      description="TaskFlow sends each of your notifications to these https addresses as a signed POST (Standard Webhooks headers)."
    >
      <div className="space-y-6">
        {hooks.isPending ? (
          <Spinner label="Loading webhooks" />
        ) : hooks.isError ? (
          <ErrorState error={hooks.error} onRetry={() => void hooks.refetch()} />
        ) : hooks.data.length === 0 ? (
          <EmptyState title="No webhooks yet">
            Add one below to hear of your notifications in another service.
          </EmptyState>
        ) : (
          <ul aria-label="Your webhooks" className="divide-y divide-line rounded-lg border border-line">
            {hooks.data.map((hook) => (
              <WebhookRow key={hook.id} hook={hook} />
            ))}
          </ul>
        )}
        {created ? <SecretOnce created={created} onDone={() => setCreated(null)} /> : null}
        <AddWebhook onCreated={setCreated} />
      </div>
    </Section>
  );
}

function WebhookRow({ hook }: { hook: Webhook }) {
  const test = useTestWebhook();
  const remove = useDeleteWebhook();
  const confirming = useModal();
  const urlId = useId();
  const created = new Date(hook.created_at);
  return (
    <li className="flex flex-col gap-3 p-4 sm:flex-row sm:items-start">
      <div className="min-w-0 flex-1">
        <p id={urlId} className="font-mono text-sm break-all">
          {hook.url}
        </p>
        <p className="mt-1 text-xs text-ink-soft">
          {hook.description ? <span className="text-ink">{hook.description} · </span> : null}
          Added {Number.isNaN(created.getTime()) ? "" : dateFormat.format(created)}
        </p>
        {test.isSuccess ? <TestOutcome result={test.data} /> : null}
        {test.isError ? <TestOutcome error={test.error} /> : null}
      </div>
      <div className="flex shrink-0 gap-2">
        <Button
          variant="secondary"
          aria-describedby={urlId}
          disabled={test.isPending}
          onClick={() => test.mutate(hook.id)}
        >
          {test.isPending ? "Sending…" : "Send test"}
        </Button>
        <Button
          variant="ghost"
          aria-describedby={urlId}
          className="text-red-700 hover:text-red-800 dark:text-red-400 dark:hover:text-red-300"
          onClick={confirming.show}
        >
          Delete
        </Button>
      </div>
      {confirming.open ? (
        <ConfirmDialog
          title="Delete webhook"
          action="Delete webhook"
          pending={remove.isPending}
          error={remove.isError ? describeError(remove.error) : undefined}
          onConfirm={() => remove.mutate(hook.id, { onSuccess: confirming.hide })}
          onCancel={confirming.hide}
        >
          TaskFlow stops sending notifications to <span className="font-mono break-all text-ink">{hook.url}</span>. This
          cannot be undone.
        </ConfirmDialog>
      ) : null}
    </li>
  );
}

function TestOutcome({ result, error }: { result?: WebhookTestResult; error?: unknown }) {
  const ok = result?.delivered ?? false;
  let text: string;
  if (!result) text = `Could not send the test: ${describeError(error)}`;
  else {
    const status = result.status_code != null ? `HTTP ${result.status_code}` : "no answer";
    const time = `${Math.round(result.duration_ms)} ms`;
    text = ok ? `Delivered: ${status} in ${time}.` : `Not delivered: ${result.error ?? status} (${time}).`;
  }
  return (
    <p
      role="status"
      className={`mt-2 inline-flex items-center gap-1.5 rounded-md px-2 py-1 text-xs font-medium ${
        ok
          ? "bg-emerald-50 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300"
          : "bg-red-50 text-red-800 dark:bg-red-950 dark:text-red-300"
      }`}
    >
      <span aria-hidden="true" className={`size-1.5 rounded-full ${ok ? "bg-emerald-500" : "bg-red-500"}`} />
      {text}
    </p>
  );
}

function SecretOnce({ created, onDone }: { created: WebhookCreated; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const fieldId = useId();

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied(true);
    } catch {
      // No clipboard access (an insecure origin, or refused): select it for copying by hand.
      const field = document.getElementById(fieldId);
      if (field instanceof HTMLInputElement) field.select();
    }
  }

  return (
    <div
      role="region"
      aria-label="New webhook secret"
      className="rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-700/60 dark:bg-amber-950/40"
    >
      <p className="text-sm font-medium text-amber-900 dark:text-amber-200">
        Copy the signing secret now: it is shown only once.
      </p>
      <p className="mt-1 text-xs text-amber-900/80 dark:text-amber-200/80">
        Use it to check the <code>webhook-signature</code> header of each request to{" "}
        <span className="break-all">{created.url}</span>.
      </p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row sm:items-end">
        <div className="min-w-0 flex-1 space-y-1">
          <label htmlFor={fieldId} className="block text-xs font-medium text-amber-900 dark:text-amber-200">
            Signing secret
          </label>
          <input
            id={fieldId}
            readOnly
            value={created.secret}
            onFocus={(event) => event.target.select()}
            className="block w-full rounded-md border border-line bg-surface px-3 py-2 font-mono text-sm text-ink focus-ring"
          />
        </div>
        <div className="flex gap-2">
          <Button variant="secondary" onClick={() => void copy()}>
            {copied ? "Copied" : "Copy secret"}
          </Button>
          <Button variant="ghost" onClick={onDone}>
            Done
          </Button>
        </div>
      </div>
    </div>
  );
}

function AddWebhook({ onCreated }: { onCreated: (created: WebhookCreated) => void }) {
  const add = useAddWebhook();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [urlError, setUrlError] = useState<string | undefined>();
  // Past the limit a field says so and the form does not send it: nothing is cut to fit.
  const urlTooLong = overLimit("The URL", url.trim(), LIMITS.webhookUrl);
  const descriptionTooLong = overLimit("The description", description.trim(), LIMITS.webhookDescription);

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = url.trim();
    if (urlTooLong || descriptionTooLong) return;
    if (!/^https?:\/\/\S+$/i.test(trimmed)) {
      setUrlError("Enter the full address, starting with https://");
      return;
    }
    setUrlError(undefined);
    add.mutate(
      { url: trimmed, description: description.trim() },
      {
        onSuccess: (created) => {
          setUrl("");
          setDescription("");
          onCreated(created);
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Add a webhook" className="space-y-4 rounded-lg bg-muted/60 p-4">
      <h3 className="text-sm font-semibold">Add a webhook</h3>
      <div className="grid gap-4 sm:grid-cols-[3fr_2fr]">
        <TextField
          label="URL"
          type="url"
          inputMode="url"
          placeholder="https://example.com/hooks/taskflow"
          value={url}
          error={urlTooLong ?? urlError}
          onChange={(event) => setUrl(event.target.value)}
        />
        <TextField
          label="Description"
          placeholder="Optional, e.g. Team chat"
          value={description}
          error={descriptionTooLong}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      {add.isError ? (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {explain(add.error)}
        </p>
      ) : null}
      <Button type="submit" disabled={add.isPending || Boolean(urlTooLong || descriptionTooLong)}>
        {add.isPending ? "Adding…" : "Add webhook"}
      </Button>
    </form>
  );
}
