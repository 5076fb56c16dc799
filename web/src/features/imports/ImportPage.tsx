// Import a project from a Todoist CSV export, a Trello board JSON export or a TaskFlow export:
// send the file, watch the import run (it is a background job), read what became of each item.
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";

import { ApiError, describeError } from "../../api/problem";
import { Button } from "../../components/Button";
import { SelectField, TextField } from "../../components/Field";
import { EmptyState, ErrorState, Spinner } from "../../components/States";
import { LIMITS, overLimit } from "../../lib/limits";
import { useImport, useImports, useStartImport, type ImportDetail } from "./api";
import {
  SOURCE_LABELS,
  STATUS_LABELS,
  inProgress,
  orderItems,
  progressOf,
  summaryOf,
  type ItemFilter,
} from "./progress";

const linkClass = "font-medium text-accent-600 hover:underline dark:text-accent-500";
const when = (iso: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));

function refusal(error: unknown): string {
  if (error instanceof ApiError && error.status === 413) {
    return (
      error.problem.detail ?? "The file is larger than TaskFlow accepts for an import (10 MiB unless set otherwise)."
    );
  }
  return describeError(error);
}

export function ImportPage() {
  const { importId } = useParams();
  const location = useLocation();
  const again = (location.state as { again?: boolean } | null)?.again === true;
  return (
    <div className="mx-auto w-full max-w-3xl space-y-6 px-4 py-6 sm:px-6 sm:py-8">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Import a project</h1>
        <p className="mt-1 text-sm text-ink-soft">
          From a Todoist CSV export, a Trello board exported as JSON, or a project exported from TaskFlow (JSON or CSV).
          The import makes a new project of yours; the people it names by e-mail who share a project with you join it
          and keep their tasks.
        </p>
      </div>
      <UploadForm />
      {importId ? <ImportView key={importId} id={importId} again={again} /> : null}
      <RecentImports current={importId} />
    </div>
  );
}

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section aria-label={title} className="rounded-xl border border-line bg-surface p-4 shadow-sm sm:p-6">
      <h2 className="mb-4 text-base font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function UploadForm() {
  const navigate = useNavigate();
  const start = useStartImport();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState("");
  const [missing, setMissing] = useState<string | undefined>();
  const nameTooLong = overLimit("The name", name.trim(), LIMITS.projectName);

  function submit(event: FormEvent) {
    event.preventDefault();
    setMissing(file ? undefined : "Choose the file to import.");
    if (!file || nameTooLong) return;
    start.mutate(
      { file, name: name.trim() },
      { onSuccess: ({ imported, again }) => void navigate(`/import/${imported.id}`, { state: { again } }) },
    );
  }

  return (
    <Card title="Upload a file">
      <form onSubmit={submit} noValidate className="space-y-4" aria-label="Upload a file to import">
        <TextField
          label="File"
          type="file"
          accept=".csv,.json,text/csv,application/json"
          hint="Todoist: a project's ⋯ menu › Export as a template › CSV. Trello: Menu › Print, export and share › Export as JSON."
          error={missing}
          onChange={(event) => {
            setFile(event.target.files?.[0] ?? null);
            setMissing(undefined);
            start.reset();
          }}
        />
        <TextField
          label="Project name"
          hint="Optional: without one, the project takes the name in the file (or the file's name)."
          value={name}
          error={nameTooLong}
          onChange={(event) => setName(event.target.value)}
        />
        {start.isError ? (
          <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
            {refusal(start.error)}
          </p>
        ) : null}
        <Button type="submit" disabled={start.isPending}>
          {start.isPending ? "Uploading…" : "Import"}
        </Button>
      </form>
    </Card>
  );
}

