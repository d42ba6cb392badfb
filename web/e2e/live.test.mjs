// End to end with live data: `wickwatch demo` (simulated exchanges → collector → detection →
// alerts → stream/notifier). A new trader sets a low threshold and no cooldown; spikes stream
// into the live feed; the feed stays responsive with 1,000 alerts (virtualised); an alert opens
// its page and live chart; markets show every feed up; the demo user's alerts reach the Telegram
// stand-in. Any browser console error fails the test.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, newPage, screenshot } from "./browser.mjs";
import { startServer } from "./server.mjs";

const TRADER = { email: "live@example.com", password: "Volatile-Wick-2026!" };
const TARGET = 1000;

let server;
let browser;

before(async () => {
  server = await startServer({ demo: { symbols: 10, wickEvery: 0.02 } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("live spikes stream into the feed, which stays fast with 1,000 alerts", { timeout: 300_000 }, async () => {
  const { page, problems, context } = await newPage(browser, { locale: "en-GB" });
  try {
    await page.goto(`${server.url}/register`);
    await page.fill("input[name=email]", TRADER.email);
    await page.fill("input[name=password]", TRADER.password);
    await page.fill("input[name=repeat]", TRADER.password);
    await page.click("form[data-testid=register-form] button[type=submit]");
    await page.waitForURL("**/live");

    // a threshold every injected wick passes, and no cooldown
    await page.goto(`${server.url}/settings`);
    const row = page.locator("[data-testid=thresholds-table] tbody tr").first();
    await row.locator("input[aria-label='Δ ≥ %']").fill("1");
    await row.locator("input[aria-label='Volume ≥ $']").fill("0");
    await row.locator("input[aria-label='Window, s']").fill("2");
    await page.locator("#general input.num").first().fill("0"); // cooldown
    await page.click("[data-testid=save-settings]");
    await page.waitForSelector("[data-testid=save-message][data-kind=ok]"); // the server's answer
    await page.waitForSelector("[data-testid=save-settings]:disabled"); // nothing unsaved: no leave-guard dialog

    await page.click("[data-testid=nav-live]");
    await page.waitForSelector("[data-testid=stream-badge][data-state=open]", { timeout: 30_000 });
    await page.waitForSelector("[data-testid=feed-row]", { timeout: 60_000 });
    await screenshot(page, "20-live-first-spikes");

    // fill up to 1,000 alerts
    const count = async () => Number((await page.locator("[data-testid=feed-count]").textContent()).match(/of ([\d,]+)/)[1].replace(/,/g, ""));
    const deadline = Date.now() + 150_000;
    while ((await count()) < TARGET && Date.now() < deadline) await page.waitForTimeout(1000);
    const total = await count();
    assert.ok(total >= TARGET, `only ${total} alerts arrived`);

    // virtualised: a screenful of rows in the DOM, not a thousand
    const rows = await page.locator("[data-testid=feed-row]").count();
    assert.ok(rows > 5 && rows < 80, `${rows} rows rendered for ${total} alerts`);

    // responsive: scrolling to the end and filtering answer within a frame budget
    const timings = await page.evaluate(async () => {
      const body = document.querySelector("[data-testid=feed-body]");
      const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const t0 = performance.now();
      body.scrollTop = body.scrollHeight;
      await frame();
      const t1 = performance.now();
      body.scrollTop = 0;
      await frame();
      const t2 = performance.now();
      return { scrollEnd: t1 - t0, scrollTop: t2 - t1 };
    });
    assert.ok(timings.scrollEnd < 500 && timings.scrollTop < 500, JSON.stringify(timings));
    const t0 = Date.now();
    await page.click("[data-testid=feed-filters] button:has-text('Down')");
    await page.waitForURL(/dir=down/);
    await page.waitForSelector("[data-testid=feed-row].is-down");
    assert.ok(Date.now() - t0 < 2000, `filtering took ${Date.now() - t0} ms`);
    await screenshot(page, "21-live-1000");
    await page.click("[data-testid=feed-filters] button:has-text('Both')");

    // an alert opens its page, then its live chart
    await page.locator("[data-testid=feed-row]").first().click();
    await page.waitForURL(/\/alerts\/\d+$/);
    await page.waitForSelector("[data-testid=alert-title]");
    // its chart panel: candles around the spike with the spike marked — for an alert seconds old
    // (the history is written once a minute) the symbol's live 1-second candles
    await page.waitForSelector("[data-testid=alert-chart] [data-testid=candle-chart] canvas", { timeout: 60_000 });
    await screenshot(page, "22-alert");
    await page.click("[data-testid=live-chart-link]");
    await page.waitForURL(/\/markets\/\w+_(spot|futures)\//);
    await page.waitForSelector("[data-testid=candle-chart]", { timeout: 30_000 });
    await screenshot(page, "23-symbol-live-chart");

    // every simulated feed is up
    await page.click("[data-testid=nav-markets]");
    await page.waitForSelector("[data-testid=markets-table]");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=markets-table] tbody tr").length === 12, null, { timeout: 30_000 });
    await screenshot(page, "24-markets-live");

    // statistics count them
    await page.click("[data-testid=nav-stats]");
    await page.waitForSelector("[data-testid=stats-total]");
    assert.ok(Number((await page.locator("[data-testid=stats-total]").textContent()).replace(/\D/g, "")) >= TARGET);
    await screenshot(page, "25-stats-live");

    // the demo user's alerts went to the Telegram stand-in too
    assert.match(server.log(), /telegram → chat \d+: .*%/);
  } catch (err) {
    await screenshot(page, "failure-live", true).catch(() => {});
    throw new Error(`${err.message}\n\nconsole: ${problems.join("\n")}\n\nserver log:\n${server.log().slice(-3000)}`, { cause: err });
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, [], `browser console errors:\n${problems.join("\n")}`);
});
