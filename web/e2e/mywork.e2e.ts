// My work and fast capture in a real browser: Ana assigns Ben tasks in her project, and Ben's
// My tasks view lists each under Overdue, Today or No date; quick add reads "Print banners
// tomorrow p1 #design", shows what it understood, and saves the task that says (checked through
// the API); an overlong title is refused with the limit stated and nothing is saved.
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { Person, type Task } from "./api";
import { STEP_TIMEOUT_MS, launch, newContext, shootFailure, shot, signIn, takeCspViolations, visible } from "./browser";

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PASSWORD = "correct horse battery staple"; // pragma: allowlist secret (a test account's)
const ana = new Person("Ana Lima", `ana-mywork-${RUN}@example.com`, PASSWORD);
const ben = new Person("Ben Okafor", `ben-mywork-${RUN}@example.com`, PASSWORD);
const PROJECT = "Print shop";

interface DatedTask extends Task {
  due_date: string | null;
}

let browser: Browser;
let anaContext: BrowserContext;
let benContext: BrowserContext;
let anaPage: Page;
let benPage: Page;
let projectId = "";

/** A local calendar day, `days` from today, as YYYY-MM-DD (the browser shares this clock). */
function day(days: number): string {
  const date = new Date();
  date.setDate(date.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function group(page: Page, title: string): Locator {
  return page.getByRole("region", { name: new RegExp(`^${title}\\b`) });
}

async function tasksOf(person: Person, query: string): Promise<DatedTask[]> {
  return (await person.get<{ items: DatedTask[] }>(`/api/tasks?project_id=${projectId}&limit=100&${query}`)).items;
}

beforeAll(async () => {
  await ana.register();
  await ben.register();
  projectId = (await ana.post<{ id: string }>("/api/projects", { name: PROJECT })).id;
  await ana.post(`/api/projects/${projectId}/members`, { email: ben.email, role: "editor" });

  browser = await launch();
  anaContext = await newContext(browser);
  benContext = await newContext(browser);
  anaPage = await anaContext.newPage();
  benPage = await benContext.newPage();
  await signIn(anaPage, ana);
  await signIn(benPage, ben);
});

afterEach(async (context) => {
  if (context.task.result?.state === "fail")
    await shootFailure("mywork", context.task.name, { ana: anaPage, ben: benPage });
});

// Nothing the app did was refused by the gateway's Content-Security-Policy.
afterEach(() => {
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe("my work and quick add", () => {
  it("Ben's My tasks lists what Ana assigned him in her project, each under its group", async () => {
    const assign = (title: string, due: Record<string, string> = {}) =>
      ana.post<Task>("/api/tasks", { project_id: projectId, title, assignee_id: ben.id, ...due });
    await assign("Proof the flyer", { due_date: day(0) });
    await assign("Order the paper", { due_date: day(-2) });
    await assign("Call the framer");
    // Ana's own task is not Ben's.
    await ana.post<Task>("/api/tasks", { project_id: projectId, title: "Ana's own errand", due_date: day(0) });

    await benPage.goto("/");
    await benPage.getByRole("link", { name: "My tasks" }).click();
    await visible(benPage.getByRole("heading", { name: "My tasks", level: 1 }));
    const today = await visible(group(benPage, "Today"));
    await visible(today.getByRole("button", { name: "Proof the flyer" }));
    await visible(group(benPage, "Overdue").getByRole("button", { name: "Order the paper" }));
    await visible(group(benPage, "No date").getByRole("button", { name: "Call the framer" }));
    await visible(today.getByText(`in ${PROJECT}`));
    expect(await benPage.getByRole("button", { name: "Ana's own errand" }).count()).toBe(0);

    // The task opens in the panel beside the list, as on the project's page.
    await today.getByRole("button", { name: "Proof the flyer" }).click();
    await visible(benPage.getByRole("region", { name: "Task details", exact: true }));
    expect(new URL(benPage.url()).searchParams.get("task")).toMatch(/^[0-9a-f-]{36}$/);

    // Today lists the overdue one and today's; Upcoming has today's under "Today".
    await benPage.goto("/today");
    await visible(group(benPage, "Overdue").getByRole("button", { name: "Order the paper" }));
    await visible(group(benPage, "Today").getByRole("button", { name: "Proof the flyer" }));
    await shot(benPage, "mywork-today");
  });

  it("quick add shows what it understood and saves the task it describes", async () => {
    await anaPage.goto(`/projects/${projectId}`);
    const field = await visible(anaPage.getByRole("textbox", { name: "New task" }));
    await field.fill("Print banners tomorrow p1 #design");
    const chips = await visible(anaPage.getByRole("list", { name: "Understood from the title" }));
    await visible(chips.getByText("Priority: Urgent"));
    await visible(chips.getByText("Label: design"));
    await visible(chips.getByText(/^Due .*\(all day\)$/));
    await visible(anaPage.getByText("Title: “Print banners”"));
    await shot(anaPage, "mywork-quick-add-chips");
    await field.press("Enter");
    await expect.poll(async () => field.inputValue(), { timeout: STEP_TIMEOUT_MS }).toBe("");

    let saved: DatedTask | undefined;
    await expect
      .poll(
        async () => {
          saved = (await tasksOf(ana, "q=banners")).find((task) => task.title === "Print banners");
          return saved !== undefined;
        },
        { timeout: STEP_TIMEOUT_MS, interval: 250 },
      )
      .toBe(true);
    expect(saved).toMatchObject({ title: "Print banners", priority: "urgent", labels: ["design"], due_date: day(1) });
    await visible(anaPage.getByRole("button", { name: "Print banners", exact: true }));
  });

  it("an overlong title states the limit and is not saved", async () => {
    await anaPage.goto(`/projects/${projectId}`);
    const field = await visible(anaPage.getByRole("textbox", { name: "New task" }));
    const title = `Long ${"x".repeat(507)}`;
    await field.fill(title);
    await visible(anaPage.getByText("Title is 512 characters; the limit is 200."));
    expect(await field.inputValue()).toBe(title);
    await expect.poll(() => anaPage.getByRole("button", { name: "Add task" }).isDisabled()).toBe(true);
    await field.press("Enter");
    await anaPage.waitForTimeout(500);
    expect((await tasksOf(ana, "q=Long")).filter((task) => task.title.startsWith("Long x"))).toEqual([]);
  });
});
