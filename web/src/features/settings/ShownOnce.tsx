// A secret the server shows once (a calendar feed's address, a personal access token): in a
// read-only field with a Copy button, until the person puts it away.
import { useId, useState, type ReactNode } from "react";

import { Button } from "../../components/Button";

export function ShownOnce({
  label,
  title,
  hint,
  field,
  value,
  copy,
  onDone,
}: {
  /** The region's accessible name. */
  label: string;
  title: ReactNode;
  hint: ReactNode;
  /** The field's label, and what the Copy button names. */
  field: string;
  value: string;
  copy: string;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState(false);
  const fieldId = useId();

  async function copyValue() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // No clipboard access (an insecure origin, or refused): select it for copying by hand.
      const input = document.getElementById(fieldId);
      if (input instanceof HTMLInputElement) input.select();
    }
  }

  return (
    <div
      role="region"
      aria-label={label}
      className="rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-700/60 dark:bg-amber-950/40"
    >
      <p className="text-sm font-medium text-amber-900 dark:text-amber-200">{title}</p>
      <p className="mt-1 text-xs text-amber-900/80 dark:text-amber-200/80">{hint}</p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row sm:items-end">
        <div className="min-w-0 flex-1 space-y-1">
          <label htmlFor={fieldId} className="block text-xs font-medium text-amber-900 dark:text-amber-200">
            {field}
          </label>
          <input
            id={fieldId}
            readOnly
            value={value}
            onFocus={(event) => event.target.select()}
            className="block w-full rounded-md border border-line bg-surface px-3 py-2 font-mono text-sm text-ink focus-ring"
          />
        </div>
        <div className="flex gap-2">
          <Button variant="secondary" onClick={() => void copyValue()}>
            {copied ? "Copied" : copy}
          </Button>
          <Button variant="ghost" onClick={onDone}>
            Done
          </Button>
        </div>
      </div>
    </div>
  );
}
