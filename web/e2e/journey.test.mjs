// The acceptance, end to end on `wickwatch demo` (simulated exchanges → collector →
// detection → alerts → stream and notifier → the Telegram Bot API stand-in): a NEW trader
// registers, links Telegram (the service bot's one-time code is shown; the chat that receives is
// their own bot's, pointed at the stand-in), asks what a low threshold would have sent, sets it
// → a spike appears in the live feed within seconds and reaches the stand-in for the trader's
// chat → its chart opens (live 1-second candles while the history is not stored yet) → the symbol
// search finds it → statistics count it → the demo admin sees the trader and the error log.
// Screenshots of each page; any browser console error fails the test. Every wait is on a
// condition with a generous deadline (a loaded 2-core machine), never a fixed sleep.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, launch, newPage, screenshot } from "./browser.mjs";
import { startServer } from "./server.mjs";

const TRADER = { email: "journey@example.com", password: "Volatile-Wick-2026!", name: "Journey" };
/** The trader's own bot (any well-formed token works on the stand-in) and chat. */
const OWN_BOT = { token: "7000000042:journey-own-bot-token-0123456789abcdef", chat: 700_100_342 };
const SLOW = 90_000;

let server;
let browser;

before(async () => {
  server = await startServer({ demo: { symbols: 8, wickEvery: 1 } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "journey-server.log"), server.log()); // what the admin's error log shows, in full
  }
  await server?.stop();
});

