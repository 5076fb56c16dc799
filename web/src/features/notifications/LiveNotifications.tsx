// Placeholder until this screen is built.
export function LiveNotifications() {
  return <p className="p-6 text-ink-soft"></p>;
}
