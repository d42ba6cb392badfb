// End to end against a real server: register, sign out and in, every page, language switch,
// session restore after a reload, admin sees the new user, sign out everywhere. Screenshots of
// each page go to test-artifacts/web/. Any browser console error fails the test.
//
//   node --test e2e/          (npm run e2e; the web UI must be built: scripts/build_web.sh)
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, newPage, screenshot } from "./browser.mjs";
import { startServer } from "./server.mjs";

const TRADER = { email: "trader@example.com", password: "Volatile-Wick-2026!", name: "Трейдер" };
const ADMIN = { email: "admin@example.com", password: "Admin-Passphrase-2026" };

let server;
let browser;

before(async () => {
  server = await startServer({ admin: ADMIN });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(page, who) {
  await page.goto(`${server.url}/login`);
  await page.fill("input[name=email]", who.email);
  await page.fill("input[name=password]", who.password);
  await page.click("form[data-testid=login-form] button[type=submit]");
  await page.waitForURL("**/live");
}

async function signOut(page) {
  await page.click("[data-testid=user-menu]");
  await page.locator("[data-testid=sign-out]").click();
  await page.waitForURL("**/login**");
}

test("a trader registers, uses every page, and an admin sees them", { timeout: 240_000 }, async () => {
  const { page, problems, context } = await newPage(browser, { locale: "ru-RU" });
  try {
    // signed out: any page leads to the sign-in form, in the browser's language
    await page.goto(`${server.url}/live`);
    await page.waitForURL("**/login?next=%2Flive");
    assert.equal(await page.locator("h1").textContent(), "Вход");
    await screenshot(page, "01-login");

    // register (open registration); the strength meter reacts
    await page.click("a[href^='/register']");
    await page.fill("input[name=email]", TRADER.email);
    await page.fill("input[name=display_name]", TRADER.name);
    await page.fill("input[name=password]", "short");
    assert.match(await page.locator(".meter").textContent(), /Не подходит/);
    await page.fill("input[name=password]", TRADER.password);
    await page.fill("input[name=repeat]", TRADER.password);
    assert.match(await page.locator(".meter").textContent(), /Надёжный/);
    await screenshot(page, "02-register");
    await page.click("form[data-testid=register-form] button[type=submit]");
    await page.waitForURL("**/live");

    // the live page: feed with filters, stream status
    await page.waitForSelector("[data-testid=feed-filters]");
    assert.equal(await page.locator("h1").textContent(), "Стрелы онлайн");
    await page.waitForSelector("[data-testid=stream-badge]");
    await screenshot(page, "03-live");

    // filters live in the URL
    await page.click("[data-testid=feed-filters] button:has-text('OKX')");
    await page.click("[data-testid=feed-filters] button:has-text('Вниз')");
    await page.waitForURL(/ex=okx.*dir=down/);

    // a reload keeps the session (refresh cookie + CSRF header)
    await page.reload();
    await page.waitForSelector("[data-testid=feed-filters]");
    assert.equal(new URL(page.url()).pathname, "/live");

    // sign out, sign in again
    await signOut(page);
    await signIn(page, TRADER);
    assert.match(await page.locator("[data-testid=user-menu]").textContent(), new RegExp(TRADER.name));

    // every page renders
    for (const [path, name, full] of [
      ["/markets", "04-markets", false],
      ["/stats", "05-stats", false],
      ["/price-alerts", "06-price-alerts", false],
      ["/settings", "07-settings", true],
      ["/account", "08-account", false],
    ]) {
      await page.click(`a[href='${path}']`).catch(() => page.goto(`${server.url}${path}`));
      await page.waitForURL(`**${path}`);
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(300);
      await screenshot(page, name, full);
    }

    // settings: link a channel (a webhook), set a threshold, save, and it is still there after a reload
    await page.goto(`${server.url}/settings`);
    const delta = page.locator("[data-testid=thresholds-table] tbody tr").first().locator("input[aria-label='Δ ≥ %']");
    await delta.waitFor();
    if (await page.locator("[data-testid=channels-table]").count() === 0) {
      await page.click("[data-testid=add-webhook]");
      await page.fill("[data-testid=channel-form-webhook] input[name=target]", "https://hooks.example.com/wickwatch");
      await page.click("[data-testid=channel-form-webhook] button[type=submit]");
      await page.waitForSelector("[data-testid=channels-table] >> text=hooks.example.com");
    }
    await delta.fill("2.5");
    await page.waitForSelector("[data-testid=savebar].savebar-on");
    // the unsaved-changes guard asks before leaving
    page.once("dialog", (d) => d.dismiss());
    await page.click("[data-testid=nav-live]");
    assert.equal(new URL(page.url()).pathname, "/settings");
    await page.click("[data-testid=save-settings]");
    await page.waitForSelector("[data-testid=save-message][data-kind=ok] >> text=Сохранено");
    await screenshot(page, "07b-settings-saved");
    await page.reload();
    await delta.waitFor();
    assert.equal(await delta.inputValue(), "2.5");

    // the template editor previews as you type, as the server renders it: the user's language,
    // Telegram's tags as formatting
    const editor = page.locator("[data-testid=template-editor] textarea");
    await editor.fill("<b>{symbol}</b> {delta_formatted} {direction}");
    assert.equal(await page.locator("[data-testid=template-preview]").textContent(), "SOLUSDT +4.27% рост");
    assert.equal(await page.locator("[data-testid=template-preview] b").textContent(), "SOLUSDT");
    await page.click("[data-testid=savebar] button:has-text('Отменить')");

    // price alerts: add one, delete it, restore it
    await page.goto(`${server.url}/price-alerts`);
    await page.click("[data-testid=add-price-alert]");
    await page.fill("[data-testid=price-alert-form] input[name=coin]", "btc");
    await page.fill("[data-testid=price-alert-form] input[name=max]", "150000");
    await page.click("[data-testid=price-alert-form] button[type=submit]");
    const row = page.locator("[data-testid=price-alerts] tbody tr", { hasText: "BTC" });
    await row.waitFor();
    await screenshot(page, "06b-price-alert-added");
    await row.locator("button:has-text('Удалить')").click();
    await page.waitForSelector("[data-testid=price-alerts] tbody tr", { state: "detached" });
    await page.check("[data-testid=show-deleted]");
    await row.locator("button:has-text('Восстановить')").click();
    await page.uncheck("[data-testid=show-deleted]");
    await row.waitFor();

    // the language switch
    await page.goto(`${server.url}/live`);
    await page.click("[data-testid=lang-en]");
    assert.equal(await page.locator("h1").textContent(), "Live spikes");
    await screenshot(page, "09-live-en");
    await page.click("[data-testid=lang-ru]");
    assert.equal(await page.locator("h1").textContent(), "Стрелы онлайн");

    // the account page lists this device
    await page.goto(`${server.url}/account`);
    await page.waitForSelector("text=это устройство");
    await signOut(page);

    // narrow screen
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, TRADER);
    await screenshot(page, "10-live-narrow");
    await page.setViewportSize({ width: 1360, height: 820 });
    await signOut(page);

    // the admin sees the trader
    await signIn(page, ADMIN);
    await page.click("[data-testid=nav-admin]");
    await page.waitForSelector("[data-testid=admin-users]");
    await page.waitForSelector(`text=${TRADER.email}`);
    await screenshot(page, "11-admin-users");
    for (const tab of ["invites", "errors", "exchanges", "status"]) {
      await page.goto(`${server.url}/admin/${tab}`);
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(300);
      await screenshot(page, `12-admin-${tab}`);
    }

    // sign out everywhere ends the session on the server too
    await page.goto(`${server.url}/account`);
    page.once("dialog", (d) => d.accept());
    await page.click("[data-testid=sign-out-everywhere]");
    await page.waitForURL(/\/login/); // /login, or /login?next=… when the guard redirects first
    await page.goto(`${server.url}/settings`);
    await page.waitForURL("**/login?next=%2Fsettings");
  } catch (err) {
    await screenshot(page, "failure", true).catch(() => {});
    throw new Error(`${err.message}\n\nconsole: ${problems.join("\n")}\n\nserver log:\n${server.log().slice(-3000)}`, { cause: err });
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, [], `browser console errors:\n${problems.join("\n")}\n\nserver log:\n${server.log().slice(-4000)}`);
});
