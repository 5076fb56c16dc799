import { useCallback } from "react";
import { useSearchParams } from "react-router";

/** The task panel a page shows from its address (`?task=<id>`): which task, and opening or
 * closing it there. Closing puts the focus back on the row (or card) the panel was opened
 * from, so keyboard users keep their place. */
export function useTaskPanel() {
  const [params, setParams] = useSearchParams();
  const taskId = params.get("task");
  const open = useCallback(
    (id: string) =>
      setParams((current) => {
        const next = new URLSearchParams(current);
        next.set("task", id);
        return next;
      }),
    [setParams],
  );
  const close = useCallback(() => {
    const closing = taskId;
    setParams((current) => {
      const next = new URLSearchParams(current);
      next.delete("task");
      return next;
    });
    requestAnimationFrame(() => {
      if (closing) document.querySelector<HTMLElement>(`[data-task-open="${CSS.escape(closing)}"]`)?.focus();
    });
  }, [setParams, taskId]);
  return { taskId, open, close };
}
