// The framed blocks the project settings page is made of, and the alert they show a refusal in.
import type { ReactNode } from "react";

export function Section({
  title,
  description,
  tone = "plain",
  children,
}: {
  title: string;
  description?: ReactNode;
  tone?: "plain" | "danger";
  children: ReactNode;
}) {
  const border = tone === "danger" ? "border-red-300 dark:border-red-900" : "border-line";
  return (
    <section aria-label={title} className={`rounded-xl border ${border} bg-surface shadow-sm`}>
      <header className={`border-b ${border} px-4 py-4 sm:px-6`}>
        <h2 className={`text-base font-semibold ${tone === "danger" ? "text-red-700 dark:text-red-400" : ""}`}>
          {title}
        </h2>
        {description ? <p className="mt-1 text-sm text-ink-soft">{description}</p> : null}
      </header>
      <div className="px-4 py-5 sm:px-6">{children}</div>
    </section>
  );
}

export function Alert({ children }: { children: ReactNode }) {
  return (
    <p
      role="alert"
      className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
    >
      {children}
    </p>
  );
}
