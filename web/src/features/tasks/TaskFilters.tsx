// The filter bar above the list: search, status and priority (several at once), assignee,
// label, due date, order. It shows the filters it is given and reports changes; the page
// keeps them in the address.
import { useEffect, useId, useRef, useState, type ReactNode } from "react";

import { useMembers } from "../../api/queries";
import { PRIORITIES, STATUSES } from "../../api/vocabulary";
import { Button } from "../../components/Button";
import { useUser } from "../../lib/auth";
import { LIMITS, overLimit } from "../../lib/limits";
import { DUE_PRESETS, SORTS, clearFilters, isFiltered, type DuePreset, type Filters } from "./filters";

const SEARCH_DELAY_MS = 300;

export type FiltersChange = (next: Filters, options?: { replace?: boolean }) => void;

const ACTIVE = "border-accent-500/60 bg-accent-50 dark:bg-accent-500/10";

const pill =
  "flex h-9 items-center rounded-md border border-line bg-surface text-sm text-ink shadow-xs transition-colors hover:bg-muted focus-within:border-accent-500";

function Chevron() {
  return (
    <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className="size-4 shrink-0 text-ink-soft">
      <path
        fillRule="evenodd"
        d="M5.22 8.22a.75.75 0 0 1 1.06 0L10 11.94l3.72-3.72a.75.75 0 1 1 1.06 1.06l-4.25 4.25a.75.75 0 0 1-1.06 0L5.22 9.28a.75.75 0 0 1 0-1.06Z"
        clipRule="evenodd"
      />
    </svg>
  );
}

/**
 * Text that reaches the address a moment after typing stops. The address can also change
 * underneath (Clear filters, Back): then the field shows the address, unless it only differs
 * by spaces the address trims away while the person is still typing.
 */
function useDebouncedText(value: string, commit: (text: string) => void) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  if (value !== seen) {
    setSeen(value);
    if (text.trim() !== value) {
      clearTimeout(timer.current);
      setText(value);
    }
  }
  useEffect(() => () => clearTimeout(timer.current), []);
  function change(next: string) {
    setText(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => commit(next), SEARCH_DELAY_MS);
  }
  function flush() {
    clearTimeout(timer.current);
    commit(text);
  }
  return { text, change, flush };
}

/** A labelled native <select> drawn as a compact pill: "Assignee  Anyone ▾". */
function SelectPill({
  label,
  value,
  onChange,
  children,
  active,
  className = "",
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
  active: boolean;
  className?: string;
}) {
  const id = useId();
  return (
    <div className={`${pill} relative ${active ? ACTIVE : ""} ${className}`}>
      <label htmlFor={id} className="shrink-0 pl-3 pr-1 text-ink-soft">
        {label}
      </label>
      <select
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        className="h-full min-w-0 max-w-44 cursor-pointer appearance-none truncate rounded-md bg-transparent py-0 pl-1 pr-8 font-medium text-ink focus-ring"
      >
        {children}
      </select>
      <span className="pointer-events-none absolute right-2">
        <Chevron />
      </span>
    </div>
  );
}

