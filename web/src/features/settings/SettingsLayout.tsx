// The frame both settings screens share: a title and tabs between them.
import type { ReactNode } from "react";
import { NavLink } from "react-router";

const TABS = [
  { to: "/settings", label: "Account" },
  { to: "/settings/notifications", label: "Notifications" },
];

export function SettingsLayout({ children }: { children: ReactNode }) {
  return (
    <div className="mx-auto w-full max-w-3xl px-4 py-6 sm:px-6 sm:py-8">
      <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
      <nav aria-label="Settings" className="mt-4 border-b border-line">
        <ul className="-mb-px flex gap-4">
          {TABS.map((tab) => (
            <li key={tab.to}>
              <NavLink
                to={tab.to}
                end
                className="inline-block rounded-t-md border-b-2 border-transparent px-1 pb-2.5 pt-1 text-sm font-medium text-ink-soft hover:text-ink aria-[current=page]:border-accent-600 aria-[current=page]:text-ink dark:aria-[current=page]:border-accent-500"
              >
                {tab.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="mt-6 space-y-6">{children}</div>
    </div>
  );
}

/** One titled card of settings. */
export function Section({
  title,
  description,
  children,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
}) {
  const id = `section-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <section aria-labelledby={id} className="rounded-xl border border-line bg-surface shadow-sm">
      <div className="border-b border-line px-4 py-4 sm:px-6">
        <h2 id={id} className="text-base font-semibold">
          {title}
        </h2>
        {description ? <p className="mt-1 text-sm text-ink-soft">{description}</p> : null}
      </div>
      <div className="px-4 py-5 sm:px-6">{children}</div>
    </section>
  );
}

/** A quiet line that says a save worked (announced to screen readers too). */
export function Saved({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
      {children}
    </p>
  );
}
