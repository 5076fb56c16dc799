// Import and export in a real browser: Dan uploads a small Trello board on the Import screen,
// watches the import finish, reads each card's result, opens the new project and sees its
// tasks; then exports the project as JSON and as CSV and reads the files the browser saved.
import { readFile } from "node:fs/promises";

import type { Browser, BrowserContext, Download, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { Person } from "./api";
import {
  DESKTOP,
  LIVE_TIMEOUT_MS,
  PHONE,
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
const dan = new Person("Dan Reyes", `dan-import-${RUN}@example.com`, PASSWORD);
const BOARD = `Garden ${RUN}`;

// A Trello board export cut down to what the importer reads.
const board = {
  id: "6571a0c2e4b0a1b2c3d4e5f6",
  name: BOARD,
  desc: "Spring jobs.",
  labels: [{ id: "l1", name: "Outdoor", color: "green" }],
  lists: [
    { id: "list-todo", name: "To do", closed: false },
    { id: "list-done", name: "Done", closed: false },
  ],
  members: [],
  cards: [
    {
      id: "c1",
      shortLink: "aaaa1111",
      name: "Plant tomatoes",
      desc: "Six plants.",
      idList: "list-todo",
      idLabels: ["l1"],
      due: "2026-12-20T17:00:00.000Z",
      dueComplete: false,
      closed: false,
      idMembers: [],
    },
    {
      id: "c2",
      shortLink: "bbbb2222",
      name: "Fix the fence",
      desc: "",
      idList: "list-done",
      idLabels: [],
      due: null,
      dueComplete: false,
      closed: false,
      idMembers: [],
    },
    {
      id: "c3",
      shortLink: "cccc3333",
      name: "Order seeds",
      desc: "",
      idList: "list-todo",
      idLabels: [],
      due: null,
      dueComplete: false,
      closed: false,
      idMembers: [],
    },
  ],
  checklists: [],
  actions: [
    {
      id: "a1",
      type: "commentCard",
      date: "2026-12-01T08:15:00.000Z",
      data: { text: "Cherry ones.", card: { id: "c1" } },
      memberCreator: { id: "m1", fullName: "Dan Reyes", username: "dan" },
    },
  ],
};
const TITLES = ["Plant tomatoes", "Fix the fence", "Order seeds"];

let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await dan.register();
  browser = await launch();
  context = await newContext(browser, { acceptDownloads: true });
  page = await context.newPage();
  await signIn(page, dan);
});

afterEach(async (test) => {
  if (test.task.result?.state === "fail") await shootFailure("import-export", test.task.name, { dan: page });
});

// Nothing the app did was refused by the gateway's Content-Security-Policy.
afterEach(() => {
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

async function saved(download: Download): Promise<{ name: string; text: string }> {
  const path = await download.path();
  return { name: download.suggestedFilename(), text: await readFile(path, "utf8") };
}

describe("import and export", () => {
  it("imports a Trello board, shows its progress and each card's result, and opens the project", async () => {
    await page.getByRole("link", { name: "Import", exact: true }).click();
    await visible(page.getByRole("heading", { name: "Import a project" }));
    await page.getByLabel("File", { exact: true }).setInputFiles({
      name: "garden.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(board)),
    });
    await page.getByRole("button", { name: "Import", exact: true }).click();

    const view = await visible(page.getByRole("region", { name: "Import of garden.json" }));
    await visible(view.getByRole("progressbar", { name: "Import progress" }));
    await visible(view.getByText(/^Done: 3 tasks created\./), LIVE_TIMEOUT_MS);
    await visible(view.getByText("3 of 3 items"));
    const items = view.getByRole("list", { name: "Imported items" });
    expect(await items.getByRole("listitem").allTextContents()).toEqual(
      TITLES.map((title) => expect.stringContaining(title)),
    );
    await visible(page.getByRole("list", { name: "Recent imports" }).getByRole("link", { name: "garden.json" }));
    await shot(page, "import-done");
    await page.setViewportSize(PHONE);
    await shot(page, "import-done-phone");
    await page.setViewportSize(DESKTOP);

    await view.getByRole("link", { name: `Open the project “${BOARD}”` }).click();
    await visible(page.getByRole("heading", { name: BOARD, level: 1 }));
    for (const title of TITLES) await visible(page.getByText(title, { exact: true }).first());

    // The same file again is the same import, said so.
    await page.goto("/import");
    await page.getByLabel("File", { exact: true }).setInputFiles({
      name: "garden.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(board)),
    });
    await page.getByRole("button", { name: "Import", exact: true }).click();
    await visible(page.getByText(/You imported this file before/));
  });

  it("exports the project as JSON and as CSV, downloaded under the project's name", async () => {
    const project = await dan.projectNamed(BOARD);
    expect(project).toBeDefined();
    await page.goto(`/projects/${project?.id}/settings`);
    const section = await visible(page.getByRole("region", { name: "Export" }));

    const [json] = await Promise.all([
      page.waitForEvent("download"),
      section.getByRole("button", { name: "Export as JSON" }).click(),
    ]);
    const exported = await saved(json);
    expect(exported.name).toBe(`${BOARD}.json`);
    const document = JSON.parse(exported.text) as {
      format: string;
      project: { name: string };
      tasks: { title: string; labels: string[]; comments: { body: string }[] }[];
    };
    expect(document.format).toBe("taskflow.project");
    expect(document.project.name).toBe(BOARD);
    expect(document.tasks.map((task) => task.title).sort()).toEqual([...TITLES].sort());
    const tomatoes = document.tasks.find((task) => task.title === "Plant tomatoes");
    // Labels are kept in lower case.
    expect(tomatoes?.labels).toEqual(["outdoor"]);
    expect(tomatoes?.comments.map((comment) => comment.body).join()).toContain("Cherry ones.");

    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      section.getByRole("button", { name: "Export as CSV" }).click(),
    ]);
    const table = await saved(csv);
    expect(table.name).toBe(`${BOARD}.csv`);
    const lines = table.text.trim().split(/\r?\n/);
    expect(lines[0]).toBe(
      "id,parent_id,title,description,status,priority,labels,due_at,due_date,assignee_email,creator_email,created_at,updated_at,completed_at,recurrence,recurrence_basis,comments",
    );
    for (const title of TITLES) expect(table.text).toContain(title);
  });
});
