// A text area that offers the project's members after an "@": a listbox filtered by what follows
// it (the ARIA combobox pattern: ArrowUp/ArrowDown move, Enter or Tab chooses, Escape closes),
// inserting "@Display Name ".
import {
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type ComponentProps,
  type KeyboardEvent,
  type SyntheticEvent,
} from "react";

import { insertMention, mentionAt, mentionMatches, type Mentionable, type MentionQuery } from "../lib/mentions";
import { TextArea } from "./Field";

type MentionTextAreaProps = Omit<ComponentProps<typeof TextArea>, "value" | "onChange" | "ref"> & {
  value: string;
  onValueChange: (value: string) => void;
  /** Who may be mentioned (the project's members). */
  members: readonly Mentionable[];
};

export function MentionTextArea({ value, onValueChange, members, onKeyDown, ...props }: MentionTextAreaProps) {
  const area = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const [mention, setMention] = useState<MentionQuery>();
  const [active, setActive] = useState(0);
  // The "@" the person closed the list at (Escape, or a choice made): not offered again.
  const [dismissed, setDismissed] = useState<number>();
  // Where the caret goes once the text with an inserted name has rendered.
  const caretAfter = useRef<number | undefined>(undefined);

  const options = mention && mention.start !== dismissed ? mentionMatches(members, mention.query) : [];
  const open = options.length > 0;
  const activeIndex = Math.min(active, options.length - 1);
  const optionId = (index: number) => `${listId}-option-${index}`;

  useLayoutEffect(() => {
    const caret = caretAfter.current;
    if (caret === undefined || !area.current) return;
    caretAfter.current = undefined;
    area.current.setSelectionRange(caret, caret);
  }, [value]);

  /** Follow the caret: the mention it is in now, if any. */
  function track(target: HTMLTextAreaElement) {
    const found =
      target.selectionStart === target.selectionEnd ? mentionAt(target.value, target.selectionStart) : undefined;
    if (found?.start !== mention?.start || found?.query !== mention?.query) setActive(0);
    setMention(found);
    if (found?.start !== dismissed) setDismissed(undefined);
  }

  function choose(member: Mentionable) {
    const target = area.current;
    if (!mention || !target) return;
    const next = insertMention(value, mention, target.selectionStart, member.display_name);
    caretAfter.current = next.caret;
    setDismissed(mention.start);
    setMention(undefined);
    onValueChange(next.text);
    target.focus();
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (open && !event.nativeEvent.isComposing) {
      const chosen = options[activeIndex];
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((activeIndex + step + options.length) % options.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && chosen) {
        event.preventDefault();
        choose(chosen);
        return;
      }
      if (event.key === "Escape") {
        // Closes the list only: whatever holds the text area (a panel, a dialog) stays open.
        event.preventDefault();
        event.stopPropagation();
        setDismissed(mention?.start);
        return;
      }
    }
    onKeyDown?.(event);
  }

  return (
    <div className="relative">
      <TextArea
        {...props}
        ref={area}
        value={value}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? optionId(activeIndex) : undefined}
        onChange={(event) => {
          onValueChange(event.target.value);
          track(event.target);
        }}
        onSelect={(event: SyntheticEvent<HTMLTextAreaElement>) => track(event.currentTarget)}
        onBlur={() => setMention(undefined)}
        onKeyDown={keyDown}
      />
      {open ? (
        <ul
          id={listId}
          role="listbox"
          aria-label="Members to mention"
          className="absolute left-0 z-20 mt-1 max-h-60 w-64 max-w-full overflow-y-auto rounded-md border border-line bg-surface p-1 text-sm shadow-lg"
        >
          {options.map((member, index) => (
            <li
              key={member.user_id}
              id={optionId(index)}
              role="option"
              aria-selected={index === activeIndex}
              className={`cursor-pointer truncate rounded px-2 py-1.5 ${
                index === activeIndex ? "bg-accent-100 text-accent-700 dark:bg-accent-500/25 dark:text-accent-100" : ""
              }`}
              // Keep the focus (and the caret) in the text area.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => choose(member)}
            >
              {member.display_name}
              {member.email ? <span className="ml-2 text-xs text-ink-soft">{member.email}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
