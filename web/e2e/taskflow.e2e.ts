// TaskFlow in a real browser, as two people use it together: Alice (A) runs a project and
// hands a task to Bruno (B), who is watching the app in a browser of his own.
//
// The steps run in order and share one story. Each step checks its own screen; when an
// earlier step could not leave the state it needs (a screen failed), the step sets that
// state up through the API instead, so every screen is judged on its own.
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { Person, type Task } from "./api";
import {
  LIVE_CHANGE_TIMEOUT_MS,
  LIVE_TIMEOUT_MS,
  PHONE,
  STEP_TIMEOUT_MS,
  backgroundLuminance,
  gone,
  launch,
  newContext,
  shot,
  startsWith,
  takeCspViolations,
  visible,
} from "./browser";

// Unique per run: the same server may hold the accounts of earlier runs.
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PASSWORD = "correct horse battery staple";
const alice = new Person("Alice Martin", `alice-${RUN}@example.com`, PASSWORD);
const bruno = new Person("Bruno Costa", `bruno-${RUN}@example.com`, PASSWORD);

const PROJECT = "Website launch";
const TASK = "Write the release notes";
const THEIR_TITLE = "Write the release notes for 2.0";
const KEYBOARD_TASK = "Book the launch venue";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const BELL_NAME = /^Notifications(, \d+ unread)?$/;

interface World {
  projectId?: string;
  taskId?: string;
  // Bruno's unread count, on the server and as his bell read it, just before the assignment.
  unreadBefore?: number;
  bellBefore?: string | null;
  // Alice's newest access token, as the browser received it.
  aliceAccessToken?: string;
}

const world: World = {};
let browser: Browser;
let aliceContext: BrowserContext;
let brunoContext: BrowserContext;
let alicePage: Page;
let brunoPage: Page;
const extraPages: Page[] = [];

// ---- how the screens are found: by role and the accessible names every screen keeps ------

function bell(page: Page): Locator {
  return page.getByRole("button", { name: BELL_NAME });
}

function taskPanel(page: Page): Locator {
  const name = "Task details";
  return page
    .getByRole("region", { name, exact: true })
    .or(page.getByRole("dialog", { name, exact: true }))
    .first();
}

function column(page: Page, label: string): Locator {
  return page.getByRole("region", { name: label, exact: true });
}

function card(within: Locator, title: string): Locator {
  const name = startsWith(title);
  return within
    .getByRole("button", { name })
    .or(within.getByRole("listitem", { name }))
    .or(within.getByRole("article", { name }))
    .or(within.getByRole("link", { name }))
    .first();
}

/** The visible text of a native select's chosen option (what a person reads). */
async function chosen(select: Locator): Promise<string> {
  return select.evaluate((element) =>
    element instanceof HTMLSelectElement ? (element.selectedOptions[0]?.textContent ?? "").trim() : "",
  );
}

/** Wait until the board's drag live region (a role="status") announces `text`. */
async function dragAnnouncement(page: Page, text: string): Promise<void> {
  // The region is visually hidden (1 px, clipped), so wait for it in the DOM, not on screen.
  await page.getByRole("status").filter({ hasText: text }).waitFor({ state: "attached" });
}

async function unreadShown(page: Page): Promise<number> {
  const name = (await bell(page).getAttribute("aria-label", { timeout: STEP_TIMEOUT_MS })) ?? "";
  return Number(/(\d+) unread/.exec(name)?.[1] ?? 0);
}

// ---- state an earlier step may not have left (set up through the API instead) -------------

async function ensureProject(): Promise<string> {
  if (world.projectId) return world.projectId;
  const project =
    (await alice.projectNamed(PROJECT)) ?? (await alice.post<{ id: string }>("/api/projects", { name: PROJECT }));
  world.projectId = project.id;
  return project.id;
}

