// Placeholder until this screen is built.
export function NotificationSettingsPage() {
  return <p className="p-6 text-ink-soft">Notification settings</p>;
}
