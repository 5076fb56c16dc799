// Placeholder until this screen is built.
export function ProjectTasksPage() {
  return <p className="p-6 text-ink-soft">Tasks</p>;
}
