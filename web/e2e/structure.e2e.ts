// The structure of a task in a real browser: Ana breaks "Paint the shed" into two subtasks with
// the panel's quick add, ticks one, and the task's row in the list shows 1/2 (the API agrees);
// then she attaches a 2 MiB picture through the upload form the API hands out, watches its
// progress bar reach 100, and finds it listed with a preview that the browser draws and a link
// that downloads the same bytes.
import { readFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";

import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { Person, type Task } from "./api";
import { STEP_TIMEOUT_MS, launch, newContext, shootFailure, shot, signIn, takeCspViolations, visible } from "./browser";

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PASSWORD = "correct horse battery staple"; // pragma: allowlist secret (a test account's)
const ana = new Person("Ana Lima", `ana-structure-${RUN}@example.com`, PASSWORD);
const PROJECT = "Garden shed";
const PARENT = "Paint the shed";
const FILE_BYTES = 2 * 1024 * 1024;
// Upload and check 2 MiB: longer than a click.
const UPLOAD_TIMEOUT_MS = 30_000;

interface Counted extends Task {
  parent_id: string | null;
  subtask_count: number;
  subtasks_done: number;
}

interface Attachment {
  id: string;
  filename: string;
  content_type: string;
  size: number;
  download_url: string | null;
}

let browser: Browser;
let context: BrowserContext;
let page: Page;
let projectId = "";
let parentId = "";

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A PNG of exactly `bytes` bytes: a 64x64 picture (a gradient, so a drawn preview is not blank)
 * padded with a private ancillary chunk, which decoders skip.
 */
function pngOfSize(bytes: number): Buffer {
  const side = 64;
  const rows: Buffer[] = [];
  for (let y = 0; y < side; y += 1) {
    const row = Buffer.alloc(1 + side * 3);
    for (let x = 0; x < side; x += 1) row.set([x * 4, y * 4, 160], 1 + x * 3);
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const parts = [signature, chunk("IHDR", header), chunk("IDAT", deflateSync(Buffer.concat(rows)))];
  const end = chunk("IEND", Buffer.alloc(0));
  const used = parts.reduce((sum, part) => sum + part.length, 0) + end.length + 12;
  const padding = Buffer.alloc(bytes - used, 0x5a);
  return Buffer.concat([...parts, chunk("teSt", padding), end]);
}

function panel(): Locator {
  return page.getByRole("region", { name: "Task details", exact: true });
}

beforeAll(async () => {
  await ana.register();
  projectId = (await ana.post<{ id: string }>("/api/projects", { name: PROJECT })).id;
  parentId = (await ana.post<Task>("/api/tasks", { project_id: projectId, title: PARENT })).id;

  browser = await launch();
  context = await newContext(browser, { acceptDownloads: true });
  page = await context.newPage();
  await signIn(page, ana);
});

afterEach(async (test) => {
  if (test.task.result?.state === "fail") await shootFailure("structure", test.task.name, { ana: page });
});

// Nothing the app did was refused by the gateway's Content-Security-Policy.
afterEach(() => {
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe("the structure of a task", () => {
  it("quick-adds two subtasks, ticks one, and the task's row shows 1/2", async () => {
    await page.goto(`/projects/${projectId}?task=${parentId}`);
    const subtasks = await visible(panel().getByRole("region", { name: "Subtasks" }));
    const field = subtasks.getByRole("textbox", { name: "Add a subtask" });
    await field.fill("Buy paint");
    await field.press("Enter");
    await expect.poll(() => field.inputValue(), { timeout: STEP_TIMEOUT_MS }).toBe("");
    await field.fill("Sand the walls");
    await field.press("Enter");

    const checklist = subtasks.getByRole("list", { name: "Subtasks" });
    await visible(checklist.getByRole("link", { name: "Sand the walls" }));
    await visible(checklist.getByRole("link", { name: "Buy paint" }));
    await checklist.getByRole("checkbox", { name: "Mark Buy paint done" }).check();
    await visible(
      subtasks.getByRole("progressbar", { name: "Subtasks done" }).and(page.locator('[aria-valuenow="1"]')),
    );

    // The list beside the panel: the parent's row says 1 of 2.
    const row = page
      .getByRole("list", { name: "Tasks" })
      .getByRole("listitem")
      .filter({
        has: page.getByRole("button", { name: PARENT, exact: true }),
      });
    await visible(row.getByText("1/2", { exact: true }));
    await subtasks.scrollIntoViewIfNeeded();
    await shot(page, "structure-subtasks");

    const parent = await ana.get<Counted>(`/api/tasks/${parentId}`);
    expect(parent).toMatchObject({ subtask_count: 2, subtasks_done: 1 });
    const children = await ana.get<{ items: Counted[] }>(`/api/tasks?parent_id=${parentId}&sort=created`);
    expect(children.items.map((task) => [task.title, task.status])).toEqual([
      ["Buy paint", "done"],
      ["Sand the walls", "todo"],
    ]);

    // A subtask opens in the panel, with a link back up.
    await checklist.getByRole("link", { name: "Sand the walls" }).click();
    await visible(panel().getByText("Subtask of"));
    await panel().getByRole("link", { name: PARENT }).click();
    await visible(panel().getByRole("region", { name: "Subtasks" }));
  });

  it("uploads a 2 MiB picture with its progress, lists it with a preview, and downloads it byte for byte", async () => {
    const picture = pngOfSize(FILE_BYTES);
    expect(picture.length).toBe(FILE_BYTES);
    await page.goto(`/projects/${projectId}?task=${parentId}`);
    const files = await visible(panel().getByRole("region", { name: /^Attachments/ }));

    // Every value the upload's progress bar takes, however quickly it goes by.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { uploadProgress: number[] }).uploadProgress = seen;
      const note = (node: Element) => {
        if (node.getAttribute("role") === "progressbar" && node.getAttribute("aria-label")?.startsWith("Uploading")) {
          seen.push(Number(node.getAttribute("aria-valuenow")));
        }
      };
      new MutationObserver((records) => {
        for (const record of records) {
          if (record.type === "attributes" && record.target instanceof Element) note(record.target);
          record.addedNodes.forEach((added) => {
            if (!(added instanceof Element)) return;
            note(added);
            added.querySelectorAll("[role=progressbar]").forEach(note);
          });
        }
      }).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ["aria-valuenow"],
      });
    });

    await files.getByLabel("Attach files").setInputFiles({ name: "shed.png", mimeType: "image/png", buffer: picture });
    const link = files.getByRole("list", { name: "Attachments" }).getByRole("link", { name: "shed.png", exact: true });
    await visible(link, UPLOAD_TIMEOUT_MS);
    const progress = await page.evaluate(() => (window as unknown as { uploadProgress: number[] }).uploadProgress);
    expect(progress.length, "the progress bar showed").toBeGreaterThan(0);
    expect(Math.max(...progress)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    // The preview is drawn (a 64x64 picture), not a broken image.
    const preview = files.getByRole("img", { name: "Preview of shed.png" });
    await expect
      .poll(() => preview.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth), {
        timeout: STEP_TIMEOUT_MS,
      })
      .toBe(64);
    await files.scrollIntoViewIfNeeded();
    await shot(page, "structure-attachments");

    const listed = await ana.get<{ items: Attachment[] }>(`/api/tasks/${parentId}/attachments`);
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ filename: "shed.png", content_type: "image/png", size: FILE_BYTES });

    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("shed.png");
    const saved = await download.path();
    expect(readFileSync(saved).equals(picture), "the downloaded bytes are the uploaded ones").toBe(true);
  });
});
