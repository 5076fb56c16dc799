// Every keyboard shortcut, once: the dispatcher binds these keys, the "?" dialog lists them and
// the buttons they press name them (aria-keyshortcuts). Keys are tinykeys bindings: "g m" is a
// sequence (g, then m within a second), "Shift+Digit1" a chord, "$mod" Control (Command on a Mac).
import { PRIORITIES, STATUSES, type TaskPriority, type TaskStatus } from "../../api/vocabulary";

export type ActionId =
  | "quick-add"
  | "search"
  | "next-task"
  | "previous-task"
  | "open-task"
  | "close"
  | `status:${TaskStatus}`
  | "cycle-priority"
  | `priority:${TaskPriority}`
  | "assign-to-me"
  | "switch-view"
  | "go-my-tasks"
  | "go-inbox"
  | "go-notifications"
  | "show-shortcuts"
  | "command-palette";

export type ShortcutGroup = "General" | "Tasks" | "Selected or open task" | "Go to";

export interface Shortcut {
  action: ActionId;
  /** tinykeys bindings, each an alternative; the first is the one shown first. */
  keys: readonly string[];
  /** What the shortcut does, as the "?" dialog says it. */
  label: string;
  group: ShortcutGroup;
  /** Fires while typing in a field too (otherwise a field keeps its keys). */
  whileTyping?: boolean;
  /** Repeats while the key is held down. */
  repeats?: boolean;
}

// p1..p4 as quick add reads them: Shift+1 urgent ... Shift+4 low.
const priorityShortcuts: Shortcut[] = PRIORITIES.map(({ value, label }, index) => ({
  action: `priority:${value}` as const,
  keys: [`Shift+Digit${index + 1}`],
  label: `Set priority to ${label}`,
  group: "Selected or open task",
}));

// 1..5 (or s then 1..5) in the order of the board's columns.
const statusShortcuts: Shortcut[] = STATUSES.map(({ value, label }, index) => ({
  action: `status:${value}` as const,
  keys: [`${index + 1}`, `s ${index + 1}`],
  label: `Set status to ${label}`,
  group: "Selected or open task",
}));

export const SHORTCUTS: readonly Shortcut[] = [
  {
    action: "command-palette",
    keys: ["$mod+k"],
    label: "Open the command palette",
    group: "General",
    whileTyping: true,
  },
  { action: "show-shortcuts", keys: ["[Shift]+?"], label: "Show these keyboard shortcuts", group: "General" },
  {
    action: "close",
    keys: ["Escape"],
    label: "Close the task panel or a dialog; leave a field",
    group: "General",
    whileTyping: true,
  },
  { action: "quick-add", keys: ["q", "n"], label: "Add a task (quick add)", group: "Tasks" },
  { action: "search", keys: ["/"], label: "Search tasks", group: "Tasks" },
  { action: "next-task", keys: ["j", "ArrowDown"], label: "Select the next task", group: "Tasks", repeats: true },
  {
    action: "previous-task",
    keys: ["k", "ArrowUp"],
    label: "Select the previous task",
    group: "Tasks",
    repeats: true,
  },
  { action: "open-task", keys: ["o", "Enter"], label: "Open the selected task", group: "Tasks" },
  { action: "switch-view", keys: ["v"], label: "Switch between list and board", group: "Tasks" },
  ...statusShortcuts,
  {
    action: "cycle-priority",
    keys: ["p"],
    label: "Raise the priority (Low → Urgent, then Low again)",
    group: "Selected or open task",
  },
  ...priorityShortcuts,
  { action: "assign-to-me", keys: ["i"], label: "Assign to me", group: "Selected or open task" },
  { action: "go-my-tasks", keys: ["g m"], label: "Go to My tasks", group: "Go to" },
  { action: "go-inbox", keys: ["g i"], label: "Go to the Inbox", group: "Go to" },
  { action: "go-notifications", keys: ["g n"], label: "Go to notifications", group: "Go to" },
];

export const GROUPS: readonly ShortcutGroup[] = ["General", "Tasks", "Selected or open task", "Go to"];

export function shortcutFor(action: ActionId): Shortcut {
  const found = SHORTCUTS.find((shortcut) => shortcut.action === action);
  if (!found) throw new Error(`No shortcut for ${action}`);
  return found;
}

const isMac = () => typeof navigator === "object" && /Mac|iPod|iPhone|iPad/.test(navigator.platform);

const KEY_NAMES: Record<string, string> = {
  $mod: "Ctrl",
  Shift: "Shift",
  Escape: "Esc",
  Enter: "Enter",
  ArrowDown: "↓",
  ArrowUp: "↑",
  "[Shift]": "",
};

/** One press as a person reads it: "Shift+Digit1" → ["Shift", "1"], "$mod+k" → ["Ctrl", "K"]. */
function pressKeys(press: string, mac: boolean): string[] {
  return press
    .split(/(?<=\w|\])\+/)
    .map((part) => {
      if (part === "$mod") return mac ? "⌘" : "Ctrl";
      if (part in KEY_NAMES) return KEY_NAMES[part] ?? part;
      const digit = /^Digit(\d)$/.exec(part);
      if (digit) return digit[1] ?? part;
      return part.length === 1 ? part.toUpperCase() : part;
    })
    .filter(Boolean);
}

/** A binding as presses of keys: "g m" → [["G"], ["M"]]; "Shift+Digit1" → [["Shift", "1"]]. */
export function describeKeys(binding: string, mac: boolean = isMac()): string[][] {
  return binding.split(" ").map((press) => pressKeys(press, mac));
}

/** A binding in words, for a screen reader or a title: "G then M", "Shift+1". */
export function keysText(binding: string, mac: boolean = isMac()): string {
  return describeKeys(binding, mac)
    .map((press) => press.join("+"))
    .join(" then ");
}

const ARIA_NAMES: Record<string, string> = { $mod: "Control", ArrowDown: "ArrowDown", ArrowUp: "ArrowUp" };

/**
 * The value of aria-keyshortcuts for the element an action presses: its single-press keys,
 * space-separated (ARIA has no way to say a sequence, so "g m" is left out).
 */
export function ariaKeyShortcuts(action: ActionId, mac: boolean = isMac()): string {
  return shortcutFor(action)
    .keys.filter((binding) => !binding.includes(" "))
    .map((binding) =>
      binding
        .split(/(?<=\w|\])\+/)
        .filter((part) => part !== "[Shift]")
        .map((part) => (part === "$mod" ? (mac ? "Meta" : "Control") : (ARIA_NAMES[part] ?? part)))
        .map((part) => /^Digit(\d)$/.exec(part)?.[1] ?? part)
        .join("+"),
    )
    .join(" ");
}
