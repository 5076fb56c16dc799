// Account links in a real browser, with the mail `taskflow dev` writes to its data folder:
// Cleo verifies her address from the registration mail, then forgets her password, asks for
// a link on the sign-in page, sets a new password from the mailed link (which ends her other
// sessions and works only once), and signs in with the new one.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { Person } from "./api";
import { PHONE, launch, newContext, shootFailure, shot, signIn, takeCspViolations, visible } from "./browser";
import { linkMailedTo } from "./mail";

const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const PASSWORD = "correct horse battery staple"; // pragma: allowlist secret (a test account's)
const NEW_PASSWORD = "a brand new passphrase"; // pragma: allowlist secret (a test account's)
const EMAIL = `cleo-accounts-${RUN}@example.com`;
const cleo = new Person("Cleo Martin", EMAIL, PASSWORD);

let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await cleo.register();
  browser = await launch();
  context = await newContext(browser);
  page = await context.newPage();
});

afterEach(async (test) => {
  if (test.task.result?.state === "fail") await shootFailure("accounts", test.task.name, { cleo: page });
});

// Nothing the app did was refused by the gateway's Content-Security-Policy.
afterEach(() => {
  expect(takeCspViolations(), "what the Content-Security-Policy refused").toEqual([]);
});

afterAll(async () => {
  await browser?.close();
});

describe("account links", () => {
  it("verifies the address with the registration mail's link, and Settings says so", async () => {
    await signIn(page, cleo);
    await page.goto("/settings");
    const profile = page.getByRole("region", { name: "Profile" });
    await visible(profile.getByText("Not verified", { exact: true }));
    await visible(profile.getByRole("button", { name: "Send the link again" }));
    await shot(page, "settings-not-verified");

    const { link } = await linkMailedTo(EMAIL, "verify-email");
    await page.goto(link);
    await visible(page.getByText(`${EMAIL} is verified`, { exact: false }));
    // The secret does not stay in the address bar.
    expect(new URL(page.url()).hash).toBe("");
    await shot(page, "verify-email");
    expect((await cleo.get<{ email_verified: boolean }>("/api/auth/me")).email_verified).toBe(true);

    await visible(page.getByRole("link", { name: "Go to TaskFlow" }));
    await page.goto("/settings");
    await visible(profile.getByText("Verified", { exact: true }));
    expect(await profile.getByRole("button", { name: "Send the link again" }).count()).toBe(0);
  });

  it("resets a forgotten password from the mailed link, ending other sessions, once", async () => {
    // Signed out, on a phone.
    const phone = await newContext(browser, { viewport: PHONE, isMobile: true, hasTouch: true });
    page = await phone.newPage();
    await page.goto("/signin");
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await visible(page.getByRole("heading", { name: "Forgot your password?" }));
    await page.getByLabel("E-mail").fill(EMAIL);
    await page.getByRole("button", { name: "Send me a link" }).click();
    await visible(page.getByRole("status").getByText(/a link to reset its password is on its way/));
    await shot(page, "forgot-password");

    const { link, file } = await linkMailedTo(EMAIL, "reset-password");
    await page.goto(link);
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    // The secret does not stay in the address bar.
    expect(new URL(page.url()).hash).toBe("");
    await page.getByLabel("Repeat the new password").fill(`${NEW_PASSWORD}!`);
    await page.getByRole("button", { name: "Change password" }).click();
    await visible(page.getByText("The two passwords are not the same."));
    await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
    await shot(page, "reset-password");
    await page.getByRole("button", { name: "Change password" }).click();

    await visible(page.getByRole("heading", { name: "Sign in to TaskFlow" }));
    await visible(page.getByText(/Password changed; sign in with the new one/));
    // The API session signed in before the reset has ended.
    await expect(cleo.get("/api/auth/me")).rejects.toMatchObject({ status: 401 });

    await signIn(page, { email: EMAIL, password: NEW_PASSWORD });

    // The link worked once.
    const again = await phone.newPage();
    await again.goto(link);
    await again.getByLabel("New password", { exact: true }).fill("yet another passphrase");
    await again.getByLabel("Repeat the new password").fill("yet another passphrase");
    await again.getByRole("button", { name: "Change password" }).click();
    await visible(again.getByRole("alert").getByText(/This link is not valid/));
    await visible(again.getByRole("link", { name: "Ask for a new link" }));
    expect(file).toMatch(/\.eml$/);
    await phone.close();
  });
});
