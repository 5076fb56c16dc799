// The project's name and description; a viewer sees them locked.
import { useState, type FormEvent } from "react";
import { toast } from "sonner";

import { describeError } from "../../api/problem";
import type { Project } from "../../api/queries";
import { Button } from "../../components/Button";
import { TextArea, TextField } from "../../components/Field";
import { LIMITS, overLimit } from "../../lib/limits";
import { canEdit, useUpdateProject } from "./api";
import { Section } from "./SettingsSection";

// Fields a viewer cannot change look it, not just refuse input.
const LOCKED = "disabled:cursor-not-allowed disabled:bg-muted disabled:text-ink-soft";

export function ProjectDetailsForm({ project }: { project: Project }) {
  const update = useUpdateProject(project.id);
  const editable = canEdit(project.role);
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description);
  const [nameError, setNameError] = useState<string | undefined>();
  const [descriptionError, setDescriptionError] = useState<string | undefined>();
  // Follow the server's values (another member's rename, a rollback) unless edited here.
  const [seen, setSeen] = useState({ name: project.name, description: project.description });
  if (seen.name !== project.name || seen.description !== project.description) {
    setSeen({ name: project.name, description: project.description });
    if (name === seen.name) setName(project.name);
    if (description === seen.description) setDescription(project.description);
  }
  const readOnly = editable
    ? undefined
    : "You are a viewer here: only editors and owners can rename this project or change its description.";

  const renamed = name.trim() !== "" && name.trim() !== project.name;

  function rename(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setNameError("Give the project a name.");
    if (overLimit("", trimmed, LIMITS.projectName)) return;
    setNameError(undefined);
    const before = project.name;
    update.mutate(
      { name: trimmed },
      {
        onSuccess: (saved) => {
          setName(saved.name);
          toast.success(`Renamed “${before}” to “${saved.name}”.`);
        },
        onError: (error) => setNameError(describeError(error)),
      },
    );
  }

  function describe(event: FormEvent) {
    event.preventDefault();
    setDescriptionError(undefined);
    if (overLimit("", description.trim(), LIMITS.projectDescription)) return;
    update.mutate(
      { description: description.trim() },
      {
        onSuccess: (saved) => {
          setDescription(saved.description);
          toast.success("Description saved.");
        },
        onError: (error) => setDescriptionError(describeError(error)),
      },
    );
  }

  return (
    <Section
      title="Details"
      description={
        project.is_inbox ? "Your Inbox can be renamed like any project." : "The name everyone in the project sees."
      }
    >
      <div className="space-y-6">
        <form onSubmit={rename} noValidate className="flex flex-col gap-3 sm:flex-row sm:items-start">
          <div className="flex-1">
            <TextField
              label="Project name"
              required
              value={name}
              disabled={!editable}
              className={LOCKED}
              hint={readOnly}
              error={overLimit("The name", name.trim(), LIMITS.projectName) ?? nameError}
              onChange={(event) => setName(event.target.value)}
            />
          </div>
          <Button
            type="submit"
            variant={renamed ? "primary" : "secondary"}
            className="sm:mt-6"
            disabled={!editable || update.isPending || !renamed}
          >
            Rename
          </Button>
        </form>
        <form onSubmit={describe} noValidate className="space-y-3">
          <TextArea
            label="Description"
            rows={3}
            placeholder={editable ? "What is this project for?" : "No description."}
            value={description}
            disabled={!editable}
            className={LOCKED}
            error={overLimit("The description", description.trim(), LIMITS.projectDescription) ?? descriptionError}
            onChange={(event) => setDescription(event.target.value)}
          />
          {editable ? (
            <div className="flex justify-end">
              <Button
                type="submit"
                variant="secondary"
                disabled={update.isPending || description.trim() === project.description}
              >
                Save description
              </Button>
            </div>
          ) : null}
        </form>
      </div>
    </Section>
  );
}
