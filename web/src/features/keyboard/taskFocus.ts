// Which task the keys act on. Task lists and boards mark the element that opens a task with
// data-task-open="<id>" (and data-task-title); moving between tasks moves the keyboard focus to
// those elements (a roving focus: the screen reader says the task focused), and the task "selected"
// is the one whose row has the focus, else the one open in the panel, else the last one moved to.

const OPENER = "[data-task-open]";

/** The elements that open tasks, in page order (the list's rows, or the board's cards column by column). */
export function taskOpeners(root: ParentNode = document): HTMLElement[] {
  const main = root.querySelector("#main") ?? root;
  return Array.from(main.querySelectorAll<HTMLElement>(OPENER));
}

/** The task whose row (or card) holds `element`: the opener itself, or one in the same list item. */
export function taskOpenerOf(element: Element | null): HTMLElement | null {
  if (!element) return null;
  const own = element.closest<HTMLElement>(OPENER);
  if (own) return own;
  return element.closest("li")?.querySelector<HTMLElement>(OPENER) ?? null;
}

export function openerFor(taskId: string, root: ParentNode = document): HTMLElement | null {
  return taskOpeners(root).find((element) => element.dataset.taskOpen === taskId) ?? null;
}

export function titleOf(element: HTMLElement): string {
  return element.dataset.taskTitle ?? element.textContent?.trim() ?? "";
}

/** The task panel: the open task's id when focus is in it. */
export function inTaskPanel(element: Element | null): boolean {
  return Boolean(element?.closest("[data-task-panel]"));
}

export interface Selection {
  /** The task focused or open now, or the last one moved to while it is still shown. */
  current(openTaskId: string | null): string | null;
  /** Move the focus to the next (1) or previous (-1) task; the element focused, or null at an end. */
  move(step: 1 | -1, openTaskId: string | null): HTMLElement | null;
  remember(taskId: string): void;
}

export function createSelection(): Selection {
  let last: string | null = null;
  const selection: Selection = {
    current(openTaskId) {
      const active = document.activeElement;
      const focused = taskOpenerOf(active)?.dataset.taskOpen;
      if (focused) return focused;
      if (openTaskId && (inTaskPanel(active) || active === document.body || !last)) return openTaskId;
      if (last && openerFor(last)) return last;
      return openTaskId;
    },
    move(step, openTaskId) {
      const openers = taskOpeners();
      if (openers.length === 0) return null;
      const from = selection.current(openTaskId);
      const at = from ? openers.findIndex((element) => element.dataset.taskOpen === from) : -1;
      const target = at < 0 ? (step === 1 ? openers[0] : openers[openers.length - 1]) : openers[at + step];
      if (!target) return null;
      target.focus();
      last = target.dataset.taskOpen ?? null;
      return target;
    },
    remember(taskId) {
      last = taskId;
    },
  };
  return selection;
}
