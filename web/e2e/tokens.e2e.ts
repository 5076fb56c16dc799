// Personal access tokens in a real browser: Ana creates one in Settings with the tasks:read
// scope, sees its secret once, and a script (this test, from node) reads her tasks with it.
// She revokes it in Settings, and the same call is refused at once.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { Person } from "./api";
import { BASE_URL, launch, newContext, shootFailure, shot, signIn, takeCspViolations, visible, gone } from "./browser";

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PASSWORD = "correct horse battery staple"; // pragma: allowlist secret (a test account's)
const ana = new Person("Ana Lima", `ana-tokens-${RUN}@example.com`, PASSWORD);

let browser: Browser;
let context: BrowserContext;
let page: Page;

const listTasks = (token: string) =>
  fetch(`${BASE_URL}/api/tasks`, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } });

beforeAll(async () => {
  await ana.register();
  browser = await launch();
  context = await newContext(browser);
  page = await context.newPage();
  await signIn(page, ana);
});

afterEach(async (test) => {
  if (test.task.result?.state === "fail") await shootFailure("tokens", test.task.name, { ana: page });
});

// Nothing the app did was refused by the gateway's Content-Security-Policy.
afterEach(() => {
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe("personal access tokens", () => {
  it("creates a token whose secret, shown once, reads tasks from a script until it is revoked", async () => {
    await page.goto("/settings");
    const form = await visible(page.getByRole("form", { name: "Create a personal access token" }));
    await form.getByLabel("Token name").fill("Nightly report");
    await form.getByRole("checkbox", { name: /^tasks:read/ }).check();
    await form.getByLabel("Expires").selectOption({ label: "In 30 days" });
    await form.getByRole("button", { name: "Create token" }).click();

    const shown = await visible(page.getByRole("region", { name: "New personal access token" }));
    const token = await shown.getByLabel("Token").inputValue();
    expect(token).toMatch(/^tfp_[0-9A-Za-z]{42}$/);
    await visible(shown.getByRole("button", { name: "Copy token" }));
    const list = page.getByRole("list", { name: "Your personal access tokens" });
    await visible(list.getByText("Nightly report", { exact: true }));
    await shot(page, "token-created");

    const allowed = await listTasks(token);
    expect(allowed.status, await allowed.clone().text()).toBe(200);

    // Put away, the secret is not shown again.
    await shown.getByRole("button", { name: "Done" }).click();
    await page.reload();
    await visible(list.getByText("Nightly report", { exact: true }));
    expect(await page.getByLabel("Token", { exact: true }).count()).toBe(0);

    await list.getByRole("button", { name: "Revoke" }).click();
    const dialog = await visible(page.getByRole("dialog", { name: "Revoke personal access token" }));
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await gone(list.getByText("Nightly report", { exact: true }));

    const refused = await listTasks(token);
    expect(refused.status).toBe(401);
  });
});