/** Several values from a short list: a disclosure button and a group of checkboxes. */
function MultiSelect<T extends string>({
  label,
  options,
  value,
  onChange,
  className = "",
}: {
  label: string;
  options: readonly { value: T; label: string }[];
  value: T[];
  onChange: (value: T[]) => void;
  className?: string;
}) {
  const details = useRef<HTMLDetailsElement>(null);
  const summary = useRef<HTMLElement>(null);
  const [open, setOpen] = useState(false);

  // A popover closes when the pointer or the focus goes elsewhere.
  useEffect(() => {
    if (!open) return;
    function away(event: Event) {
      if (details.current && !details.current.contains(event.target as Node)) details.current.open = false;
    }
    document.addEventListener("pointerdown", away);
    document.addEventListener("focusin", away);
    return () => {
      document.removeEventListener("pointerdown", away);
      document.removeEventListener("focusin", away);
    };
  }, [open]);

  const chosen = options.filter((option) => value.includes(option.value));
  const shown = chosen.length === 1 ? chosen[0]?.label : chosen.length > 1 ? `${chosen.length} selected` : "Any";

  return (
    <details
      ref={details}
      className={`relative ${className}`}
      onToggle={(event) => setOpen(event.currentTarget.open)}
      onKeyDown={(event) => {
        if (event.key === "Escape" && details.current?.open) {
          event.preventDefault();
          details.current.open = false;
          summary.current?.focus();
        }
      }}
    >
      <summary
        ref={summary}
        className={`${pill} cursor-pointer list-none gap-1 px-3 focus-ring [&::-webkit-details-marker]:hidden ${
          chosen.length ? ACTIVE : ""
        }`}
      >
        <span className="text-ink-soft">{label}</span>
        <span className="max-w-32 truncate font-medium">{shown}</span>
        <Chevron />
      </summary>
      <fieldset
        aria-label={label}
        className="absolute left-0 top-full z-30 mt-1 min-w-48 rounded-lg border border-line bg-surface p-1 shadow-lg"
      >
        {options.map((option) => (
          <label
            key={option.value}
            className="flex cursor-pointer items-center gap-2.5 rounded-md px-2.5 py-2 text-sm text-ink hover:bg-muted"
          >
            <input
              type="checkbox"
              className="size-4 rounded accent-accent-600 focus-ring"
              checked={value.includes(option.value)}
              onChange={(event) =>
                onChange(
                  event.target.checked ? [...value, option.value] : value.filter((item) => item !== option.value),
                )
              }
            />
            {option.label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}

export function TaskFilters({
  projectId,
  filters,
  onChange,
}: {
  projectId: string;
  filters: Filters;
  onChange: FiltersChange;
}) {
  const user = useUser();
  const members = useMembers(projectId);
  // Typed text lands after a pause: by then other filters may have changed, so use the latest.
  const latest = useRef(filters);
  useEffect(() => {
    latest.current = filters;
  });
  // Text past the API's limit is not applied (nor cut to fit): the field says so instead.
  const search = useDebouncedText(filters.q, (q) => {
    if (!overLimit("", q.trim(), LIMITS.search)) onChange({ ...latest.current, q }, { replace: true });
  });
  const label = useDebouncedText(filters.label, (text) => {
    if (!overLimit("", text.trim(), LIMITS.label)) onChange({ ...latest.current, label: text }, { replace: true });
  });
  const searchTooLong = overLimit("The search", search.text.trim(), LIMITS.search);
  const labelTooLong = overLimit("The label", label.text.trim(), LIMITS.label);
  const others = (members.data ?? [])
    .filter((member) => member.user_id !== user.id)
    .sort((a, b) => a.display_name.localeCompare(b.display_name));
  const assignee = filters.assignee === user.id ? "me" : (filters.assignee ?? "");
  const [expanded, setExpanded] = useState(false);
  const filtered = isFiltered(filters);
  const count =
    filters.status.length +
    filters.priority.length +
    [filters.assignee, filters.label, filters.due].filter(Boolean).length;
  // Phones fold the filters away behind a button; wider screens always show them.
  const fold = `mt-2 ${expanded ? "" : "max-sm:hidden"}`;
  const unknownAssignee =
    assignee !== "" && assignee !== "me" && members.isSuccess && !others.some((m) => m.user_id === assignee);

  return (
    // One wrapping row: search (and, on phones, the Filters button), then a line break, then
    // the filters. Items carry their own top margin so the zero-height break adds no gap.
    <div role="search" aria-label="Filter tasks" className="-mt-2 flex flex-wrap items-center gap-x-2">
      <div className="relative order-1 mt-2 min-w-0 flex-1 sm:w-72 sm:flex-none">
        <label htmlFor="task-search" className="sr-only">
          Search tasks
        </label>
        <svg
          viewBox="0 0 20 20"
          fill="currentColor"
          aria-hidden="true"
          className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-ink-soft"
        >
          <path
            fillRule="evenodd"
            d="M9 3.5a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11ZM2 9a7 7 0 1 1 12.45 4.39l3.08 3.08a.75.75 0 1 1-1.06 1.06l-3.08-3.08A7 7 0 0 1 2 9Z"
            clipRule="evenodd"
          />
        </svg>
        <input
          id="task-search"
          // The keyboard's search shortcut (features/keyboard/shortcuts.ts).
          aria-keyshortcuts="/"
          type="search"
          value={search.text}
          aria-invalid={searchTooLong ? true : undefined}
          aria-describedby={searchTooLong ? "task-search-error" : undefined}
          placeholder="Search tasks"
          autoComplete="off"
          onChange={(event) => search.change(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter") search.flush();
          }}
          className="block h-9 w-full rounded-md border border-line bg-surface pl-9 pr-3 text-sm text-ink shadow-xs placeholder:text-ink-soft focus-ring"
        />
      </div>

      <button
        type="button"
        aria-expanded={expanded}
        aria-controls="task-filter-fields"
        onClick={() => setExpanded((open) => !open)}
        className={`${pill} order-2 mt-2 gap-1.5 px-3 font-medium focus-ring sm:hidden ${count ? ACTIVE : ""}`}
      >
        <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" className="size-4 text-ink-soft">
          <path d="M2.75 4.5a.75.75 0 0 0 0 1.5h14.5a.75.75 0 0 0 0-1.5H2.75ZM5 9.25a.75.75 0 0 0 0 1.5h10a.75.75 0 0 0 0-1.5H5Zm2.75 4.75a.75.75 0 0 0 0 1.5h4.5a.75.75 0 0 0 0-1.5h-4.5Z" />
        </svg>
        Filters
        {count ? <span className="rounded-full bg-accent-600 px-1.5 text-xs leading-5 text-white">{count}</span> : null}
      </button>

      <SelectPill
        label="Sort by"
        value={filters.sort}
        active={false}
        className={`order-5 sm:order-2 sm:ml-auto ${fold}`}
        onChange={(value) => {
          const sort = SORTS.find((option) => option.value === value)?.value;
          if (sort) onChange({ ...filters, sort });
        }}
      >
        {SORTS.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </SelectPill>

      <div aria-hidden="true" className="order-3 h-0 basis-full" />

      <div id="task-filter-fields" className="contents">
        <MultiSelect
          label="Status"
          options={STATUSES}
          value={filters.status}
          className={`order-4 ${fold}`}
          onChange={(status) => onChange({ ...filters, status })}
        />
        <MultiSelect
          label="Priority"
          options={PRIORITIES}
          value={filters.priority}
          className={`order-4 ${fold}`}
          onChange={(priority) => onChange({ ...filters, priority })}
        />

        <SelectPill
          label="Assignee"
          value={assignee}
          active={assignee !== ""}
          className={`order-4 ${fold}`}
          onChange={(value) => onChange({ ...filters, assignee: value || null })}
        >
          <option value="">Anyone</option>
          <option value="me">Me</option>
          {others.map((member) => (
            <option key={member.user_id} value={member.user_id}>
              {member.display_name}
            </option>
          ))}
          {unknownAssignee ? <option value={assignee}>Former member</option> : null}
        </SelectPill>

        <div className={`${pill} order-4 ${fold} ${label.text.trim() ? ACTIVE : ""}`}>
          <label htmlFor="task-label-filter" className="shrink-0 pl-3 pr-1 text-ink-soft">
            Label
          </label>
          <input
            id="task-label-filter"
            type="text"
            value={label.text}
            aria-invalid={labelTooLong ? true : undefined}
            aria-describedby={labelTooLong ? "task-label-error" : undefined}
            placeholder="Any"
            autoComplete="off"
            onChange={(event) => label.change(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter") label.flush();
            }}
            className="h-full w-24 rounded-md bg-transparent pl-1 pr-3 font-medium text-ink placeholder:font-normal placeholder:text-ink-soft focus-ring"
          />
        </div>

        <SelectPill
          label="Due"
          value={filters.due ?? ""}
          active={filters.due !== null}
          className={`order-4 ${fold}`}
          onChange={(value) => onChange({ ...filters, due: (value || null) as DuePreset | null })}
        >
          <option value="">Any time</option>
          {DUE_PRESETS.map((preset) => (
            <option key={preset.value} value={preset.value}>
              {preset.label}
            </option>
          ))}
        </SelectPill>
      </div>

      {filtered ? (
        <Button variant="ghost" className="order-6 mt-2 h-9" onClick={() => onChange(clearFilters(filters))}>
          Clear filters
        </Button>
      ) : null}
      {searchTooLong || labelTooLong ? (
        <div className="order-7 mt-1 basis-full space-y-0.5 text-xs text-red-600 dark:text-red-400" role="alert">
          {searchTooLong ? <p id="task-search-error">{searchTooLong} It is not applied.</p> : null}
          {labelTooLong ? <p id="task-label-error">{labelTooLong} It is not applied.</p> : null}
        </div>
      ) : null}
    </div>
  );
}
