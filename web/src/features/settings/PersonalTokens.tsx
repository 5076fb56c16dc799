// Personal access tokens: for scripts and CloudEvents producers, sent as "Authorization: Bearer"
// where a session's token goes, each limited to the scopes chosen. A token is shown once, when it
// is made; revoking it stops it working at once.
import { useId, useState, type FormEvent } from "react";

import { ApiError, describeError, sentence } from "../../api/problem";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { SelectField, TextField } from "../../components/Field";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { useModal } from "../../hooks/useModal";
import { LIMITS, overLimit } from "../../lib/limits";
import {
  useCreatePersonalToken,
  usePersonalTokens,
  useRevokePersonalToken,
  type PersonalToken,
  type PersonalTokenCreate,
  type PersonalTokenCreated,
} from "./api";
import { when } from "./CalendarFeeds";
import { Section } from "./SettingsLayout";
import { ShownOnce } from "./ShownOnce";

type Scope = PersonalTokenCreate["scopes"][number];

/** What each scope lets a token do, in the order offered. */
export const SCOPES: Record<Scope, string> = {
  "tasks:read": "Read tasks, their comments, files and activity",
  "tasks:write": "Create, change and delete tasks and comments",
  "projects:read": "Read projects and their members",
  "projects:write": "Create and change projects and their members",
  "events:write": "Send CloudEvents to /api/events",
  "notifications:read": "Read your notifications",
};

/** Expiry choices, in days from now (0: never). */
const EXPIRY = { 0: "Never", 30: "In 30 days", 90: "In 90 days", 365: "In a year" };

export function PersonalTokens() {
  const tokens = usePersonalTokens();
  const [created, setCreated] = useState<PersonalTokenCreated | null>(null);
  return (
    <Section
      title="Personal access tokens"
      description="For scripts and services (a CloudEvents producer, say): send one as “Authorization: Bearer …”. A token can do only what its scopes allow, and cannot manage tokens or your account."
    >
      <div className="space-y-6">
        {tokens.isPending ? (
          <Spinner label="Loading personal access tokens" />
        ) : tokens.isError ? (
          <ErrorState error={tokens.error} onRetry={() => void tokens.refetch()} />
        ) : tokens.data.length === 0 ? (
          <EmptyState title="No personal access tokens yet">Create one below for a script or a service.</EmptyState>
        ) : (
          <ul aria-label="Your personal access tokens" className="divide-y divide-line rounded-lg border border-line">
            {tokens.data.map((token) => (
              <TokenRow key={token.id} token={token} />
            ))}
          </ul>
        )}
        {created ? (
          <ShownOnce
            label="New personal access token"
            title={`Copy the token “${created.name}” now: it is shown only once.`}
            hint="Keep it as you would a password. Revoke it here if it gets out."
            field="Token"
            value={created.token}
            copy="Copy token"
            onDone={() => setCreated(null)}
          />
        ) : null}
        <CreateToken onCreated={setCreated} />
      </div>
    </Section>
  );
}

function TokenRow({ token }: { token: PersonalToken }) {
  const revoke = useRevokePersonalToken();
  const confirming = useModal();
  const nameId = useId();
  return (
    <li className="flex items-start gap-3 p-4">
      <div className="min-w-0 flex-1">
        <p id={nameId} className="text-sm font-medium break-words">
          {token.name}
        </p>
        <p className="mt-1 font-mono text-xs">{token.scopes.join(" ")}</p>
        <p className="mt-1 text-xs text-ink-soft">
          Created {when(token.created_at)} ·{" "}
          {token.last_used_at ? `last used ${when(token.last_used_at)}` : "never used"} ·{" "}
          {token.expires_at ? `expires ${when(token.expires_at)}` : "never expires"}
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
          title="Revoke personal access token"
          action="Revoke token"
          pending={revoke.isPending}
          error={revoke.isError ? describeError(revoke.error) : undefined}
          onConfirm={() => revoke.mutate(token.id, { onSuccess: confirming.hide })}
          onCancel={confirming.hide}
        >
          Whatever uses <span className="font-medium text-ink">{token.name}</span> is refused at once. This cannot be
          undone.
        </ConfirmDialog>
      ) : null}
    </li>
  );
}

function CreateToken({ onCreated }: { onCreated: (created: PersonalTokenCreated) => void }) {
  const create = useCreatePersonalToken();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [days, setDays] = useState("0");
  const [tried, setTried] = useState(false);
  const nameError =
    overLimit("The name", name.trim(), LIMITS.tokenName) ?? (tried && !name.trim() ? "Name the token." : undefined);
  const scopesError = tried && scopes.length === 0 ? "Choose at least one scope." : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    setTried(true);
    if (!name.trim() || scopes.length === 0 || nameError) return;
    const expires_at = days === "0" ? null : new Date(Date.now() + Number(days) * 86_400_000).toISOString();
    create.mutate(
      { name: name.trim(), scopes, expires_at },
      {
        onSuccess: (created) => {
          setName("");
          setScopes([]);
          setDays("0");
          setTried(false);
          onCreated(created);
        },
      },
    );
  }

  // A 409 here is the limit of tokens, said by the server.
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
      aria-label="Create a personal access token"
      className="space-y-4 rounded-lg bg-muted/60 p-4"
    >
      <TextField
        label="Token name"
        placeholder="Deploy script"
        hint="What it is for, to know it again."
        value={name}
        error={nameError}
        onChange={(event) => setName(event.target.value)}
      />
      <fieldset aria-describedby={scopesError ? "token-scopes-error" : undefined}>
        <legend className="text-sm font-medium">Scopes</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {(Object.entries(SCOPES) as [Scope, string][]).map(([scope, meaning]) => (
            <label
              key={scope}
              className="flex cursor-pointer items-start gap-3 rounded-lg border border-line p-2 text-sm"
            >
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(event) =>
                  setScopes((chosen) =>
                    event.target.checked ? [...chosen, scope] : chosen.filter((other) => other !== scope),
                  )
                }
                className="mt-0.5 size-4 shrink-0 rounded accent-accent-600 focus-ring"
              />
              <span>
                <span className="block font-mono text-xs">{scope}</span>
                <span className="text-ink-soft">{meaning}</span>
              </span>
            </label>
          ))}
        </div>
        {scopesError ? (
          <p id="token-scopes-error" className="mt-2 text-sm text-red-700 dark:text-red-400">
            {scopesError}
          </p>
        ) : null}
      </fieldset>
      <SelectField label="Expires" value={days} onChange={(event) => setDays(event.target.value)}>
        {Object.entries(EXPIRY).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </SelectField>
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create token"}
      </Button>
    </form>
  );
}
