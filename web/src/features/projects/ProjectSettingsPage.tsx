// Placeholder until this screen is built.
export function ProjectSettingsPage() {
  return <p className="p-6 text-ink-soft">Project settings</p>;
}
