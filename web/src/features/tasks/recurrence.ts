// Repeat rules (RFC 5545 RRULEs, as the API keeps them: "FREQ=WEEKLY;BYDAY=MO", upper case, no
// "RRULE:" prefix) in the words the task panel offers, and the rule for each of its choices.
// The server evaluates the rules; this only names them.

export type Repeat = "none" | "daily" | "weekdays" | "weekly" | "monthly" | "yearly" | "custom";

// In Date#getDay's order.
const DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;
const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const WEEKDAYS = "MO,TU,WE,TH,FR";
const ORDINAL_WORDS: Record<string, string> = {
  "1": "first",
  "2": "second",
  "3": "third",
  "4": "fourth",
  "-1": "last",
};
const UNITS: Record<string, [string, string]> = {
  DAILY: ["day", "days"],
  WEEKLY: ["week", "weeks"],
  MONTHLY: ["month", "months"],
  YEARLY: ["year", "years"],
};
// What describeRule can put in words; a rule with any other part is shown as written.
const KNOWN = new Set(["FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"]);

/** A rule as the API stores it: no "RRULE:" prefix, upper case, no empty parts. */
export function normaliseRule(text: string): string {
  return text
    .trim()
    .replace(/^RRULE:/i, "")
    .toUpperCase()
    .split(";")
    .map((part) => part.trim())
    .filter(Boolean)
    .join(";");
}

/** A rule's parts by name, or null when it is not NAME=VALUE;... with a FREQ. */
export function ruleParts(rule: string): Map<string, string> | null {
  const parts = new Map<string, string>();
  for (const part of normaliseRule(rule).split(";")) {
    const match = /^([A-Z]+)=(.+)$/.exec(part);
    if (!match?.[1] || !match[2] || parts.has(match[1])) return null;
    parts.set(match[1], match[2]);
  }
  return parts.has("FREQ") ? parts : null;
}

/** 1st, 2nd, 3rd, 4th, 11th, 21st... */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th");
  return `${n}${suffix}`;
}

/** "Monday", "Monday and Friday", "Monday, Wednesday and Friday". */
function listed(words: string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}` : (words[0] ?? "");
}

const untilFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" });

function untilDate(value: string): Date | null {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", utc] = match;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  return utc ? new Date(Date.UTC(...parts)) : new Date(...parts);
}

function describeDays(byday: string, monthly: boolean): string | null {
  const words: string[] = [];
  for (const day of byday.split(",")) {
    const match = /^([+-]?\d)?(SU|MO|TU|WE|TH|FR|SA)$/.exec(day);
    if (!match?.[2]) return null;
    const name = DAY_NAMES[DAYS.indexOf(match[2] as (typeof DAYS)[number])] ?? match[2];
    if (!match[1]) {
      words.push(name);
      continue;
    }
    const nth = ORDINAL_WORDS[match[1].replace("+", "")];
    if (!monthly || !nth) return null;
    words.push(`the ${nth} ${name}`);
  }
  return listed(words);
}

/**
 * A rule in words ("Every 2 weeks on Monday and Friday, 5 times"), or null when it holds more
 * than these words say (it is then shown as written).
 */
export function describeRule(rule: string): string | null {
  const parts = ruleParts(rule);
  const unit = parts && UNITS[parts.get("FREQ") ?? ""];
  if (!parts || !unit || [...parts.keys()].some((name) => !KNOWN.has(name))) return null;
  const freq = parts.get("FREQ");
  const interval = Number(parts.get("INTERVAL") ?? "1");
  if (!Number.isInteger(interval) || interval < 1) return null;
  const byday = parts.get("BYDAY");
  const bymonthday = parts.get("BYMONTHDAY");
  let text = interval === 1 ? `Every ${unit[0]}` : `Every ${interval} ${unit[1]}`;

  if (byday && bymonthday) return null;
  if (byday) {
    if (freq === "WEEKLY" && interval === 1 && byday === WEEKDAYS) text = "Every weekday";
    else {
      if (freq !== "WEEKLY" && freq !== "MONTHLY") return null;
      const days = describeDays(byday, freq === "MONTHLY");
      if (!days) return null;
      text += ` on ${days}`;
    }
  }
  if (bymonthday) {
    if (freq !== "MONTHLY") return null;
    const days = bymonthday.split(",").map(Number);
    if (days.some((day) => !Number.isInteger(day) || day === 0 || day < -1 || day > 31)) return null;
    text += ` on the ${listed(days.map((day) => (day === -1 ? "last day" : ordinal(day))))}`;
  }

  const count = parts.get("COUNT");
  const until = parts.get("UNTIL");
  if (count && until) return null;
  if (count) {
    const times = Number(count);
    if (!Number.isInteger(times) || times < 1) return null;
    text += times === 1 ? ", once" : `, ${times} times`;
  }
  if (until) {
    const date = untilDate(until);
    if (!date) return null;
    text += `, until ${untilFormat.format(date)}`;
  }
  return text;
}

/** The rule of one of the common choices, for a task due on `due` (its day, local). */
export function ruleOf(choice: Exclude<Repeat, "none" | "custom">, due: Date): string {
  switch (choice) {
    case "daily":
      return "FREQ=DAILY";
    case "weekdays":
      return `FREQ=WEEKLY;BYDAY=${WEEKDAYS}`;
    case "weekly":
      return `FREQ=WEEKLY;BYDAY=${DAYS[due.getDay()]}`;
    case "monthly":
      return `FREQ=MONTHLY;BYMONTHDAY=${due.getDate()}`;
    case "yearly":
      return "FREQ=YEARLY";
  }
}

const COMMON = ["daily", "weekdays", "weekly", "monthly", "yearly"] as const;

/** Which choice a stored rule is for a task due on `due`: one of the common ones, or custom. */
export function repeatOf(rule: string | null, due: Date | null): Repeat {
  if (!rule) return "none";
  const normal = normaliseRule(rule);
  if (!due) return "custom";
  return COMMON.find((choice) => ruleOf(choice, due) === normal) ?? "custom";
}

/** The choices in words, for a task due on `due`. */
export function repeatChoices(due: Date): { value: Repeat; label: string }[] {
  return [
    { value: "none", label: "Does not repeat" },
    { value: "daily", label: "Every day" },
    { value: "weekdays", label: "Every weekday (Monday to Friday)" },
    { value: "weekly", label: `Every week on ${DAY_NAMES[due.getDay()]}` },
    { value: "monthly", label: `Every month on the ${ordinal(due.getDate())}` },
    { value: "yearly", label: "Every year" },
    { value: "custom", label: "Custom (RRULE)…" },
  ];
}

/** Why a custom rule cannot be sent as typed (the server judges the rest), or undefined. */
export function customRuleProblem(text: string): string | undefined {
  if (!text.trim()) return "Type a rule, for example FREQ=WEEKLY;INTERVAL=2;BYDAY=MO.";
  if (!ruleParts(text)) return "A rule is NAME=VALUE parts separated by “;”, with a FREQ, e.g. FREQ=MONTHLY;BYDAY=1MO.";
  return undefined;
}

/** The day a task is due on, in the browser's time zone; null without a due date. */
export function dueDayOf(task: { due_at: string | null; due_date: string | null }): Date | null {
  if (task.due_date) return new Date(`${task.due_date}T00:00`);
  return task.due_at ? new Date(task.due_at) : null;
}
