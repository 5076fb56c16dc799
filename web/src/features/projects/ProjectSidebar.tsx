// Placeholder until this screen is built.
export function ProjectSidebar() {
  return <p className="p-6 text-ink-soft">Projects</p>;
}
