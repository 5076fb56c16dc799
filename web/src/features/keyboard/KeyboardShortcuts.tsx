// Keyboard control for the signed-in app: the shortcut listener, the command palette, the "?"
// dialog, and a polite live region that says what a key did ("Status: Done: “Ship it”").
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";

import { useProjects } from "../../api/queries";
import { CommandPalette, paletteGroups, type PaletteCommand } from "./CommandPalette";
import { createDispatcher } from "./dispatcher";
import { SHORTCUTS, ariaKeyShortcuts, type ActionId } from "./shortcuts";
import { ShortcutsDialog } from "./ShortcutsDialog";
import { openerFor, titleOf } from "./taskFocus";
import { useTaskActions, type ChangeTask } from "./useTaskActions";

// The button that opens the palette asks through here (they sit elsewhere in the
// page than this component, which the app mounts once).
const requests = new EventTarget();
type Request = "palette";
const request = (kind: Request) => requests.dispatchEvent(new Event(kind));

/** A live region's text; the same message twice in a row is still said twice. */
function useAnnouncer() {
  const [message, setMessage] = useState("");
  const announce = useCallback(
    (text: string) => setMessage((current) => (current === text ? `${text}\u00a0` : text)),
    [],
  );
  return { message, announce };
}

export function KeyboardShortcuts({ changeTask }: { changeTask: ChangeTask }) {
  const navigate = useNavigate();
  const projects = useProjects();
  const { message, announce } = useAnnouncer();
  const [palette, setPalette] = useState<{ task: { id: string; title: string } | null } | null>(null);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  // Where the focus was when a dialog opened: it goes back there when the dialog closes.
  const opener = useRef<HTMLElement | null>(null);
  const remember = useCallback(() => {
    // A dialog opened from another keeps the first one's place.
    if (document.querySelector("dialog[open]")) return;
    const active = document.activeElement;
    opener.current = active instanceof HTMLElement && active !== document.body ? active : null;
  }, []);
  const restore = useCallback(() => {
    window.setTimeout(() => {
      const back = opener.current;
      if (back?.isConnected) back.focus();
    }, 0);
  }, []);

  const paletteOpen = useRef(false);
  useEffect(() => {
    paletteOpen.current = palette !== null;
  });

  // The actions open the dialogs and the palette runs the actions: the palette opener reads the
  // selection through a ref filled in once the actions exist.
  const selectionRef = useRef<(() => string | null) | null>(null);
  const openPalette = useCallback(() => {
    setShortcutsOpen(false);
    if (paletteOpen.current) {
      // Ctrl+K again closes it.
      setPalette(null);
      restore();
      return;
    }
    remember();
    const id = selectionRef.current?.() ?? null;
    const element = id ? openerFor(id) : null;
    setPalette({ task: id ? { id, title: element ? titleOf(element) : "the open task" } : null });
  }, [remember, restore]);
  const openShortcuts = useCallback(() => {
    remember();
    setPalette(null);
    setShortcutsOpen(true);
  }, [remember]);

  const actions = useTaskActions({ changeTask, announce, openPalette, openShortcuts });
  const { run, selection, openTaskId } = actions;
  useEffect(() => {
    selectionRef.current = () => selection.current(openTaskId);
  }, [openTaskId, selection]);

  // The latest `run` without re-binding the listener on every render.
  const latestRun = useRef(run);
  useEffect(() => {
    latestRun.current = run;
  });
  useEffect(() => {
    const listener = createDispatcher(SHORTCUTS, (action, event) => latestRun.current(action, { event }));
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);

  const go = useCallback(
    (path: string, name: string) => {
      void navigate(path);
      announce(name);
    },
    [announce, navigate],
  );

  const groups = useMemo(
    () =>
      palette
        ? paletteGroups({
            task: palette.task,
            projects: projects.data ?? [],
            onProjectPage: actions.onProjectPage,
            board: actions.board,
            run: (action: ActionId, taskId?: string | null) => run(action, { taskId }),
            go,
          })
        : [],
    [palette, projects.data, actions.onProjectPage, actions.board, run, go],
  );

  function choose(command: PaletteCommand) {
    setPalette(null);
    // After the focus is back where the person was, so the command starts from there.
    window.setTimeout(() => {
      const back = opener.current;
      if (back?.isConnected) back.focus();
      command.perform();
    }, 0);
  }

  useEffect(() => {
    requests.addEventListener("palette", openPalette);
    return () => requests.removeEventListener("palette", openPalette);
  }, [openPalette]);

  return (
    <>
      <div role="status" aria-live="polite" className="sr-only" data-testid="keyboard-announcer">
        {message}
      </div>
      {palette ? (
        <CommandPalette
          groups={groups}
          onClose={() => {
            setPalette(null);
            restore();
          }}
          onChoose={choose}
        />
      ) : null}
      {shortcutsOpen ? (
        <ShortcutsDialog
          open
          onClose={() => {
            setShortcutsOpen(false);
            restore();
          }}
        />
      ) : null}
    </>
  );
}

const isMac = () => typeof navigator === "object" && /Mac|iPod|iPhone|iPad/.test(navigator.platform);

/** The header's way into the palette (and so to every command) for pointer and keyboard alike. */
export function CommandPaletteButton() {
  return (
    <button
      type="button"
      onClick={() => request("palette")}
      aria-keyshortcuts={ariaKeyShortcuts("command-palette")}
      aria-haspopup="dialog"
      className="inline-flex h-9 items-center gap-2 rounded-md border border-line bg-surface px-2.5 text-sm text-ink-soft shadow-xs transition-colors hover:bg-muted hover:text-ink focus-ring"
    >
      <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className="size-4">
        <path
          fillRule="evenodd"
          d="M9 3.5a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11ZM2 9a7 7 0 1 1 12.45 4.39l3.08 3.08a.75.75 0 1 1-1.06 1.06l-3.08-3.08A7 7 0 0 1 2 9Z"
          clipRule="evenodd"
        />
      </svg>
      <span className="hidden lg:inline">Commands</span>
      <span className="sr-only lg:hidden">Commands</span>
      <kbd aria-hidden="true" className="hidden rounded border border-line bg-muted px-1.5 font-sans text-xs sm:inline">
        {isMac() ? "⌘K" : "Ctrl K"}
      </kbd>
    </button>
  );
}
