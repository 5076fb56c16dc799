// Placeholder until this screen is built.
export function TaskRedirect() {
  return <p className="p-6 text-ink-soft">Task</p>;
}
