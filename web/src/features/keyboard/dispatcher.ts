// Turns key presses into actions from the shortcut table (through tinykeys), except where the
// keys belong to something else: a field being typed in, an open dialog, a card being dragged.
import { createKeybindingsHandler, type KeybindingsMap } from "tinykeys";

import type { ActionId, Shortcut } from "./shortcuts";

/** Whether keys pressed here are text being typed (a field, a list box, editable content). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest("[contenteditable]:not([contenteditable='false'])")) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !["checkbox", "button", "submit", "reset"].includes(target.type);
  return target.getAttribute("role") === "combobox" || target.getAttribute("role") === "textbox";
}

/** A modal dialog is open: the page behind it takes no shortcuts. */
function dialogOpen(): boolean {
  return document.querySelector("dialog[open]") !== null;
}

/** A board card is picked up (dnd-kit marks it pressed): its arrow, Enter and Escape keys move it. */
function dragging(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.getAttribute("aria-pressed") === "true";
}

/** Does the action; false leaves the key to the page (its default and other listeners). */
export type Run = (action: ActionId, event: KeyboardEvent) => boolean | void;

/**
 * A keydown listener for `shortcuts` that calls `run(action, event)` and, unless that declines,
 * prevents the key's default (so "/" does not also type a slash into the field it focuses). Sequences ("g m", "s 4")
 * are matched before single keys, so their second key does not also fire on its own ("i" after
 * "g" goes to the Inbox and does not assign anything).
 */
export function createDispatcher(shortcuts: readonly Shortcut[], run: Run): (event: KeyboardEvent) => void {
  const bindings: [string, Shortcut][] = shortcuts.flatMap((shortcut) =>
    shortcut.keys.map((binding): [string, Shortcut] => [binding, shortcut]),
  );
  bindings.sort(([a], [b]) => Number(b.includes(" ")) - Number(a.includes(" ")));

  // Checked per binding when it matches; tinykeys' own filter sees the event before that.
  let matched = false;
  const map: KeybindingsMap = {};
  for (const [binding, shortcut] of bindings) {
    map[binding] = (event) => {
      matched = true;
      if (event.defaultPrevented) return;
      if (!shortcut.whileTyping && (isTyping(event.target) || dialogOpen())) return;
      if (event.repeat && !shortcut.repeats) return;
      if (dragging(event.target) && shortcut.action !== "command-palette") return;
      if (run(shortcut.action, event) !== false) event.preventDefault();
    };
  }
  // Composition (an input method) owns its keys; everything else is judged per shortcut above.
  const build = () => createKeybindingsHandler(map, { ignore: (event) => event.isComposing });
  let handler = build();
  return (event) => {
    handler(event);
    // tinykeys stops at the first binding that matches and leaves the other sequences half
    // pressed ("g i" waiting for its i after "g m" fired): start afresh after every match.
    if (matched) {
      matched = false;
      handler = build();
    }
  };
}
