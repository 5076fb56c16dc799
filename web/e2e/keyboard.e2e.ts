// Keyboard control in a real browser: the "?" list, a task created, opened and moved to Done
// with keys alone, the Ctrl+K palette going places, and focus rings that show.
//
// After signing in nothing is clicked: every step below is page.keyboard.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { SHORTCUTS, ariaKeyShortcuts } from "../src/features/keyboard/shortcuts";
import { Person, type Project } from "./api";
import { STEP_TIMEOUT_MS, gone, launch, newContext, shot, takeCspViolations, visible } from "./browser";

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const kim = new Person("Kim Keys", `kim-${RUN}@example.com`, "correct horse battery staple");
const TITLE = `Sort the keyboard mail ${RUN}`;
const OTHER_PROJECT = `Garden plans ${RUN}`;

let browser: Browser;
let context: BrowserContext;
let page: Page;
let inbox: Project;
let garden: Project;

/** What has the keyboard focus: its tag, id, accessible bits and data-task-* marks. */
async function focused(p: Page) {
  return p.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return {
      tag: element?.tagName.toLowerCase() ?? "",
      id: element?.id ?? "",
      taskTitle: element?.dataset.taskTitle ?? null,
      inPanel: Boolean(element?.closest("[data-task-panel]")),
    };
  });
}

/** Polls `read` until `accept` holds (the server's view catching up with a key press). */
async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  const until = Date.now() + STEP_TIMEOUT_MS;
  let last: T = await read();
  while (!accept(last)) {
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    last = await read();
  }
  return last;
}

async function announced(p: Page, text: RegExp): Promise<void> {
  await visible(p.getByTestId("keyboard-announcer").filter({ hasText: text }), STEP_TIMEOUT_MS).catch(async () => {
    // The live region is visually hidden: wait on its text instead of its box.
    await p.waitForFunction(
      (source) =>
        new RegExp(source).test(document.querySelector("[data-testid=keyboard-announcer]")?.textContent ?? ""),
      text.source,
      { timeout: STEP_TIMEOUT_MS },
    );
  });
}

beforeAll(async () => {
  await kim.register();
  garden = await kim.post<Project>("/api/projects", { name: OTHER_PROJECT, description: "" });
  const found = await kim.projectNamed("Inbox");
  if (!found) throw new Error("a new account has no Inbox");
  inbox = found;
  browser = await launch();
  context = await newContext(browser);
  page = await context.newPage();
  await page.goto(`/projects/${inbox.id}`);
  await page.waitForURL((url) => url.pathname === "/signin");
  await page.getByLabel("E-mail").fill(kim.email);
  await page.getByLabel("Password").fill(kim.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByRole("button", { name: "Sign out" }));
  await page.waitForURL((url) => url.pathname === `/projects/${inbox.id}`);
  await visible(page.getByRole("heading", { level: 1, name: "Inbox" }));
});

