// Working together in a real browser: Ana runs a project Ben is a member of. A mention typed
// with the autocomplete tells Ben; a plain comment on a task he does not watch, or a new task
// he is not assigned, does not, until he asks to hear of every new task; a comment is edited
// and its Markdown link opens in a new tab.
//
// What Ben was told is read through the API. A notice that must NOT come is checked after a
// later notice that must (an assignment, a "sentinel") has come: the pipeline has then handled
// whatever was done before it.
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { Person, type Task } from "./api";
import {
  LIVE_TIMEOUT_MS,
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
const ana = new Person("Ana Lima", `ana-collab-${RUN}@example.com`, PASSWORD);
const ben = new Person("Ben Okafor", `ben-collab-${RUN}@example.com`, PASSWORD);
const PROJECT = "Press week";
const DOCS = "https://example.com/docs";

interface Notice {
  id: string;
  kind: string;
  message: string;
  task_id: string | null;
}

let browser: Browser;
let anaContext: BrowserContext;
let benContext: BrowserContext;
let anaPage: Page;
let benPage: Page;
let projectId = "";
let sentinels = 0;

// ---- screens ---------------------------------------------------------------------------------

function taskPanel(page: Page): Locator {
  return page.getByRole("region", { name: "Task details", exact: true });
}

function commentList(page: Page): Locator {
  return taskPanel(page)
    .getByRole("region", { name: /^Comments/ })
    .getByRole("list");
}

async function openTask(page: Page, taskId: string): Promise<Locator> {
  await page.goto(`/projects/${projectId}?task=${taskId}`);
  await visible(page.getByRole("button", { name: "Sign out" }));
  const panel = await visible(taskPanel(page));
  await visible(panel.getByRole("region", { name: /^Comments/ }));
  return panel;
}

// ---- what Ben was told -----------------------------------------------------------------------

async function benNotices(): Promise<Notice[]> {
  return (await ben.get<{ items: Notice[] }>("/api/notifications?limit=100")).items;
}

async function noticeFor(taskId: string, kind?: string): Promise<Notice | undefined> {
  return (await benNotices()).find((notice) => notice.task_id === taskId && (!kind || notice.kind === kind));
}

/** Wait until Ben has a notice about the task (of the kind, if given). */
async function benIsTold(taskId: string, kind?: string): Promise<Notice> {
  await expect
    .poll(async () => (await noticeFor(taskId, kind)) !== undefined, { timeout: LIVE_TIMEOUT_MS, interval: 300 })
    .toBe(true);
  return (await noticeFor(taskId, kind)) as Notice;
}

/** Ana assigns Ben a fresh task and Ben is told: whatever was done before has gone through. */
async function afterTheNextNotice(): Promise<void> {
  sentinels += 1;
  const task = await ana.post<Task>("/api/tasks", { project_id: projectId, title: `Sentinel ${sentinels}` });
  await ana.changeTask(task.id, { assignee_id: ben.id });
  await benIsTold(task.id);
}

const createTask = (title: string) => ana.post<Task>("/api/tasks", { project_id: projectId, title });

/** Ana adds a task with the quick add box on her project page; answers it as the API has it. */
async function anaAddsTask(title: string): Promise<Task> {
  await anaPage.goto(`/projects/${projectId}`);
  const box = await visible(anaPage.getByLabel("New task", { exact: true }));
  await box.fill(title);
  await box.press("Enter");
  let found: Task | undefined;
  await expect
    .poll(
      async () => {
        found = await ana.taskTitled(projectId, title);
        return found !== undefined;
      },
      { timeout: STEP_TIMEOUT_MS },
    )
    .toBe(true);
  return found as Task;
}

// ---- the story -------------------------------------------------------------------------------

beforeAll(async () => {
  await ana.register();
  await ben.register();
  projectId = (await ana.post<{ id: string }>("/api/projects", { name: PROJECT })).id;
  await ana.post(`/api/projects/${projectId}/members`, { email: ben.email, role: "editor" });

  browser = await launch();
  anaContext = await newContext(browser);
  benContext = await newContext(browser);
  // The link the test clicks opens here, not on the real site (no network is needed).
  await anaContext.route(`${DOCS}**`, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<title>Docs</title>The docs" }),
  );
  anaPage = await anaContext.newPage();
  benPage = await benContext.newPage();
  await signIn(anaPage, ana);
  await signIn(benPage, ben);
});

afterEach(async (context) => {
  if (context.task.result?.state === "fail")
    await shootFailure("collab", context.task.name, { ana: anaPage, ben: benPage });
});

// Nothing the app did was refused by the gateway's Content-Security-Policy.
afterEach(() => {
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe("mentions, watchers and edited comments", () => {
  it("Ana's comment with @Ben, chosen from the autocomplete, tells Ben and makes him a watcher", async () => {
    const task = await createTask("Draft the press kit");
    const panel = await openTask(anaPage, task.id);

    const box = panel.getByRole("combobox", { name: "Add a comment" });
    await box.click();
    await box.pressSequentially("Could you check the quotes, @Be");
    const options = await visible(anaPage.getByRole("listbox", { name: "Members to mention" }));
    await visible(options.getByRole("option", { name: /^Ben Okafor/ }));
    expect(await box.getAttribute("aria-expanded")).toBe("true");
    await box.press("Enter");
    await expect.poll(() => box.inputValue()).toBe("Could you check the quotes, @Ben Okafor ");
    await box.pressSequentially("please?");
    await panel.getByRole("button", { name: "Comment", exact: true }).click();

    const comment = await visible(commentList(anaPage).getByRole("listitem").filter({ hasText: "check the quotes" }));
    await visible(comment.locator(".mention", { hasText: "@Ben Okafor" }));

    const notice = await benIsTold(task.id, "mention");
    expect(notice.message).toContain("Ana Lima mentioned you");
    // Mentioned, Ben now watches the task; Ana's panel lists him with why.
    const watchers = panel.getByRole("list", { name: "Watchers" });
    await visible(watchers.getByRole("listitem").filter({ hasText: "Ben Okafor" }).filter({ hasText: "mentioned" }));
    await shot(anaPage, "collab-mention");
  });

  it("a plain comment by Ana on a task Ben does not watch tells him nothing", async () => {
    const task = await createTask("Book the photographer");
    const panel = await openTask(anaPage, task.id);
    await panel.getByRole("combobox", { name: "Add a comment" }).fill("Booked for Friday.");
    await panel.getByRole("button", { name: "Comment", exact: true }).click();
    await visible(commentList(anaPage).getByText("Booked for Friday.", { exact: true }));

    await afterTheNextNotice();
    expect(await noticeFor(task.id)).toBeUndefined();
  });

  it("Ana's new unassigned task tells Ben only once he asks to hear of every new task", async () => {
    const quiet = await anaAddsTask("Order the name badges");
    await afterTheNextNotice();
    expect(await noticeFor(quiet.id)).toBeUndefined();

    await benPage.goto(`/projects/${projectId}/settings`);
    const every = await visible(benPage.getByRole("switch", { name: /Notify me of every new task/ }));
    await expect.poll(() => every.isEnabled(), { timeout: STEP_TIMEOUT_MS }).toBe(true);
    expect(await every.isChecked()).toBe(false);
    await every.click();
    await expect.poll(() => every.isChecked(), { timeout: STEP_TIMEOUT_MS }).toBe(true);
    await expect
      .poll(async () => (await ben.get<{ new_tasks: boolean }>(`/api/projects/${projectId}/subscription`)).new_tasks)
      .toBe(true);
    await shot(benPage, "collab-every-new-task");

    const heard = await anaAddsTask("Print the programme");
    const notice = await benIsTold(heard.id);
    expect(notice.kind).toBe("task.created");
  });

  it("Ana edits her comment: it says edited, and its Markdown link opens in a new tab", async () => {
    const task = await createTask("Write the announcement");
    const panel = await openTask(anaPage, task.id);
    await panel.getByRole("combobox", { name: "Add a comment" }).fill("First draft is up.");
    await panel.getByRole("button", { name: "Comment", exact: true }).click();
    const comment = await visible(commentList(anaPage).getByRole("listitem").filter({ hasText: "First draft" }));

    await comment.getByRole("button", { name: /^Edit comment/ }).click();
    const editor = comment.getByRole("combobox", { name: "Edit comment" });
    await editor.fill(`First draft is up, see the [docs](${DOCS}).`);
    await comment.getByRole("button", { name: "Save", exact: true }).click();

    const link = await visible(comment.getByRole("link", { name: "docs", exact: true }));
    expect(await link.getAttribute("href")).toBe(DOCS);
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    const edited = await visible(comment.getByText("(edited)", { exact: true }));
    expect(await edited.getAttribute("title")).toMatch(/^Edited /);
    // The server has the new text and the edit's time.
    const saved = await ana.get<{ items: { body: string; edited_at: string | null }[] }>(
      `/api/tasks/${task.id}/comments`,
    );
    expect(saved.items[0]?.body).toBe(`First draft is up, see the [docs](${DOCS}).`);
    expect(saved.items[0]?.edited_at).not.toBeNull();
    await shot(anaPage, "collab-edited-comment");

    const [opened] = await Promise.all([anaContext.waitForEvent("page"), link.click()]);
    await opened.waitForURL(DOCS, { timeout: STEP_TIMEOUT_MS });
    expect(opened.url()).toBe(DOCS);
    await opened.close();
  });
});