/** Poll `fn` until it returns a truthy value (returned) or the deadline passes (throws `what`). */
async function eventually(fn, what, timeoutMs = SLOW, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} (waited ${timeoutMs} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The stand-in's URL, from the demo's log ("Telegram Bot API stand-in on http://…"). */
function standinUrl() {
  const m = server.log().match(/Telegram Bot API stand-in on (http:\/\/127\.0\.0\.1:\d+)/);
  assert.ok(m, "the demo did not log the Telegram stand-in's address");
  return m[1];
}

async function standinMessages(chatId) {
  const r = await fetch(`${standinUrl()}/_standin/messages?chat_id=${chatId}`);
  assert.equal(r.status, 200);
  return (await r.json()).messages;
}

async function settle(page) {
  await page.waitForLoadState("networkidle", { timeout: SLOW }).catch(() => {}); // the stream keeps a socket open
}

test("a new trader: register → link Telegram → threshold → spike in the feed and in Telegram → chart → search → statistics → admin", { timeout: 600_000 }, async () => {
  const { page, problems, context } = await newPage(browser, { locale: "en-GB" });
  page.setDefaultTimeout(SLOW);
  page.on("dialog", (d) => {
    problems.push(`unexpected dialog: ${d.message()} (${page.url()})`);
    void d.dismiss();
  });
  try {
    // register (the demo runs with open registration)
    await page.goto(`${server.url}/register`);
    await page.fill("input[name=email]", TRADER.email);
    await page.fill("input[name=display_name]", TRADER.name);
    await page.fill("input[name=password]", TRADER.password);
    await page.fill("input[name=repeat]", TRADER.password);
    await screenshot(page, "30-journey-register");
    await page.click("form[data-testid=register-form] button[type=submit]");
    await page.waitForURL("**/live");

    // link Telegram: the service bot's one-time code, its deep link and the group command
    await page.goto(`${server.url}/settings#channels`);
    await page.click("[data-testid=link-telegram]");
    const deep = page.locator("[data-testid=telegram-deep-link]");
    await deep.waitFor();
    const code = (await page.locator("[data-testid=telegram-start-command]").textContent()).replace("/start ", "");
    assert.match(await deep.getAttribute("href"), new RegExp(`^https://t\\.me/\\w+\\?start=${code}$`));
    assert.match(await page.locator("[data-testid=link-countdown]").textContent(), /expires in 1?\d:\d\d/);
    await page.locator("[data-testid=telegram-link-code]").scrollIntoViewIfNeeded();
    await screenshot(page, "31-journey-telegram-link");
    await page.click("[data-testid=telegram-link-code] button:has-text('Cancel')");

    // the chat that receives: the trader's own bot, which the demo points at the stand-in too
    await page.click("[data-testid=add-telegram]");
    const form = page.locator("[data-testid=channel-form-telegram]");
    await form.locator("input[name=target]").fill(String(OWN_BOT.chat));
    await form.locator("input[name=secret]").fill(OWN_BOT.token);
    await form.locator("button[type=submit]").click();
    const channel = page.locator("[data-testid=channel-row][data-kind=telegram]");
    await channel.waitFor();
    assert.match(await channel.textContent(), new RegExp(String(OWN_BOT.chat)));

    // a threshold every injected wick passes, no cooldown, alerts to Telegram too
    const row = page.locator("[data-testid=thresholds-table] tbody tr").first();
    await row.locator("input[aria-label='Δ ≥ %']").fill("1");
    await row.locator("input[aria-label='Volume ≥ $']").fill("0");
    await row.locator("input[aria-label='Window, s']").fill("2");
    await page.locator("#general input.num").first().fill("0"); // cooldown
    if ((await page.getAttribute("[data-testid=destination-telegram]", "aria-pressed")) !== "true") await page.click("[data-testid=destination-telegram]");

    // what would the draft have sent? (asked before saving; the demo's collectors keep every
    // spike of the last day, so within seconds the injected wicks show up in the replay)
    if ((await page.locator("[data-testid=dry-run]").count()) > 0) {
      const count = page.locator("[data-testid=dry-run-count]");
      await eventually(async () => {
        const runs = Number(await page.getAttribute("[data-testid=dry-run-panel]", "data-runs"));
        await page.click("[data-testid=dry-run]");
        await page.waitForSelector(`[data-testid=dry-run-panel][data-runs='${runs + 1}']`);
        assert.equal(await page.locator("[data-testid=dry-run-error]").count(), 0, "the dry run failed");
        return !/^0 alerts/.test(await count.textContent());
      }, "the dry run never found the demo's spikes", SLOW, 3000);
      assert.match(await count.textContent(), /^[\d,]+ alerts? in the last 24 h$/);
      assert.ok((await page.locator("[data-testid=dry-run-markets] tr").count()) >= 1);
      assert.ok((await page.locator("[data-testid=dry-run-sample] tr").count()) >= 1);
      await page.locator("[data-testid=dry-run-panel]").scrollIntoViewIfNeeded();
      await screenshot(page, "32-journey-dry-run", true);
    }
    await page.click("[data-testid=save-settings]");
    // the server's answer ("Unsaved changes" also contains "saved", and the button is disabled
    // while the request is in flight: neither says the save is done)
    await page.waitForSelector("[data-testid=save-message][data-kind=ok]");
    await page.waitForSelector("[data-testid=save-settings]:disabled"); // nothing unsaved is left
    await screenshot(page, "33-journey-settings-saved", true);

    // a spike from the simulated market reaches the live feed within seconds
    await page.click("[data-testid=nav-live]");
    await page.waitForURL("**/live");
    await page.waitForSelector("[data-testid=stream-badge][data-state=open]");
    const first = page.locator("[data-testid=feed-row]").first();
    await first.waitFor({ timeout: SLOW });
    const symbol = await first.locator(".c-symbol").getAttribute("data-symbol"); // as the exchange writes it
    await screenshot(page, "34-journey-live");

    // … and is delivered to the stand-in, to this trader's chat
    const delivered = await eventually(async () => {
      const messages = await standinMessages(OWN_BOT.chat);
      return messages.length > 0 && messages;
    }, `no Telegram message reached chat ${OWN_BOT.chat}`);
    assert.match(delivered[0].text, /%/);

    // the channel's delivery status turns "Delivering"; "Send test" answers inline
    await page.goto(`${server.url}/settings#channels`);
    await eventually(async () => {
      if ((await channel.locator("[data-testid=channel-status]").getAttribute("data-health")) === "ok") return true;
      await page.reload();
      await channel.waitFor();
      return false;
    }, "the channel never showed a successful delivery", SLOW, 2000);
    if ((await channel.locator("[data-testid=channel-test]").count()) > 0) {
      const before = (await standinMessages(OWN_BOT.chat)).length;
      await channel.locator("[data-testid=channel-test]").click();
      const result = channel.locator("[data-testid=channel-test-result]");
      await result.waitFor();
      assert.equal(await result.getAttribute("data-ok"), "true", await result.textContent());
      await eventually(async () => (await standinMessages(OWN_BOT.chat)).length > before, "the test message did not reach the stand-in");
    }
    await channel.scrollIntoViewIfNeeded();
    await screenshot(page, "35-journey-channel-status");

    // its chart: stored candles, or live 1-second candles while the history is not written yet
    await page.click("[data-testid=nav-live]");
    await page.locator("[data-testid=feed-row]").first().click();
    await page.waitForURL(/\/alerts\/\d+$/);
    await page.waitForSelector("[data-testid=alert-title]");
    await page.waitForSelector("[data-testid=alert-chart] [data-testid=candle-chart] canvas", { timeout: SLOW });
    await screenshot(page, "36-journey-alert-chart");

    // the symbol search finds the spiking symbol and opens its live chart
    await page.click("[data-testid=nav-markets]");
    await page.fill("[data-testid=symbol-search]", symbol.toLowerCase());
    const option = page.locator(`[data-testid=symbol-results][data-query='${symbol.toLowerCase()}'] [role=option][data-symbol='${symbol}']`).first();
    await option.waitFor();
    await screenshot(page, "37-journey-symbol-search");
    await option.click();
    await page.waitForURL(new RegExp(`/markets/\\w+_(spot|futures)/${encodeURIComponent(symbol).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
    await page.waitForSelector("[data-testid=candle-chart] canvas", { timeout: SLOW });
    await screenshot(page, "38-journey-symbol-chart");

    // statistics count the trader's alerts
    await page.click("[data-testid=nav-stats]");
    await eventually(async () => {
      await page.waitForSelector("[data-testid=stats-total]");
      if (Number((await page.locator("[data-testid=stats-total]").textContent()).replace(/\D/g, "")) >= 1) return true;
      await page.reload();
      return false;
    }, "statistics did not count the alert", SLOW, 2000);
    await settle(page);
    await screenshot(page, "39-journey-stats");

    // the demo admin sees the trader and the error log
    await page.click("[data-testid=user-menu]");
    await page.locator("[data-testid=sign-out]").click();
    await page.waitForURL("**/login**");
    const [adminEmail, adminPassword] = Object.entries(server.credentials).find(([email]) => email.startsWith("admin@"));
    await page.fill("input[name=email]", adminEmail);
    await page.fill("input[name=password]", adminPassword);
    await page.click("form[data-testid=login-form] button[type=submit]");
    await page.waitForURL((url) => !url.pathname.startsWith("/login")); // back to the page signed out from
    await page.click("[data-testid=nav-admin]");
    await page.waitForSelector("[data-testid=admin-users]");
    await page.waitForSelector(`[data-testid=admin-users] >> text=${TRADER.email}`);
    await screenshot(page, "40-journey-admin-users");
    await page.goto(`${server.url}/admin/errors`);
    await page.waitForSelector("[data-testid=admin-errors], .state-empty");
    await screenshot(page, "41-journey-admin-errors");
  } catch (err) {
    await screenshot(page, "failure-journey", true).catch(() => {});
    throw new Error(`${err.message}\n\nconsole: ${problems.join("\n")}\n\nserver log:\n${server.log().slice(-4000)}`, { cause: err });
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, [], `browser console errors:\n${problems.join("\n")}`);
});
