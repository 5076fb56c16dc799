// Team changes, live, in a real browser: Alice (through the API, as from another device) changes
// a project while Bruno has its pages open; his pages follow within two seconds, without a
// reload, across a server restart, until Alice removes him from the project.
//
// The steps share one story (accounts, project, tasks); each sets up through the API whatever
// it needs that an earlier step did not leave.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { Person, type Task } from "./api";
import {
  LIVE_CHANGE_TIMEOUT_MS,
  LIVE_TIMEOUT_MS,
  STEP_TIMEOUT_MS,
  gone,
  launch,
  newContext,
  shot,
  startsWith,
  takeCspViolations,
  visible,
} from "./browser";

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PASSWORD = "correct horse battery staple";
const alice = new Person("Alice Martin", `alice-live-${RUN}@example.com`, PASSWORD);
const bruno = new Person("Bruno Costa", `bruno-live-${RUN}@example.com`, PASSWORD);
const PROJECT = "Live launch";
const STREAM_PATH = "/api/notifications/stream";
// The test that runs this scenario restarts the server when asked through this folder
// (tests/e2e/test_web_browser.py); without it, the restart step is skipped.
const SIGNALS = process.env.TASKFLOW_SIGNALS;
const RESTART_TIMEOUT_MS = 90_000;

let browser: Browser;
let brunoContext: BrowserContext;
let brunoPage: Page;
let projectId = "";

// ---- what Bruno's screens show ---------------------------------------------------------------

function taskRow(page: Page, title: string): Locator {
  const list = page.getByRole("list", { name: "Tasks" });
  // The inner locator is matched inside each item: it starts from the page.
  return list.getByRole("listitem").filter({ has: page.getByRole("button", { name: title, exact: true }) });
}

function column(page: Page, label: string): Locator {
  return page.getByRole("region", { name: label, exact: true });
}

function card(within: Locator, title: string): Locator {
  return within.getByRole("button", { name: startsWith(`${title},`) });
}

function taskPanel(page: Page): Locator {
  return page.getByRole("region", { name: "Task details", exact: true });
}

async function chosen(select: Locator): Promise<string> {
  return select.evaluate((element) =>
    element instanceof HTMLSelectElement ? (element.selectedOptions[0]?.textContent ?? "").trim() : "",
  );
}

/** Load `url` and wait until the page has renewed its session (see taskflow.e2e.ts). */
async function load(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await visible(page.getByRole("button", { name: "Sign out" }));
}

/** Wait for `locator`, no longer than a live change may take. */
const live = (locator: Locator) => visible(locator, LIVE_CHANGE_TIMEOUT_MS);
const leaves = (locator: Locator) => gone(locator, LIVE_CHANGE_TIMEOUT_MS);

// ---- Alice, elsewhere ------------------------------------------------------------------------

const createTask = (title: string, extra: Partial<Task> = {}) =>
  alice.post<Task>("/api/tasks", { project_id: projectId, title, ...extra });

async function ensureBrunoIsMember(): Promise<void> {
  const members = await alice.members(projectId);
  if (!members.some((member) => member.user_id === bruno.id)) {
    await alice.post(`/api/projects/${projectId}/members`, { email: bruno.email, role: "editor" });
  }
}

async function waitForFile(path: string, timeout: number): Promise<void> {
  await expect.poll(() => existsSync(path), { timeout, interval: 200 }).toBe(true);
}

beforeAll(async () => {
  await alice.register();
  await bruno.register();
  projectId = (await alice.post<{ id: string }>("/api/projects", { name: PROJECT })).id;
  await ensureBrunoIsMember();

  browser = await launch();
  brunoContext = await newContext(browser);
  brunoPage = await brunoContext.newPage();
  await brunoPage.goto("/signin");
  await brunoPage.getByLabel("E-mail").fill(bruno.email);
  await brunoPage.getByLabel("Password").fill(bruno.password);
  await brunoPage.getByRole("button", { name: "Sign in" }).click();
  await visible(brunoPage.getByRole("button", { name: "Sign out" }));
});

afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || !brunoPage || brunoPage.isClosed()) return;
  const label = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, "-");
  await shot(brunoPage, `failed/live-${label}-bruno`).catch(() => undefined);
});

