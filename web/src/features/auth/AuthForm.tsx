import type { FormEvent, ReactNode } from "react";

import { Button } from "../../components/Button";

/** The signed-out pages' frame: the logo, a title and a line under it, the content, a footer. */
export function AuthFrame({
  title,
  subtitle,
  children,
  footer,
}: {
  title: string;
  subtitle: ReactNode;
  children: ReactNode;
  footer: ReactNode;
}) {
  return (
    <main className="flex min-h-full items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <img src="/favicon.svg" alt="" className="mx-auto size-10" />
          <h1 className="mt-4 text-2xl font-semibold tracking-tight">{title}</h1>
          <p className="mt-1 text-sm text-ink-soft">{subtitle}</p>
        </div>
        {children}
        <p className="mt-6 text-center text-sm text-ink-soft">{footer}</p>
      </div>
    </main>
  );
}

export const cardClass = "space-y-4 rounded-xl border border-line bg-surface p-6 shadow-sm";
export const linkClass = "font-medium text-accent-600 hover:underline dark:text-accent-500";

/** A refusal, in red. */
export function AuthError({ children }: { children: ReactNode }) {
  return (
    <div role="alert" className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
      {children}
    </div>
  );
}

/** News for the person (a link sent, a password changed), in green. */
export function AuthNotice({ children }: { children: ReactNode }) {
  return (
    <div
      role="status"
      className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
    >
      {children}
    </div>
  );
}

export function AuthCard({
  title,
  subtitle,
  notice,
  error,
  busy,
  submit,
  onSubmit,
  children,
  footer,
}: {
  title: string;
  subtitle: string;
  notice?: ReactNode;
  error: ReactNode;
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
    <AuthFrame title={title} subtitle={subtitle} footer={footer}>
      <form onSubmit={handle} noValidate className={cardClass}>
        {notice ? <AuthNotice>{notice}</AuthNotice> : null}
        {children}
        {error ? <AuthError>{error}</AuthError> : null}
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Please wait…" : submit}
        </Button>
      </form>
    </AuthFrame>
  );
}
