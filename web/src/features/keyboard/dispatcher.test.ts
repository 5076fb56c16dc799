// The shortcut dispatcher: which presses become which actions, and which stay with the page.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { createDispatcher, isTyping } from "./dispatcher";
import { SHORTCUTS, type ActionId } from "./shortcuts";

let run: ReturnType<typeof vi.fn<(action: ActionId, event: KeyboardEvent) => boolean | void>>;
let listener: (event: KeyboardEvent) => void;

beforeEach(() => {
  vi.useFakeTimers();
  run = vi.fn<(action: ActionId, event: KeyboardEvent) => boolean | void>();
  listener = createDispatcher(SHORTCUTS, run);
  window.addEventListener("keydown", listener);
});

afterEach(() => {
  window.removeEventListener("keydown", listener);
  document.body.innerHTML = "";
  vi.useRealTimers();
});

/** Presses a key on `target` (the page's body unless said) the way a browser reports it. */
function press(key: string, init: KeyboardEventInit = {}, target: Element = document.body): KeyboardEvent {
  const code = /^\d$/.test(key) ? `Digit${key}` : key.length === 1 ? `Key${key.toUpperCase()}` : key;
  const event = new KeyboardEvent("keydown", { key, code, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

const actions = () => run.mock.calls.map(([action]) => action);

function field(html: string): HTMLElement {
  document.body.innerHTML = html;
  const element = document.body.firstElementChild as HTMLElement;
  element.focus();
  return element;
}

describe("the shortcut dispatcher", () => {
  it("runs the action of a single key and keeps the key from also typing or scrolling", () => {
    const event = press("q");
    expect(actions()).toEqual(["quick-add"]);
    expect(event.defaultPrevented).toBe(true);
  });

  it("gives every alternative of a shortcut the same action", () => {
    press("n");
    press("j");
    press("ArrowDown");
    press("k");
    press("ArrowUp");
    press("o");
    press("Enter");
    expect(actions()).toEqual([
      "quick-add",
      "next-task",
      "next-task",
      "previous-task",
      "previous-task",
      "open-task",
      "open-task",
    ]);
  });

  it("does not fire while typing in an input, a textarea, a select or editable content", () => {
    for (const html of [
      '<input type="text" />',
      '<input type="search" />',
      "<textarea></textarea>",
      "<select><option>a</option></select>",
      '<div contenteditable="true" tabindex="0"></div>',
    ]) {
      const target = field(html);
      for (const key of ["q", "j", "/", "4", "v", "i"]) press(key, {}, target);
      press("?", { shiftKey: true }, target);
    }
    expect(run).not.toHaveBeenCalled();
  });

  it("still fires on a checkbox, which takes no text", () => {
    const box = field('<input type="checkbox" />');
    press("j", {}, box);
    expect(actions()).toEqual(["next-task"]);
  });

  it("lets Escape and Ctrl+K through while typing", () => {
    const target = field('<input type="text" />');
    press("Escape", {}, target);
    press("k", { ctrlKey: true }, target);
    expect(actions()).toEqual(["close", "command-palette"]);
  });

  it("runs the g sequences, and their second key does not also act on its own", () => {
    press("g");
    press("m");
    press("g");
    press("i");
    press("g");
    press("n");
    expect(actions()).toEqual(["go-my-tasks", "go-inbox", "go-notifications"]);
  });

  it("lets a sequence lapse after a second, so its second key acts alone again", () => {
    press("g");
    vi.advanceTimersByTime(1500);
    press("i");
    expect(actions()).toEqual(["assign-to-me"]);
  });

  it("sets a status with s then a digit, or the digit alone, once either way", () => {
    press("s");
    press("4");
    press("2");
    press("5");
    expect(actions()).toEqual(["status:done", "status:in_progress", "status:cancelled"]);
  });

  it("reads Shift with a digit as a priority, p1 (urgent) to p4 (low) as in quick add", () => {
    press("!", { shiftKey: true, code: "Digit1" });
    press("$", { shiftKey: true, code: "Digit4" });
    press("p");
    expect(actions()).toEqual(["priority:urgent", "priority:low", "cycle-priority"]);
  });

  it("opens the shortcut list with ? (Shift and /)", () => {
    press("?", { shiftKey: true, code: "Slash" });
    expect(actions()).toEqual(["show-shortcuts"]);
  });

  it("opens the palette with Ctrl+K or, on a Mac, Command+K (as the platform says)", () => {
    press("k", { ctrlKey: true });
    press("K", { ctrlKey: true, shiftKey: false });
    expect(actions()).toEqual(["command-palette", "command-palette"]);
  });

  it("does not take keys with modifiers it does not name (Ctrl+Q stays the browser's)", () => {
    press("q", { ctrlKey: true });
    press("j", { altKey: true });
    expect(run).not.toHaveBeenCalled();
  });

  it("leaves the page's keys alone while a dialog is open, except Escape and Ctrl+K", () => {
    document.body.innerHTML = "<dialog open><button>Close</button></dialog>";
    const button = document.querySelector("button") as HTMLButtonElement;
    press("j", {}, button);
    press("4", {}, button);
    press("Escape", {}, button);
    press("k", { ctrlKey: true }, button);
    expect(actions()).toEqual(["close", "command-palette"]);
  });

  it("leaves a key to the page when the action declines it", () => {
    run.mockReturnValue(false);
    const event = press("Enter");
    expect(actions()).toEqual(["open-task"]);
    expect(event.defaultPrevented).toBe(false);
  });

  it("skips a key something else has already handled", () => {
    document.body.innerHTML = "<button>Menu</button>";
    const button = document.querySelector("button") as HTMLButtonElement;
    button.addEventListener("keydown", (event) => event.preventDefault());
    press("Escape", {}, button);
    expect(run).not.toHaveBeenCalled();
  });

  it("repeats only moves when a key is held down", () => {
    press("j", { repeat: true });
    press("4", { repeat: true });
    press("p", { repeat: true });
    expect(actions()).toEqual(["next-task"]);
  });

  it("leaves a board card that is being dragged its arrow keys", () => {
    document.body.innerHTML = '<div role="button" tabindex="0" aria-pressed="true">Card</div>';
    const card = document.querySelector("div") as HTMLElement;
    press("ArrowDown", {}, card);
    press("j", {}, card);
    expect(run).not.toHaveBeenCalled();
  });
});

describe("isTyping", () => {
  it("counts text fields, list boxes and editable content, not buttons or checkboxes", () => {
    document.body.innerHTML = `
      <input id="text" /><input id="box" type="checkbox" /><button id="button">b</button>
      <div id="editable" contenteditable="true"><span id="inner">x</span></div><div role="combobox" id="combo"></div>`;
    const typing = (id: string) => isTyping(document.getElementById(id));
    expect(["text", "editable", "inner", "combo"].map(typing)).toEqual([true, true, true, true]);
    expect(["box", "button"].map(typing)).toEqual([false, false]);
    expect(isTyping(null)).toBe(false);
  });
});
