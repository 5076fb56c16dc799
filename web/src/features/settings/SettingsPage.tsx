// Placeholder until this screen is built.
export function SettingsPage() {
  return <p className="p-6 text-ink-soft">Settings</p>;
}
