// How an import's state reads on screen: its progress, its summary, and its items in order.

export type ImportStatus = "queued" | "running" | "done" | "failed";
export type ItemFilter = "all" | "failed" | "created";

interface Counts {
  status: ImportStatus;
  total: number;
  processed: number;
  created: number;
  failed: number;
}

interface Item {
  position: number;
  outcome: "created" | "failed";
}

export const SOURCE_LABELS: Record<string, string> = {
  todoist: "Todoist CSV",
  trello: "Trello JSON",
  taskflow: "TaskFlow export",
};

export const STATUS_LABELS: Record<ImportStatus, string> = {
  queued: "Queued",
  running: "Importing",
  done: "Done",
  failed: "Stopped",
};

/** Still moving: the screen asks again about once a second. */
export function inProgress(status: ImportStatus): boolean {
  return status === "queued" || status === "running";
}

const plural = (count: number, one: string, many = `${one}s`) =>
  `${count.toLocaleString("en")} ${count === 1 ? one : many}`;

/** The bar's value out of its maximum (null while the total is not known yet), and its words. */
export function progressOf(imp: Counts): { value: number | null; max: number; percent: number; text: string } {
  const max = Math.max(imp.total, 0);
  const value = Math.min(Math.max(imp.processed, 0), max);
  if (imp.status === "queued" && max === 0) return { value: null, max: 1, percent: 0, text: "Waiting to start…" };
  if (max === 0) {
    const done = !inProgress(imp.status);
    return {
      value: done ? 1 : null,
      max: 1,
      percent: done ? 100 : 0,
      text: done ? "Nothing to import" : "Reading the file…",
    };
  }
  return {
    value,
    max,
    percent: Math.floor((value * 100) / max),
    text: `${value.toLocaleString("en")} of ${plural(max, "item")}`,
  };
}

/** One sentence on how an import went (or is going). */
export function summaryOf(imp: Counts): string {
  const failed = imp.failed ? `; ${plural(imp.failed, "item")} could not be imported` : "";
  switch (imp.status) {
    case "queued":
      return "Queued: the import starts in a moment.";
    case "running":
      return `Importing: ${plural(imp.created, "task")} created so far${failed}.`;
    case "done":
      return `Done: ${plural(imp.created, "task")} created${failed}.`;
    case "failed":
      return `The import stopped: ${plural(imp.created, "task")} created${failed}.`;
  }
}

/** The items a filter shows: failed ones first (they need a look), then in the file's order. */
export function orderItems<T extends Item>(items: T[], filter: ItemFilter): T[] {
  const shown = filter === "all" ? items : items.filter((item) => item.outcome === filter);
  return [...shown].sort(
    (a, b) => Number(b.outcome === "failed") - Number(a.outcome === "failed") || a.position - b.position,
  );
}
