// The "?" dialog: every shortcut of the table, by group, with its keys.
import { Fragment } from "react";

import { Button } from "../../components/Button";
import { Dialog } from "../../components/Dialog";
import { GROUPS, SHORTCUTS, describeKeys, keysText } from "./shortcuts";

function Keys({ binding }: { binding: string }) {
  const presses = describeKeys(binding);
  return (
    // Read as words ("G then M"); drawn as keycaps.
    <span className="inline-flex items-center gap-1 whitespace-nowrap">
      <span className="sr-only">{keysText(binding)}</span>
      {presses.map((press, at) => (
        <Fragment key={at}>
          {at > 0 ? (
            <span aria-hidden="true" className="text-xs text-ink-soft">
              then
            </span>
          ) : null}
          {press.map((key) => (
            <kbd
              key={key}
              aria-hidden="true"
              className="min-w-6 rounded border border-line bg-muted px-1.5 py-0.5 text-center font-sans text-xs font-medium text-ink shadow-xs"
            >
              {key}
            </kbd>
          ))}
        </Fragment>
      ))}
    </span>
  );
}

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} title="Keyboard shortcuts" onClose={onClose} wide>
      <p className="text-sm text-ink-soft">
        Shortcuts work anywhere except while typing in a field (Esc leaves the field). The selected task is the one
        focused with J and K, or the one open in the panel.
      </p>
      {/* Focusable so the keys can scroll it (and the dialog opens with the focus here). */}
      <div
        tabIndex={0}
        role="region"
        aria-label="Shortcuts"
        className="mt-4 grid max-h-[65vh] gap-x-8 gap-y-5 overflow-y-auto rounded-md pr-1 focus-ring md:grid-cols-2"
      >
        {GROUPS.map((group) => (
          <section key={group} aria-label={group}>
            <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wider text-ink-soft">{group}</h3>
            <table className="w-full text-sm">
              <tbody className="divide-y divide-line">
                {SHORTCUTS.filter((shortcut) => shortcut.group === group).map((shortcut) => (
                  <tr key={shortcut.action}>
                    <th scope="row" className="py-1.5 pr-3 text-left font-normal text-ink">
                      {shortcut.label}
                    </th>
                    <td className="py-1.5 text-right">
                      <span className="inline-flex items-center justify-end gap-x-2 whitespace-nowrap">
                        {shortcut.keys.map((binding, at) => (
                          <Fragment key={binding}>
                            {at > 0 ? <span className="text-xs text-ink-soft">or</span> : null}
                            <Keys binding={binding} />
                          </Fragment>
                        ))}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
      <div className="mt-5 flex justify-end">
        <Button variant="secondary" onClick={onClose}>
          Close
        </Button>
      </div>
    </Dialog>
  );
}
