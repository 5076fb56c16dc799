// Exporting the project as a file: CSV (one row per task) or JSON (every field, comments
// included); either imports back into TaskFlow. Any member may export.
import { useState } from "react";

import { api } from "../../api/client";
import { ApiError, describeError } from "../../api/problem";
import type { Project } from "../../api/queries";
import { Button } from "../../components/Button";
import { filenameFromDisposition, saveBlob } from "../../lib/download";
import { Alert, Section } from "./SettingsSection";

type Format = "csv" | "json";

async function download(project: Project, format: Format): Promise<void> {
  const result = await api.GET("/api/projects/{project_id}/export", {
    params: { path: { project_id: project.id }, query: { format } },
    parseAs: "blob",
  });
  if (!result.response.ok || !result.data) {
    throw new ApiError(result.response.status, (result.error ?? {}) as ApiError["problem"]);
  }
  const name = filenameFromDisposition(result.response.headers.get("Content-Disposition"), `${project.name}.${format}`);
  saveBlob(result.data, name);
}

export function ExportSection({ project }: { project: Project }) {
  const [busy, setBusy] = useState<Format | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run(format: Format) {
    setBusy(format);
    setError(null);
    try {
      await download(project, format);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Section
      title="Export"
      description="Every task with its fields and comments, as a file to keep or to import elsewhere. Attachments are listed by name, not included."
    >
      <div className="flex flex-wrap gap-2">
        {(["csv", "json"] as const).map((format) => (
          <Button key={format} variant="secondary" disabled={busy !== null} onClick={() => void run(format)}>
            {busy === format ? "Exporting…" : `Export as ${format.toUpperCase()}`}
          </Button>
        ))}
      </div>
      {error ? (
        <div className="mt-4">
          <Alert>{error}</Alert>
        </div>
      ) : null}
    </Section>
  );
}