async function ensureMember(): Promise<void> {
  const projectId = await ensureProject();
  const members = await alice.members(projectId);
  if (!members.some((member) => member.user_id === bruno.id)) {
    await alice.post(`/api/projects/${projectId}/members`, { email: bruno.email, role: "editor" });
  }
  // Bruno asks to hear of every new task there (members hear only of the tasks they watch).
  await bruno.put(`/api/projects/${projectId}/subscription`, { new_tasks: true });
}

async function ensureTask(): Promise<Task> {
  if (world.taskId) return alice.task(world.taskId);
  const projectId = await ensureProject();
  await ensureMember();
  const task =
    (await alice.taskTitled(projectId, TASK)) ??
    (await alice.post<Task>("/api/tasks", { project_id: projectId, title: TASK }));
  world.taskId = task.id;
  return task;
}

async function ensureAssigned(): Promise<Task> {
  const task = await ensureTask();
  return task.assignee_id === bruno.id ? task : alice.changeTask(task.id, { assignee_id: bruno.id });
}

async function ensureStatus(status: string): Promise<Task> {
  const task = await ensureAssigned();
  return task.status === status ? task : bruno.changeTask(task.id, { status });
}

/** Bruno's unread count once the task's creation has reached him, and what his bell says. */
async function noteBrunoBefore(): Promise<void> {
  await expect
    .poll(async () => (await bruno.notifications()).some((n) => n.message.includes(`created “${TASK}”`)), {
      timeout: LIVE_TIMEOUT_MS,
    })
    .toBe(true);
  const unread = await bruno.unreadCount();
  world.unreadBefore = unread;
  // Read without failing here: the bell is judged in its own step.
  const wanted = `Notifications, ${unread} unread`;
  // Until it shows that count (it arrives live), or plainly has no bell at all.
  const hasBell = await bell(brunoPage)
    .waitFor({ timeout: 3_000 })
    .then(() => true)
    .catch(() => false);
  if (hasBell) {
    await brunoPage
      .getByRole("button", { name: wanted, exact: true })
      .waitFor({ timeout: LIVE_TIMEOUT_MS })
      .catch(() => undefined);
  }
  world.bellBefore = hasBell
    ? await bell(brunoPage)
        .getAttribute("aria-label", { timeout: 1_000 })
        .catch(() => null)
    : null;
}

/**
 * Load `url` in a signed-in page and wait until the page has renewed its session. Every page
 * load trades the refresh cookie for a new one; leaving the page while that is in flight
 * would present the old cookie again, which the server takes for a stolen copy.
 */
async function load(page: Page, url?: string): Promise<void> {
  if (url === undefined) await page.reload();
  else await page.goto(url);
  await visible(page.getByRole("button", { name: "Sign out" }));
}

async function onProjectPage(page: Page, projectId: string): Promise<void> {
  if (!new URL(page.url()).pathname.startsWith(`/projects/${projectId}`)) await load(page, `/projects/${projectId}`);
}

/**
 * Open `wanted` signed out, sign in on the form the app sends us to, and check that it leads
 * back to `wanted`. Softly: if it does not, the step fails but goes there itself, so the
 * screen after it is still judged.
 */
async function signInOnTheWayTo(page: Page, person: Person, wanted: string): Promise<void> {
  await page.goto(wanted);
  await page.waitForURL((url) => url.pathname === "/signin");
  await page.getByLabel("E-mail").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Signed in, and a project's name heads the page (wherever the app went).
  await visible(page.getByRole("button", { name: "Sign out" }));
  await visible(page.getByRole("heading", { level: 1, name: /^(?!Loading)\S/ }));
  // "/" only ever passes on to a project: judge where the app comes to rest, given time to
  // reach the page asked for (if it never does, the soft check below says so).
  await page.waitForURL((url) => url.pathname + url.search === wanted).catch(() => undefined);
  await page.waitForURL((url) => url.pathname !== "/");
  const url = new URL(page.url());
  const landed = url.pathname + url.search;
  expect.soft(landed, `signing in led to ${landed}, not back to the page asked for`).toBe(wanted);
  if (landed !== wanted) await load(page, wanted);
}

