// Headless Chromium (Debian's) through playwright-core, with console errors collected.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { REPO_ROOT } from "./server.mjs";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const ARTIFACTS = process.env.WICKWATCH_TEST_ARTIFACTS || join(REPO_ROOT, "test-artifacts", "web");

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
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

/** A page that records every console error and uncaught exception into `problems`. */
export async function newPage(browser, { locale = "ru-RU", viewport = { width: 1360, height: 820 } } = {}) {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console.error: ${m.text()} (${page.url()})`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message} (${page.url()})`));
  return { context, page, problems };
}

export async function screenshot(page, name, fullPage = false) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}
