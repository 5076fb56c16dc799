// The calendar in a real browser: Ana's tasks show on their days in the month view; she drags an
// all-day task to another day with the mouse and moves a timed one a day later with the keyboard
// (Space, an arrow, Space), and the API has the new due dates (the timed one at the same time of
// day). Then she creates a calendar feed in Settings, sees its address once, and the address
// answers an iCalendar document with her task, with no sign-in. Last, she picks her default
// reminders in the notification settings, and the API has them.
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { Person, type Task } from "./api";
import {
  BASE_URL,
  STEP_TIMEOUT_MS,
  launch,
  newContext,
  shootFailure,
  shot,
  signIn,
  takeCspViolations,
  visible,
} from "./browser";

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PASSWORD = "correct horse battery staple"; // pragma: allowlist secret (a test account's)
const ana = new Person("Ana Lima", `ana-calendar-${RUN}@example.com`, PASSWORD);
const PROJECT = "Street fair";

interface DatedTask extends Task {
  due_at: string | null;
  due_date: string | null;
}

let browser: Browser;
let context: BrowserContext;
let page: Page;
let projectId = "";

// The browser runs in UTC (browser.ts): days are UTC days here too. The 10th of next month, so
// the days around it are all in its month view.
const now = new Date();
const day = (date: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, date));
const iso = (date: Date) => date.toISOString().slice(0, 10);
const dayName = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
const cell = (date: Date): Locator => page.getByRole("group", { name: dayName.format(date), exact: true });
const chip = (where: Locator, title: string): Locator =>
  where.getByRole("button", { name: new RegExp(`^${title}(,|$)`) });

async function announced(text: string): Promise<void> {
  // dnd-kit's live region is visually hidden: wait for it in the DOM, not on screen.
  await page.getByRole("status").filter({ hasText: text }).waitFor({ state: "attached" });
}

beforeAll(async () => {
  await ana.register();
  projectId = (await ana.post<{ id: string }>("/api/projects", { name: PROJECT })).id;
  browser = await launch();
  context = await newContext(browser);
  page = await context.newPage();
  await signIn(page, ana);
});

afterEach(async (test) => {
  if (test.task.result?.state === "fail") await shootFailure("calendar", test.task.name, { ana: page });
});

// Nothing the app did was refused by the gateway's Content-Security-Policy.
afterEach(() => {
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe("the calendar", () => {
  it("moves a task to another day by dragging it, and a timed one by keyboard at the same time of day", async () => {
    const posters = await ana.post<DatedTask>("/api/tasks", {
      project_id: projectId,
      title: "Hang the posters",
      due_date: iso(day(10)),
    });
    const call = await ana.post<DatedTask>("/api/tasks", {
      project_id: projectId,
      title: "Call the council",
      due_at: `${iso(day(10))}T09:30:00Z`,
    });

    await page.goto("/");
    await page.getByRole("link", { name: "Calendar" }).click();
    await visible(page.getByRole("heading", { name: "Calendar", level: 1 }));
    await page.getByRole("button", { name: "Next month" }).click();
    await visible(
      page.getByRole("heading", {
        name: new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" }).format(day(10)),
      }),
    );
    const from = await visible(chip(cell(day(10)), "Hang the posters"));
    await visible(chip(cell(day(10)), "Call the council, 0?9:30"));
    await shot(page, "calendar-month");

    // The mouse: a few pixels first (a drag starts past a small distance), then onto the 13th.
    const start = await from.boundingBox();
    const target = await cell(day(13)).boundingBox();
    if (!start || !target) throw new Error("the task or the day has no box on screen");
    const x = start.x + start.width / 2;
    const y = start.y + start.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + 15, y + 5, { steps: 5 });
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 25 });
    await announced(`Task Hang the posters is over ${dayName.format(day(13))}.`);
    await page.mouse.up();

    await visible(chip(cell(day(13)), "Hang the posters"));
    await expect
      .poll(async () => (await ana.get<DatedTask>(`/api/tasks/${posters.id}`)).due_date, { timeout: STEP_TIMEOUT_MS })
      .toBe(iso(day(13)));

    // The keyboard: Space picks it up, the right arrow is the next day, Space drops it.
    const timed = chip(cell(day(10)), "Call the council");
    await timed.focus();
    await timed.press("Space");
    await announced(`Task Call the council is over ${dayName.format(day(10))}.`);
    await page.keyboard.press("ArrowRight");
    await announced(`Task Call the council is over ${dayName.format(day(11))}.`);
    await page.keyboard.press("Space");
    await visible(chip(cell(day(11)), "Call the council, 0?9:30"));
    await expect
      .poll(async () => (await ana.get<DatedTask>(`/api/tasks/${call.id}`)).due_at, { timeout: STEP_TIMEOUT_MS })
      .toMatch(new RegExp(`^${iso(day(11))}T09:30:00`));
    // It keeps the focus where it went, and Enter opens it in the panel.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-task-title")))
      .toBe("Call the council");
    await page.keyboard.press("Enter");
    await visible(page.getByRole("region", { name: "Task details", exact: true }));
    expect(new URL(page.url()).searchParams.get("task")).toBe(call.id);
    await shot(page, "calendar-moved");
  });

  it("creates a calendar feed whose address, shown once, answers the tasks without signing in", async () => {
    await page.goto("/settings");
    const name = await visible(page.getByLabel("Feed name"));
    await name.fill("Phone");
    await page.getByRole("button", { name: "Create feed" }).click();
    const shown = await visible(page.getByRole("region", { name: "New calendar feed address" }));
    const address = await shown.getByLabel("Feed address").inputValue();
    expect(address).toMatch(/^https?:\/\/.+\/api\/calendar\/ical\/[A-Za-z0-9_-]+\.ics$/);
    await visible(page.getByRole("list", { name: "Your calendar feeds" }).getByText("Phone", { exact: true }));
    await shot(page, "calendar-feed-created");

    // The address names the public URL the server is configured with; this one answers here.
    const feed = await fetch(BASE_URL + new URL(address).pathname);
    expect(feed.status).toBe(200);
    expect(feed.headers.get("content-type")).toMatch(/^text\/calendar/);
    const text = await feed.text();
    expect(text).toContain("BEGIN:VCALENDAR");
    expect(text).toContain("SUMMARY:Hang the posters");

    // Put away, the address is not shown again.
    await shown.getByRole("button", { name: "Done" }).click();
    await page.reload();
    await visible(page.getByRole("list", { name: "Your calendar feeds" }));
    expect(await page.getByLabel("Feed address").count()).toBe(0);
  });

  it("saves default reminders in the notification settings", async () => {
    await page.goto("/settings/notifications");
    const reminders = await visible(page.getByRole("group", { name: "Remind me" }));
    await reminders.getByRole("checkbox", { name: "15 minutes before" }).check();
    await reminders.getByRole("checkbox", { name: "1 day before" }).check();
    await page.getByRole("button", { name: "Save default reminders" }).click();
    await visible(page.getByText("Default reminders saved."));
    const saved = await ana.get<{ default_reminders: number[] }>("/api/notifications/preferences");
    expect(saved.default_reminders).toEqual([15, 1440]);
    await shot(page, "calendar-default-reminders");
  });
});