// ---- the scenario --------------------------------------------------------------------------

beforeAll(async () => {
  browser = await launch();
  aliceContext = await newContext(browser);
  brunoContext = await newContext(browser);
  alicePage = await aliceContext.newPage();
  brunoPage = await brunoContext.newPage();
  // The access token lives only in the page's memory: note it as it arrives, to prove later
  // that signing out ends it too.
  alicePage.on("response", (response) => {
    if (/\/api\/auth\/(login|register|refresh)$/.test(new URL(response.url()).pathname) && response.ok()) {
      response
        .json()
        .then((body: { access_token?: string }) => {
          if (body.access_token) world.aliceAccessToken = body.access_token;
        })
        .catch(() => undefined);
    }
  });
});

afterEach(async (context) => {
  if (context.task.result?.state !== "fail") return;
  // What each browser showed when a step failed, beside the screenshots (not among them).
  const label = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, "-");
  const pages: [string, Page | undefined][] = [
    ["alice", alicePage],
    ["bruno", brunoPage],
    ...extraPages.map((page, index): [string, Page] => [`extra${index}`, page]),
  ];
  for (const [who, page] of pages) {
    if (page && !page.isClosed()) await shot(page, `failed/${label}-${who}`).catch(() => undefined);
  }
});

// Nothing the app did was refused by the gateway's Content-Security-Policy.
afterEach(() => {
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe("TaskFlow in the browser", () => {
  it("two people sign up, each in a browser of their own, and land in their Inbox", async () => {
    for (const [page, person] of [
      [brunoPage, bruno],
      [alicePage, alice],
    ] as const) {
      await page.goto("/signup");
      await page.getByLabel("Name", { exact: true }).fill(person.name);
      await page.getByLabel("E-mail").fill(person.email);
      await page.getByLabel("Password").fill(person.password);
      if (person === alice) await shot(page, "01-sign-up");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(new RegExp(`/projects/${UUID}$`));
      await visible(page.getByRole("button", { name: "Sign out" }));
      await person.signIn();
    }
    const inbox = await alice.projectNamed("Inbox");
    expect(new URL(alicePage.url()).pathname).toBe(`/projects/${inbox?.id}`);
    // Bruno's page stays open from here on: a reload would drop this mark. Toasts leave after
    // a few seconds, so the page keeps a note of every one it shows.
    await brunoPage.evaluate(() => {
      document.documentElement.dataset.openedBeforeTheAssignment = "yes";
      const seen = new Set<string>();
      (window as unknown as { seenToasts: Set<string> }).seenToasts = seen;
      new MutationObserver(() => {
        document.querySelectorAll("[data-sonner-toast]").forEach((toast) => seen.add(toast.textContent ?? ""));
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
  });

  it("Alice creates a project from the sidebar and lands on its task list", async () => {
    await alicePage.getByRole("button", { name: "New project" }).click();
    const dialog = alicePage.getByRole("dialog", { name: "New project" });
    await dialog.getByLabel("Project name").fill(PROJECT);
    await dialog.getByRole("button", { name: "Create project" }).click();
    await gone(dialog);

    await expect.poll(() => alice.projectNamed(PROJECT), { timeout: STEP_TIMEOUT_MS }).toBeDefined();
    const projectId = (await alice.projectNamed(PROJECT))?.id ?? "";
    world.projectId = projectId;
    await alicePage.waitForURL((url) => url.pathname === `/projects/${projectId}`);
    await visible(alicePage.getByRole("heading", { name: PROJECT }));
    await visible(alicePage.getByRole("navigation", { name: "Projects" }).getByRole("link", { name: PROJECT }));
    await visible(alicePage.getByRole("link", { name: "Inbox" }));
    await shot(alicePage, "02-project-list");
  });

  it("Alice adds Bruno as an editor on the project settings page", async () => {
    const projectId = await ensureProject();
    await onProjectPage(alicePage, projectId);
    await alicePage.getByRole("link", { name: "Project settings" }).click();
    await alicePage.waitForURL((url) => url.pathname === `/projects/${projectId}/settings`);
    await visible(alicePage.getByRole("heading", { name: "Project settings" }));

    await alicePage.getByLabel("E-mail to invite").fill(bruno.email);
    await alicePage.getByLabel("Role", { exact: true }).selectOption("editor");
    await alicePage.getByRole("button", { name: "Add member" }).click();

    const role = await visible(alicePage.getByLabel(`Role of ${bruno.name}`));
    expect(await chosen(role)).toMatch(/^editor$/i);
    await visible(alicePage.getByRole("button", { name: `Remove ${bruno.name}` }));
    const members = await alice.members(projectId);
    expect(members.find((member) => member.user_id === bruno.id)?.role).toBe("editor");
    await shot(alicePage, "03-project-settings-members");
  });

  it("Alice quick-adds a task and assigns it to Bruno in the task detail panel", async () => {
    const projectId = await ensureProject();
    await ensureMember();
    await load(alicePage, `/projects/${projectId}`);
    await visible(alicePage.getByRole("heading", { name: PROJECT }));
    await alicePage.getByLabel("New task").fill(TASK);
    await alicePage.getByRole("button", { name: "Add task" }).click();

    const list = alicePage.getByRole("list", { name: "Tasks" });
    const row = list
      .getByRole("button", { name: startsWith(TASK) })
      .or(list.getByRole("link", { name: startsWith(TASK) }));
    await visible(row.first());
    const created = await alice.taskTitled(projectId, TASK);
    expect(created?.status).toBe("todo");
    world.taskId = created?.id;

    await row.first().click();
    const panel = await visible(taskPanel(alicePage));
    expect(await panel.getByLabel("Title").inputValue()).toBe(TASK);
    await panel.getByLabel("Assignee").selectOption({ label: bruno.name });

    // Just before it is saved: what Bruno has, so his step can tell it rose.
    await noteBrunoBefore();
    await panel.getByRole("button", { name: "Save changes" }).click();
    await expect
      .poll(async () => (await alice.task(created?.id ?? "")).assignee_id, { timeout: STEP_TIMEOUT_MS })
      .toBe(bruno.id);
    expect(await chosen(panel.getByLabel("Assignee"))).toBe(bruno.name);
    await shot(alicePage, "04-task-detail");
  });

  it("Bruno's open page shows the bell count rise, the notification and a toast, without a reload", async () => {
    if (world.unreadBefore === undefined) {
      await ensureTask();
      await noteBrunoBefore();
    }
    const before = world.unreadBefore ?? 0;
    const task = await ensureAssigned();
    const message = `${alice.name} assigned you “${task.title}”`;

    await expect.poll(() => unreadShown(brunoPage), { timeout: LIVE_TIMEOUT_MS }).toBeGreaterThan(before);
    expect(world.bellBefore, "the bell before the assignment").toBe(`Notifications, ${before} unread`);
    const toasts = () => brunoPage.evaluate(() => [...(window as unknown as { seenToasts: Set<string> }).seenToasts]);
    await expect
      .poll(async () => (await toasts()).some((text) => text.includes(message)), { timeout: LIVE_TIMEOUT_MS })
      .toBe(true);
    const after = await bruno.unreadCount();
    await expect.poll(() => unreadShown(brunoPage), { timeout: STEP_TIMEOUT_MS }).toBe(after);
    // The count is visible too, not only spoken.
    expect(await bell(brunoPage).innerText()).toContain(String(after));

    await bell(brunoPage).click();
    const link = brunoPage.getByRole("link", { name: message });
    await visible(link);
    await visible(brunoPage.getByRole("button", { name: "Mark all as read" }));
    await shot(brunoPage, "06-bell-open");
    expect(await brunoPage.evaluate(() => document.documentElement.dataset.openedBeforeTheAssignment)).toBe("yes");

    await brunoPage.getByRole("button", { name: "Mark all as read" }).click();
    await expect.poll(() => bruno.unreadCount(), { timeout: STEP_TIMEOUT_MS }).toBe(0);
    await visible(brunoPage.getByRole("button", { name: "Notifications", exact: true }));

    // The notification leads to its task.
    if (!(await link.isVisible())) await bell(brunoPage).click();
    await link.click();
    await brunoPage.waitForURL(
      (url) => url.pathname === `/projects/${task.project_id}` && url.searchParams.get("task") === task.id,
    );
    const panel = await visible(taskPanel(brunoPage));
    expect(await panel.getByLabel("Title").inputValue()).toBe(task.title);
  });

  it("Bruno drags the task to Done on the board with the mouse", async () => {
    const task = await ensureAssigned();
    await onProjectPage(brunoPage, task.project_id);
    const close = brunoPage.getByRole("button", { name: "Close task details" });
    if (await close.isVisible()) await close.click();
    await brunoPage.getByRole("link", { name: "Board", exact: true }).click();
    await brunoPage.waitForURL((url) => url.searchParams.get("view") === "board");
    // The address changes first; the link is marked current once the page has rendered.
    await expect
      .poll(() => brunoPage.getByRole("link", { name: "Board", exact: true }).getAttribute("aria-current"))
      .toBe("page");

    const from = await visible(card(column(brunoPage, task.status === "todo" ? "To do" : "In progress"), task.title));
    const done = await visible(column(brunoPage, "Done"));
    const start = await from.boundingBox();
    const target = await done.boundingBox();
    if (!start || !target) throw new Error("the card or the Done column has no box on screen");
    const x = start.x + start.width / 2;
    const y = start.y + start.height / 2;
    await brunoPage.mouse.move(x, y);
    await brunoPage.mouse.down();
    // A few pixels first: pointer sensors start a drag only past a small distance.
    await brunoPage.mouse.move(x + 15, y + 5, { steps: 5 });
    await brunoPage.mouse.move(target.x + target.width / 2, Math.min(target.y + 120, target.y + target.height / 2), {
      steps: 25,
    });
    // Drop only once the board knows the card is over Done (it says so in its live region).
    await dragAnnouncement(brunoPage, `Task ${task.title} is over Done.`);
    await brunoPage.mouse.up();

    await visible(card(column(brunoPage, "Done"), task.title));
    await expect.poll(async () => (await bruno.task(task.id)).status, { timeout: STEP_TIMEOUT_MS }).toBe("done");
    await gone(card(column(brunoPage, "To do"), task.title));
    await shot(brunoPage, "05-board");
  });

  it("Alice reloads and sees the new status", async () => {
    const task = await ensureStatus("done");
    await load(alicePage, `/projects/${task.project_id}?task=${task.id}`);
    await load(alicePage);
    const panel = await visible(taskPanel(alicePage));
    await expect.poll(() => chosen(panel.getByLabel("Status")), { timeout: STEP_TIMEOUT_MS }).toBe("Done");
    expect(await panel.getByLabel("Title").inputValue()).toBe(task.title);
  });

  it("a change to the title Alice is editing shows beside hers, and she can take it instead of saving over it", async () => {
    const task = await ensureTask();
    const panel = taskPanel(alicePage);
    if (!(await panel.isVisible())) await load(alicePage, `/projects/${task.project_id}?task=${task.id}`);
    const title = (await visible(panel)).getByLabel("Title");
    await expect.poll(() => title.inputValue(), { timeout: STEP_TIMEOUT_MS }).toBe(task.title);

    // Alice starts her edit; Bruno changes the title meanwhile, and it reaches her panel live.
    await title.fill(`${TASK} (draft)`);
    await bruno.changeTask(task.id, { title: THEIR_TITLE });
    const note = panel.getByRole("note").filter({ hasText: `${bruno.name} changed this to` });
    await visible(note, LIVE_CHANGE_TIMEOUT_MS);
    expect(await note.innerText()).toContain(`${bruno.name} changed this to “${THEIR_TITLE}”`);
    expect(await title.inputValue()).toBe(`${TASK} (draft)`);

    // Saving waits for her choice: nothing lands on top of his.
    await panel.getByRole("button", { name: "Save changes" }).click();
    await visible(panel.getByText(/choose “Use theirs” or “Keep mine” there first/));
    expect((await alice.task(task.id)).title).toBe(THEIR_TITLE);

    await note.getByRole("button", { name: "Use theirs" }).click();
    await expect.poll(() => title.inputValue(), { timeout: STEP_TIMEOUT_MS }).toBe(THEIR_TITLE);
    expect(await panel.getByRole("button", { name: "Save changes" }).isDisabled()).toBe(true);
    expect((await alice.task(task.id)).title).toBe(THEIR_TITLE);
  });

  it("a card moves to the next column with the keyboard alone (Space, ArrowRight, Space)", async () => {
    const projectId = await ensureProject();
    const task =
      (await alice.taskTitled(projectId, KEYBOARD_TASK)) ??
      (await alice.post<Task>("/api/tasks", { project_id: projectId, title: KEYBOARD_TASK }));
    await load(alicePage, `/projects/${projectId}?view=board`);
    const item = await visible(card(column(alicePage, "To do"), KEYBOARD_TASK));
    await item.focus();
    await alicePage.keyboard.press("Space");
    // Lifted: the board shows the card's drag preview.
    await visible(alicePage.locator("[data-drag-preview]"));
    await alicePage.keyboard.press("ArrowRight");
    await dragAnnouncement(alicePage, `Task ${KEYBOARD_TASK} is over In progress.`);
    await alicePage.keyboard.press("Space");

    await visible(card(column(alicePage, "In progress"), KEYBOARD_TASK));
    await expect.poll(async () => (await alice.task(task.id)).status, { timeout: STEP_TIMEOUT_MS }).toBe("in_progress");
  });

  it("the settings pages show the profile, password, e-mail notifications and webhooks", async () => {
    await alicePage.getByRole("link", { name: alice.name }).click();
    await alicePage.waitForURL((url) => url.pathname === "/settings");
    await visible(alicePage.getByRole("heading", { name: "Profile" }));
    await visible(alicePage.getByRole("heading", { name: "Password" }));
    expect(await alicePage.getByLabel("Name", { exact: true }).inputValue()).toBe(alice.name);
    expect(await alicePage.getByLabel("E-mail").inputValue()).toBe(alice.email);
    await visible(alicePage.getByLabel("Current password"));
    await visible(alicePage.getByLabel("New password"));
    await visible(alicePage.getByRole("button", { name: "Save profile" }));
    await visible(alicePage.getByRole("button", { name: "Change password" }));
    await shot(alicePage, "07-settings");

    await load(alicePage, "/settings/notifications");
    await visible(alicePage.getByRole("heading", { name: "E-mail notifications" }));
    await visible(alicePage.getByRole("heading", { name: "Webhooks" }));
    await shot(alicePage, "08-notification-settings");
  });

  it("on a phone, signing in leads back to the page asked for, laid out without sideways scrolling", async () => {
    const projectId = await ensureProject();
    const task = await ensureTask();
    const phone = await newContext(browser, { viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    extraPages.push(page);
    await signInOnTheWayTo(page, alice, `/projects/${projectId}`);
    await visible(page.getByRole("heading", { name: PROJECT }));
    await visible(
      page
        .getByRole("list", { name: "Tasks" })
        .getByRole("button", { name: startsWith(task.title) })
        .or(page.getByRole("list", { name: "Tasks" }).getByRole("link", { name: startsWith(task.title) }))
        .first(),
    );
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, "page width at 390 px").toBeLessThanOrEqual(PHONE.width);
    await shot(page, "09-phone-list");

    // The sidebar is a drawer on a phone.
    const projects = page.getByRole("navigation", { name: "Projects" });
    expect(await projects.isVisible()).toBe(false);
    await page.getByRole("button", { name: "Open projects" }).click();
    await visible(projects.getByRole("link", { name: PROJECT }));
    await phone.close();
  });

  it("the board reads well in dark mode", async () => {
    const task = await ensureStatus("done");
    const dark = await newContext(browser, { colorScheme: "dark" });
    const page = await dark.newPage();
    extraPages.push(page);
    await signInOnTheWayTo(page, bruno, `/projects/${task.project_id}?view=board`);
    await visible(card(column(page, "Done"), task.title));
    expect(await backgroundLuminance(page), "page background luminance").toBeLessThan(0.1);
    await shot(page, "10-dark-board");
    await dark.close();
  });

  it("signing out ends the session: back and reload land on sign-in, and the old refresh cookie is refused", async () => {
    await load(alicePage, "/");
    const cookie = (await aliceContext.cookies()).find((c) => c.name === "taskflow_refresh");
    expect(cookie?.value, "the refresh cookie while signed in").toBeTruthy();
    expect(cookie?.httpOnly).toBe(true);
    const accessToken = world.aliceAccessToken;
    expect(accessToken, "the access token the page was given").toBeTruthy();

    await alicePage.getByRole("button", { name: "Sign out" }).click();
    await alicePage.waitForURL((url) => url.pathname === "/signin");
    await alicePage.goBack();
    await alicePage.waitForURL((url) => url.pathname === "/signin");
    await visible(alicePage.getByRole("button", { name: "Sign in" }));
    // A reload the app's own redirect supersedes is aborted; where it ends up is what counts.
    await alicePage.reload().catch((error: unknown) => {
      if (!String(error).includes("ERR_ABORTED")) throw error;
    });
    await alicePage.waitForURL((url) => url.pathname === "/signin");
    await visible(alicePage.getByRole("button", { name: "Sign in" }));
    // Nothing sensitive is left behind in the page's storage either.
    const stored = await alicePage.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toContain("eyJ");
    expect(stored).not.toContain(cookie?.value ?? "never stored");

    // The browser dropped the cookie; put the old one back: the server refuses it.
    expect((await aliceContext.cookies()).find((c) => c.name === "taskflow_refresh" && c.value)).toBeUndefined();
    if (cookie) await aliceContext.addCookies([cookie]);
    const refreshed = await alicePage.evaluate(async () => {
      const response = await fetch("/api/auth/refresh", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      return response.status;
    });
    expect(refreshed).toBe(401);
    const me = await fetch(new URL("/api/auth/me", alicePage.url()), {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(me.status, "the signed-out session's access token").toBe(401);
  });

  it("the app runs under a policy that refuses inline code, and each refusal is heard", async () => {
    const page = await aliceContext.newPage();
    const response = await page.goto("/signin");
    const policy = response?.headers()["content-security-policy"] ?? "";
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain("unsafe");
    // The control for the check after each step: code slipped into the page is refused, and
    // the refusal reaches the test.
    const ran = await page.evaluate(() => {
      const style = document.createElement("style");
      style.textContent = "body { outline: 3px solid red }";
      document.head.append(style);
      const script = document.createElement("script");
      script.textContent = "document.body.dataset.inlineScriptRan = 'yes'";
      document.head.append(script);
      return document.body.dataset.inlineScriptRan === "yes";
    });
    expect(ran, "an inline script ran").toBe(false);
    const refused: string[] = [];
    await expect
      .poll(
        () => {
          refused.push(...takeCspViolations());
          return refused.join("\n");
        },
        { timeout: STEP_TIMEOUT_MS },
      )
      .toMatch(/style-src-elem[\s\S]*script-src-elem|script-src-elem[\s\S]*style-src-elem/);
    await page.close();
  });
});
