// What quick add understands in a typed title: a date or time (read by chrono-node), a priority
// (p1 urgent, p2 high, p3 medium, p4 low) and labels (#design); the rest is the title.
// "Print banners tomorrow p1 #design" is "Print banners", due tomorrow (all day), urgent, design.
import * as chrono from "chrono-node";

import type { TaskPriority } from "../../api/vocabulary";
import { priorityLabel } from "../../lib/labels";

export type PartKind = "date" | "priority" | "label";

/** One thing understood, as a chip shows it. */
export interface Part {
  kind: PartKind;
  /** The text it came from, as typed ("tomorrow", "p1", "#design"). */
  source: string;
  /** What it means, in words ("Due Sat 5 Dec", "Priority: Urgent", "Label: design"). */
  meaning: string;
}

export interface QuickTask {
  title: string;
  /** All day, as YYYY-MM-DD (no time was typed). */
  due_date?: string;
  /** An instant (a time was typed). */
  due_at?: string;
  priority?: TaskPriority;
  labels: string[];
  parts: Part[];
}

/** Kinds to leave in the title as typed (the person dismissed their chip). */
export type Ignored = ReadonlySet<PartKind>;

export const PRIORITY_CODES: Record<string, TaskPriority> = { p1: "urgent", p2: "high", p3: "medium", p4: "low" };

const PRIORITY = /(^|\s)(p[1-4])(?=\s|$)/i;
const LABEL = /(^|\s)#([^\s#]+)/g;
// Words that lead into a date and mean nothing without it: "by Friday", "on 12 Dec", "due tomorrow".
const LEAD_IN = /\s+(?:by|on|due|at)$/i;

const pad = (n: number) => String(n).padStart(2, "0");

/** A local calendar day as YYYY-MM-DD. */
export function dayOf(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function cut(text: string, start: number, end: number): string {
  return `${text.slice(0, start)} ${text.slice(end)}`;
}

function describeDay(date: Date, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short" }).format(date);
}

/** The task quick add would create from `input`, typed at `now`. */
export function parseQuickAdd(input: string, now: Date = new Date(), ignored: Ignored = new Set()): QuickTask {
  let text = input;
  const parts: Part[] = [];
  const task: QuickTask = { title: "", labels: [], parts };

  if (!ignored.has("priority")) {
    const found = PRIORITY.exec(text);
    if (found?.[2]) {
      const code = found[2].toLowerCase();
      const priority = PRIORITY_CODES[code];
      if (priority) {
        task.priority = priority;
        parts.push({ kind: "priority", source: found[2], meaning: `Priority: ${priorityLabel(priority)}` });
        const start = found.index + (found[1]?.length ?? 0);
        text = cut(text, start, start + found[2].length);
      }
    }
  }

  if (!ignored.has("label")) {
    for (const found of text.matchAll(LABEL)) {
      const label = (found[2] ?? "").toLowerCase();
      if (!label || task.labels.includes(label)) continue;
      task.labels.push(label);
      parts.push({ kind: "label", source: `#${found[2]}`, meaning: `Label: ${label}` });
    }
    text = text.replace(LABEL, " ");
  }

  if (!ignored.has("date")) {
    const [result] = chrono.parse(text, now, { forwardDate: true });
    if (result) {
      const date = result.start.date();
      const timed = result.start.isCertain("hour");
      if (timed) {
        task.due_at = date.toISOString();
        const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" }).format(date);
        parts.push({ kind: "date", source: result.text, meaning: `Due ${describeDay(date)}, ${time}` });
      } else {
        task.due_date = dayOf(date);
        parts.push({ kind: "date", source: result.text, meaning: `Due ${describeDay(date)} (all day)` });
      }
      const before = text.slice(0, result.index).trimEnd().replace(LEAD_IN, "");
      text = `${before} ${text.slice(result.index + result.text.length)}`;
    }
  }

  task.title = text.replace(/\s+/g, " ").trim();
  // Chips in the order the words were typed.
  parts.sort((a, b) => input.indexOf(a.source) - input.indexOf(b.source));
  return task;
}