// Nothing the app did was refused by the gateway's Content-Security-Policy.
afterEach(() => {
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe("Bruno's open pages follow Alice's changes live", () => {
  it("the list shows a task Alice creates, renames, moves and deletes, each within two seconds", async () => {
    await load(brunoPage, `/projects/${projectId}`);
    await visible(brunoPage.getByRole("heading", { level: 1, name: PROJECT }));

    const task = await createTask("Order the banners");
    const row = await live(taskRow(brunoPage, "Order the banners"));
    // Pointed out for a moment, with who did it.
    await visible(row.getByTitle("Alice Martin added this"), LIVE_CHANGE_TIMEOUT_MS);

    await alice.changeTask(task.id, { title: "Print the banners" });
    const renamed = await live(taskRow(brunoPage, "Print the banners"));
    await leaves(taskRow(brunoPage, "Order the banners"));

    await alice.changeTask(task.id, { status: "review" });
    await live(renamed.getByText("In review", { exact: true }));

    await alice.delete(`/api/tasks/${task.id}`);
    await leaves(taskRow(brunoPage, "Print the banners"));
  });

  it("the board shows a task Alice creates, renames, moves to another column and deletes", async () => {
    await load(brunoPage, `/projects/${projectId}?view=board`);
    const todo = await visible(column(brunoPage, "To do"));
    const progress = column(brunoPage, "In progress");

    const task = await createTask("Book the photographer");
    await live(card(todo, "Book the photographer"));

    await alice.changeTask(task.id, { title: "Book the film crew" });
    await live(card(todo, "Book the film crew"));
    await leaves(card(todo, "Book the photographer"));

    await alice.changeTask(task.id, { status: "in_progress" });
    await live(card(progress, "Book the film crew"));
    await leaves(card(todo, "Book the film crew"));

    await alice.delete(`/api/tasks/${task.id}`);
    await leaves(card(progress, "Book the film crew"));
  });

  it("the task Bruno has open shows the comment Alice adds to it", async () => {
    const task = await createTask("Write the press release");
    await load(brunoPage, `/projects/${projectId}?task=${task.id}`);
    const panel = await visible(taskPanel(brunoPage));
    await visible(panel.getByText("No comments yet."));

    await alice.post(`/api/tasks/${task.id}/comments`, { body: "Draft is in the shared folder." });
    // Exactly the comment: the task's history may quote it too ("Alice Martin commented: …").
    await live(panel.getByText("Draft is in the shared folder.", { exact: true }));
  });

  it("Bruno's unsaved description survives Alice's status change to the same task, and then saves", async () => {
    const task = await createTask("Plan the launch party", { description: "Venue and food" });
    await load(brunoPage, `/projects/${projectId}?task=${task.id}`);
    const panel = await visible(taskPanel(brunoPage));
    const description = panel.getByLabel("Description");
    await expect.poll(() => description.inputValue(), { timeout: STEP_TIMEOUT_MS }).toBe("Venue and food");
    await description.fill("Venue, food and a playlist");

    await alice.changeTask(task.id, { status: "in_progress" });
    await expect
      .poll(() => chosen(panel.getByLabel("Status")), { timeout: LIVE_CHANGE_TIMEOUT_MS })
      .toBe("In progress");
    expect(await description.inputValue()).toBe("Venue, food and a playlist");
    await visible(panel.getByText("Unsaved changes"));
    expect((await bruno.task(task.id)).description).toBe("Venue and food");
    await shot(brunoPage, "live-panel-merge");

    // His save stands on Alice's version: no conflict, and her status stays.
    await panel.getByRole("button", { name: "Save changes" }).click();
    await expect
      .poll(async () => (await bruno.task(task.id)).description, { timeout: STEP_TIMEOUT_MS })
      .toBe("Venue, food and a playlist");
    expect((await bruno.task(task.id)).status).toBe("in_progress");
  });

  it.skipIf(!SIGNALS)(
    "after the server restarts, what Alice changed while Bruno was away arrives when he reconnects",
    async () => {
      await load(brunoPage, `/projects/${projectId}`);
      const before = await createTask("Hire the band");
      await live(taskRow(brunoPage, "Hire the band"));

      const resumedFrom: (string | null)[] = [];
      brunoPage.on("response", (response) => {
        if (new URL(response.url()).pathname === STREAM_PATH && response.ok()) {
          resumedFrom.push(response.request().headers()["last-event-id"] ?? null);
        }
      });
      // Bruno is away (offline) while the server restarts and Alice makes her changes.
      await brunoContext.setOffline(true);
      writeFileSync(join(SIGNALS ?? "", "restart"), "");
      await waitForFile(join(SIGNALS ?? "", "restarted"), RESTART_TIMEOUT_MS);
      await alice.signIn();
      await createTask("Print the tickets");
      await alice.changeTask(before.id, { title: "Hire the brass band" });

      await brunoContext.setOffline(false);
      await visible(taskRow(brunoPage, "Print the tickets"), LIVE_TIMEOUT_MS);
      await visible(taskRow(brunoPage, "Hire the brass band"), LIVE_TIMEOUT_MS);
      await gone(taskRow(brunoPage, "Hire the band"));
      // Resumed from where his stream stood, not started afresh.
      expect(resumedFrom.length).toBeGreaterThan(0);
      expect(resumedFrom[0]).toBeTruthy();

      // And live again.
      await createTask("Count the chairs");
      await live(taskRow(brunoPage, "Count the chairs"));
    },
    RESTART_TIMEOUT_MS + 60_000,
  );

  it("Bruno's access ends live when Alice removes him: the project leaves his sidebar and page", async () => {
    await ensureBrunoIsMember();
    await load(brunoPage, `/projects/${projectId}`);
    const sidebar = brunoPage.getByRole("navigation", { name: "Projects" });
    await visible(sidebar.getByRole("link", { name: PROJECT }));

    await alice.delete(`/api/projects/${projectId}/members/${bruno.id}`);
    await leaves(sidebar.getByRole("link", { name: PROJECT }));
    await expect
      .poll(() => new URL(brunoPage.url()).pathname.startsWith(`/projects/${projectId}`), {
        timeout: LIVE_CHANGE_TIMEOUT_MS,
      })
      .toBe(false);
    await visible(brunoPage.getByText(`You no longer have access to ${PROJECT}`, { exact: false }));
    await visible(brunoPage.getByRole("heading", { level: 1, name: "Inbox" }));
    await shot(brunoPage, "live-access-ended");
  });
});