function ImportView({ id, again }: { id: string; again: boolean }) {
  const query = useImport(id);
  if (query.isPending) return <Spinner label="Loading the import" />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  const imp = query.data;
  const progress = progressOf(imp);
  return (
    <Card title={`Import of ${imp.filename}`}>
      <div className="space-y-4">
        {again ? (
          <p role="status" className="rounded-md bg-muted p-3 text-sm">
            You imported this file before, so it was not imported again: this is that import.
          </p>
        ) : null}
        <div>
          <div className="mb-1 flex flex-wrap justify-between gap-2 text-sm">
            <span className="font-medium">{imp.name}</span>
            <span className="text-ink-soft">{SOURCE_LABELS[imp.source] ?? imp.source}</span>
          </div>
          <div
            role="progressbar"
            aria-label="Import progress"
            aria-valuetext={progress.text}
            aria-valuemin={0}
            aria-valuemax={progress.max}
            {...(progress.value === null ? {} : { "aria-valuenow": progress.value })}
            className="h-2 w-full overflow-hidden rounded-full bg-muted"
          >
            {/* Not started yet: a pulsing stub instead of a length. */}
            <div
              className={`h-full rounded-full bg-accent-600 transition-[width] ${progress.value === null ? "w-1/4 animate-pulse" : ""}`}
              style={progress.value === null ? undefined : { width: `${progress.percent}%` }}
            />
          </div>
          <p className="mt-1 text-sm text-ink-soft">{progress.text}</p>
        </div>
        <p role="status" className="text-sm">
          {summaryOf(imp)}
        </p>
        {imp.error ? (
          <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
            {imp.error}
          </p>
        ) : null}
        {imp.project_id && !inProgress(imp.status) ? (
          <Link to={`/projects/${imp.project_id}`} className={`inline-block text-sm ${linkClass}`}>
            Open the project “{imp.name}” →
          </Link>
        ) : null}
        <ImportItems imp={imp} />
      </div>
    </Card>
  );
}

function ImportItems({ imp }: { imp: ImportDetail }) {
  const [filter, setFilter] = useState<ItemFilter>("all");
  if (imp.items.length === 0) return null;
  const failed = imp.items.filter((item) => item.outcome === "failed").length;
  const shown = orderItems(imp.items, filter);
  return (
    <div className="space-y-3">
      <div className="max-w-56">
        <SelectField label="Show" value={filter} onChange={(event) => setFilter(event.target.value as ItemFilter)}>
          <option value="all">Every item ({imp.items.length})</option>
          <option value="failed">Not imported ({failed})</option>
          <option value="created">Created ({imp.items.length - failed})</option>
        </SelectField>
      </div>
      <ul aria-label="Imported items" className="divide-y divide-line rounded-lg border border-line text-sm">
        {shown.map((item) => (
          <li key={item.position} className="flex gap-3 px-3 py-2">
            <span
              className={`h-fit shrink-0 rounded-full px-2 py-0.5 text-xs font-medium ${
                item.outcome === "failed"
                  ? "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200"
                  : "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
              }`}
            >
              {item.outcome === "failed" ? "Failed" : "Created"}
            </span>
            <div className="min-w-0">
              <p className="break-words">
                {item.task_id ? (
                  <Link to={`/tasks/${item.task_id}`} className="hover:underline">
                    {item.title}
                  </Link>
                ) : (
                  item.title
                )}
                <span className="ml-2 text-xs text-ink-soft">{item.ref}</span>
              </p>
              {item.message ? <p className="text-ink-soft">{item.message}</p> : null}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

function RecentImports({ current }: { current: string | undefined }) {
  const imports = useImports();
  return (
    <Card title="Recent imports">
      {imports.isPending ? (
        <Spinner label="Loading your imports" />
      ) : imports.isError ? (
        <ErrorState error={imports.error} onRetry={() => void imports.refetch()} />
      ) : imports.data.length === 0 ? (
        <EmptyState title="No imports yet" />
      ) : (
        <ul aria-label="Recent imports" className="divide-y divide-line text-sm">
          {imports.data.map((imp) => (
            <li key={imp.id} className="flex flex-wrap items-baseline justify-between gap-x-3 py-2">
              <Link
                to={`/import/${imp.id}`}
                aria-current={imp.id === current ? "page" : undefined}
                className={`min-w-0 break-words ${linkClass} aria-[current=page]:text-ink`}
              >
                {imp.filename}
              </Link>
              <span className="text-ink-soft">
                {STATUS_LABELS[imp.status]} · {imp.created}/{imp.total} tasks · {when(imp.created_at)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