afterEach(async (test) => {
  if (test.task.result?.state === "fail" && page && !page.isClosed()) {
    await shot(page, `failed/keyboard-${test.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, "-")}`).catch(
      () => undefined,
    );
  }
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe("keyboard control", () => {
  it("? opens the list of every shortcut, and Escape closes it", async () => {
    await page.keyboard.press("?");
    const dialog = await visible(page.getByRole("dialog", { name: "Keyboard shortcuts" }));
    for (const shortcut of SHORTCUTS) {
      await visible(dialog.getByRole("rowheader", { name: shortcut.label, exact: true }));
    }
    await shot(page, "keyboard-01-shortcuts");
    await page.keyboard.press("Escape");
    await gone(page.getByRole("dialog", { name: "Keyboard shortcuts" }));
  });

  it("a task is created, opened and moved to Done with the keyboard alone", async () => {
    // q: the quick add field, which names its keys.
    await page.keyboard.press("q");
    expect((await focused(page)).id).toBe("quick-add");
    expect(await page.locator("#quick-add").getAttribute("aria-keyshortcuts")).toBe(ariaKeyShortcuts("quick-add"));
    await page.keyboard.type(TITLE);
    await page.keyboard.press("Enter");
    const created = await eventually(
      () => kim.taskTitled(inbox.id, TITLE),
      (task) => task !== undefined,
      "the task typed into quick add",
    );
    await visible(page.locator(`[data-task-open="${created?.id}"]`));

    // Escape leaves the field; j moves along the tasks until the new one has the focus.
    await page.keyboard.press("Escape");
    expect((await focused(page)).tag).toBe("body");
    for (let step = 0; step < 30 && (await focused(page)).taskTitle !== TITLE; step++) {
      await page.keyboard.press("j");
    }
    expect((await focused(page)).taskTitle).toBe(TITLE);

    // Enter opens it in the panel, which takes the focus.
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.searchParams.get("task") === created?.id);
    await visible(page.getByRole("region", { name: "Task details" }));
    await page.waitForFunction(() => Boolean(document.activeElement?.closest("[data-task-panel]")));

    // 4 (the fourth column, Done) changes the open task's status, and says so.
    await page.keyboard.press("4");
    await eventually(
      () => kim.task(created?.id ?? ""),
      (task) => task.status === "done",
      "the task's status on the server",
    );
    await announced(page, /^Status: Done/);
    // s then 2 works as well (In progress), and back to Done with s 4.
    await page.keyboard.press("s");
    await page.keyboard.press("2");
    await eventually(
      () => kim.task(created?.id ?? ""),
      (task) => task.status === "in_progress",
      "s 2",
    );
    await page.keyboard.press("s");
    await page.keyboard.press("4");
    await eventually(
      () => kim.task(created?.id ?? ""),
      (task) => task.status === "done",
      "s 4",
    );
    await shot(page, "keyboard-02-done");

    // Escape closes the panel and gives the focus back to the task's row.
    await page.keyboard.press("Escape");
    await gone(page.getByRole("region", { name: "Task details" }));
    await page.waitForFunction(
      (title) => (document.activeElement as HTMLElement | null)?.dataset.taskTitle === title,
      TITLE,
    );
  });

  it("Ctrl+K opens the palette, which goes to a project by name and to My tasks", async () => {
    await page.keyboard.press("Control+k");
    const palette = await visible(page.getByRole("dialog", { name: "Command palette" }));
    await visible(palette.getByRole("combobox"));
    await page.keyboard.type("garden plans");
    await visible(palette.getByRole("option", { name: OTHER_PROJECT }));
    await shot(page, "keyboard-03-palette");
    await page.keyboard.press("Enter");
    await gone(page.getByRole("dialog", { name: "Command palette" }));
    await page.waitForURL((url) => url.pathname === `/projects/${garden.id}`);
    await visible(page.getByRole("heading", { level: 1, name: OTHER_PROJECT }));

    await page.keyboard.press("Control+k");
    await visible(page.getByRole("dialog", { name: "Command palette" }));
    await page.keyboard.type("my tasks");
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.pathname === "/my");

    // g i comes back to the Inbox.
    await page.keyboard.press("g");
    await page.keyboard.press("i");
    await page.waitForURL((url) => url.pathname === `/projects/${inbox.id}`);
  });

  it("every control of the filter bar shows a focus ring when tabbed to", async () => {
    await visible(page.getByRole("search", { name: "Filter tasks" }));
    // / puts the focus in the search field; Tab goes on through the filters.
    await page.keyboard.press("/");
    expect((await focused(page)).id).toBe("task-search");
    expect(await page.locator("#task-search").getAttribute("aria-keyshortcuts")).toBe(ariaKeyShortcuts("search"));
    const seen: { name: string; ring: boolean }[] = [];
    for (let step = 0; step < 20; step++) {
      const state = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        if (!element?.closest("[role=search]")) return null;
        const style = getComputedStyle(element);
        const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
        const shadow = style.boxShadow !== "none" && style.boxShadow !== "";
        const name =
          element.getAttribute("aria-label") ||
          (element.id && document.querySelector(`label[for="${element.id}"]`)?.textContent) ||
          element.textContent ||
          element.tagName;
        return { name: `${element.tagName.toLowerCase()} ${name.trim().slice(0, 40)}`, ring: outline || shadow };
      });
      if (!state) break;
      seen.push(state);
      await page.keyboard.press("Tab");
    }
    // The search field, sort, status, priority, assignee, label and due controls at least.
    expect(seen.length).toBeGreaterThanOrEqual(7);
    expect(seen.filter((control) => !control.ring)).toEqual([]);
  });

  it("every control tabbed to on the project page shows a focus ring", async () => {
    await page.keyboard.press("Escape");
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const missing: string[] = [];
    let first: string | null = null;
    for (let step = 0; step < 60; step++) {
      await page.keyboard.press("Tab");
      const state = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        if (!element || element === document.body) return null;
        const style = getComputedStyle(element);
        const ring =
          (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) ||
          (style.boxShadow !== "none" && style.boxShadow !== "");
        const label = (element.getAttribute("aria-label") || element.textContent || element.id || "").trim();
        const path = `${element.tagName.toLowerCase()}#${element.id}:${label.slice(0, 40)}`;
        return { path, ring };
      });
      if (!state) continue;
      if (state.path === first) break; // Round the page once.
      first ??= state.path;
      if (!state.ring) missing.push(state.path);
    }
    expect(missing).toEqual([]);
  });
});
