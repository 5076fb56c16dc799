import type { FormEvent, ReactNode } from "react";

import { Button } from "../../components/Button";

export function AuthCard({
  title,
  subtitle,
  error,
  busy,
  submit,
  onSubmit,
  children,
  footer,
}: {
  title: string;
  subtitle: string;
  error: string | null;
  busy: boolean;
  submit: string;
  onSubmit: () => void;
  children: ReactNode;
  footer: ReactNode;
}) {
  function handle(event: FormEvent) {
    event.preventDefault();
    onSubmit();
  }
  return (
    <main className="flex min-h-full items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <img src="/favicon.svg" alt="" className="mx-auto size-10" />
          <h1 className="mt-4 text-2xl font-semibold tracking-tight">{title}</h1>
          <p className="mt-1 text-sm text-ink-soft">{subtitle}</p>
        </div>
        <form onSubmit={handle} noValidate className="space-y-4 rounded-xl border border-line bg-surface p-6 shadow-sm">
          {children}
          {error ? (
            <p role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
              {error}
            </p>
          ) : null}
          <Button type="submit" className="w-full" disabled={busy}>
            {busy ? "Please wait…" : submit}
          </Button>
        </form>
        <p className="mt-6 text-center text-sm text-ink-soft">{footer}</p>
      </div>
    </main>
  );
}
