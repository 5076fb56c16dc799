// A modal dialog on the native <dialog> element: focus trapping, Escape and the backdrop
// come from the browser.
import { useEffect, useRef, type ReactNode } from "react";

export function Dialog({
  open,
  title,
  onClose,
  children,
  wide = false,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Room for a table (the keyboard shortcuts) rather than a question. */
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal?.();
    if (!open && dialog.open) dialog.close?.();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-label={title}
      // A close requested from code arrives late: ignore it if the dialog was opened again.
      onClose={() => {
        if (!ref.current?.open) onClose();
      }}
      className={`m-auto w-full ${wide ? "max-w-3xl" : "max-w-md"} rounded-xl border border-line bg-surface p-0 text-ink shadow-xl backdrop:bg-black/40`}
    >
      {open ? (
        <div className="p-6">
          <h2 className="mb-4 text-lg font-semibold">{title}</h2>
          {children}
        </div>
      ) : null}
    </dialog>
  );
}
