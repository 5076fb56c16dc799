// Placeholder until this screen is built.
export function NotificationsPage() {
  return <p className="p-6 text-ink-soft">Notifications</p>;
}
