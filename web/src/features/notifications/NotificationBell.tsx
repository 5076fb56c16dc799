// Placeholder until this screen is built.
export function NotificationBell() {
  return <p className="p-6 text-ink-soft">Notifications</p>;
}
