// Debian's Chromium driven by playwright-core (browser downloads are not used), and the
// small helpers every end-to-end test shares: the base URL, contexts, screenshots, waits.
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";

import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Locator,
  type Page,
} from "playwright-core";

/** Where the TaskFlow under test answers (a running `taskflow dev`). */
export const BASE_URL = (process.env.TASKFLOW_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");

export const SCREENSHOTS = resolve(process.env.TASKFLOW_SCREENSHOTS ?? "../test-output/screenshots");

// How long one UI step may wait for the page to reach the state it expects.
export const STEP_TIMEOUT_MS = 10_000;
// Live notifications travel outbox -> broker -> stream: give them longer than a click.
export const LIVE_TIMEOUT_MS = 15_000;
// A team change shows on the other person's open page within this (the promise the app makes;
// measured from the writer's answer).
export const LIVE_CHANGE_TIMEOUT_MS = 2_000;

export const DESKTOP = { width: 1440, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

// What a page logs for each thing its Content-Security-Policy refused (see newContext).
const CSP_VIOLATION = "taskflow: Content-Security-Policy refused";
const violations: string[] = [];

/** A fresh context (its own cookies: a separate person or device) on the app's origin. */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    viewport: DESKTOP,
    locale: "en-GB",
    timezoneId: "UTC",
    ...options,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS * 2);
  // The app runs under the gateway's policy: every refusal is noted, and takeCspViolations
  // hands them to the test (init scripts are the browser's own, outside the page's policy).
  await context.addInitScript((mark: string) => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const where = event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : "";
      console.error(`${mark} ${event.effectiveDirective}: ${event.blockedURI || "inline"}${where}`);
    });
  }, CSP_VIOLATION);
  context.on("console", (message) => {
    const text = message.text();
    if (text.startsWith(CSP_VIOLATION) || text.includes("violates the following Content Security Policy")) {
      violations.push(`${message.page()?.url() ?? "?"}: ${text}`);
    }
  });
  return context;
}

/** The Content-Security-Policy refusals every context reported since the last call. */
export function takeCspViolations(): string[] {
  return violations.splice(0);
}

// The tallest picture a screenshot grows to (a long page is cut there).
const MAX_SHOT_HEIGHT = 2400;

/** A PNG of the whole page named for what it shows, under $TASKFLOW_SCREENSHOTS. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = resolve(SCREENSHOTS, `${name}.png`);
  // Let transitions (toasts, popovers, dialogs) settle so the picture shows the end state.
  await settled(page);
  // The app scrolls inside <main>, which a full-page screenshot does not unroll: make the
  // window as tall as main's content for the picture, then give it its size back.
  const size = page.viewportSize();
  const needed = await page.evaluate(() => {
    const main = document.querySelector("main");
    return main ? Math.ceil(main.getBoundingClientRect().top + main.scrollHeight) : 0;
  });
  const grow = size !== null && needed > size.height;
  if (grow) await page.setViewportSize({ width: size.width, height: Math.min(needed, MAX_SHOT_HEIGHT) });
  try {
    await page.screenshot({ path, fullPage: true, animations: "disabled" });
  } finally {
    if (grow) await page.setViewportSize(size);
  }
  return path;
}

/**
 * Wait until every finite CSS animation and transition on the page has finished (endless
 * ones, like a loading pulse, never do and are left running), including any started by the
 * frame about to be painted.
 */
export async function settled(page: Page, timeout = STEP_TIMEOUT_MS): Promise<void> {
  await page.evaluate(async (limit) => {
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    const running = document
      .getAnimations()
      .filter(
        (animation) => animation.playState === "running" && animation.effect?.getTiming().iterations !== Infinity,
      );
    await Promise.race([
      Promise.allSettled(running.map((animation) => animation.finished)),
      new Promise((done) => setTimeout(done, limit)),
    ]);
  }, timeout);
}

/** Wait until the locator is visible (a readable failure names the locator). */
export async function visible(locator: Locator, timeout = STEP_TIMEOUT_MS): Promise<Locator> {
  await locator.waitFor({ state: "visible", timeout });
  return locator;
}

/** Wait until nothing the locator matches is visible. */
export async function gone(locator: Locator, timeout = STEP_TIMEOUT_MS): Promise<void> {
  await locator.first().waitFor({ state: "hidden", timeout });
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A name that starts with `text` (board cards: the title, then their details). */
export function startsWith(text: string): RegExp {
  return new RegExp(`^\\s*${escapeRegExp(text)}`);
}

/** The background colour the page paints, as 0 (black) .. 1 (white) relative luminance. */
export async function backgroundLuminance(page: Page, selector = "body"): Promise<number> {
  return page.evaluate((sel) => {
    const element = document.querySelector(sel) ?? document.body;
    const colour = getComputedStyle(element).backgroundColor;
    // Let the browser turn any CSS colour (oklch included) into sRGB bytes.
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext("2d");
    if (!ctx) return -1;
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, 1, 1);
    const [r = 0, g = 0, b = 0] = Array.from(ctx.getImageData(0, 0, 1, 1).data);
    const linear = (c: number) => {
      const v = c / 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  }, selector);
}

/** Sign in on the sign-in page and wait for the app to show the signed-in header. */
export async function signIn(page: Page, person: { email: string; password: string }): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("E-mail").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await visible(page.getByRole("button", { name: "Sign out" }));
}

/** A step's name as part of a screenshot's file name. */
export function stepLabel(name: string): string {
  return name.slice(0, 40).replace(/[^a-z0-9]+/gi, "-");
}

/** A failed step's screenshot of each page still open: `failed/<prefix>-<step>-<who>`. */
export async function shootFailure(
  prefix: string,
  step: string,
  pages: Record<string, Page | undefined>,
): Promise<void> {
  for (const [who, page] of Object.entries(pages)) {
    if (page && !page.isClosed()) await shot(page, `failed/${prefix}-${stepLabel(step)}-${who}`).catch(() => undefined);
  }
}
