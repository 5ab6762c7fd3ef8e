// The one-time notice, a card pulled mid-flow, and the idle timeout driven by the page's own
// countdown.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  Screens, actionButton, home, insertCard, pullCard, screenOf, startBrowser, startKiosk, waitScreen,
} from "./lib.mjs";
import { CARD_PIN, GOOD_PIN, enterPins, startBusiness } from "./walk.mjs";

const screens = new Screens("edges");
let kiosk;
let browser;
let page;

before(async () => {
  kiosk = await startKiosk("edges");
  browser = await startBrowser();
  page = await browser.newPage();
});

after(async () => {
  console.log(screens.summary());
  await browser?.close();
  await kiosk?.stop();
});

test("replace: pressing 我没有 until the one-time notice, which lists every missing item", async () => {
  await home(page, kiosk);
  await startBusiness(page, "replace");
  let presses = 0;
  for (; presses < 8; presses += 1) {
    const s = await screenOf(page);
    if (s === "notice") {
      break;
    }
    await screens.visit(page, `replace-${s}`);
    const lack = page.getByRole("button", { name: "我没有" });
    assert.equal(await lack.isVisible(), true, `screen ${s} offers 我没有`);
    await lack.click();
    await page.waitForLoadState("load");
    await page.waitForTimeout(200);
  }
  await waitScreen(page, "notice");
  assert.ok(presses >= 1);
  const items = await page.locator("ol.notice-items li").allInnerTexts();
  assert.ok(items.length >= 1, "the notice lists the missing items");
  for (const item of items) {
    assert.ok(item.trim().length > 0, "no empty item");
  }
  await screens.visit(page, "replace-notice");
  await actionButton(page, "finish").click();
  await waitScreen(page, "home");
});

test("a card pulled before the PIN is entered: a clear message, then cancel goes home", async () => {
  await insertCard(kiosk, "v2-3des.toml");
  await home(page, kiosk);
  await startBusiness(page, "pin_change");
  await waitScreen(page, "confirm");
  await actionButton(page, "confirm").click();
  await waitScreen(page, "pins");
  await pullCard(kiosk);
  // The kiosk may tell at once (a server-sent event) or when the PINs are sent.
  await page.waitForTimeout(1500);
  if ((await screenOf(page)) === "pins") {
    await screens.visit(page, "pulled-pins");
    await enterPins(page, { old: CARD_PIN, new: GOOD_PIN });
    await page.locator("form[data-pin-form] button[type=submit]").click();
  }
  const s = await waitScreen(page, ["interrupted", "failed"]);
  const message = (await page.locator(".outcome .message").first().innerText()).trim();
  assert.ok(message.length >= 4, `a clear message: ${JSON.stringify(message)}`);
  assert.doesNotMatch(message, /panic|error:|Err\(|0x[0-9a-f]{4}|^[0-9A-F]{4}$/i, "no raw error");
  assert.doesNotMatch(await page.content(), new RegExp(GOOD_PIN), "the PIN is not in the page");
  await screens.visit(page, `pulled-${s}`);
  await actionButton(page, "cancel").click();
  await waitScreen(page, "home");
  await screens.visit(page, "pulled-home");
});

test("idle timeout: the page's countdown posts timeout and the kiosk goes home", async () => {
  await home(page, kiosk);
  const seen = [];
  // The configured idle time is 10 s or more: shorten it in the screens the page loads, before
  // kiosk.js reads it, so that the script's own countdown runs out.
  await page.route(/\/session(\?.*)?$/, async (route) => {
    if (route.request().method() !== "GET") {
      return route.continue();
    }
    const res = await route.fetch();
    const body = await res.text();
    const m = /data-idle="(\d+)"/.exec(body);
    if (m) {
      seen.push(Number(m[1]));
    }
    await route.fulfill({ response: res, body: body.replace(/data-idle="\d+"/, 'data-idle="3"') });
  });
  const posted = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().endsWith("/session/event")) {
      posted.push(r.postData() || "");
    }
  });
  await startBusiness(page, "status");
  await waitScreen(page, "ask-card");
  assert.ok(seen.length >= 1 && seen[0] >= 10, `the configured idle time: ${seen}`);
  assert.equal(await page.locator("#countdown").isVisible(), true, "a visible countdown");
  await screens.visit(page, "timeout-ask-card");
  await waitScreen(page, "home", 10000);
  assert.ok(posted.some((p) => p.includes("action=timeout")), `posted: ${posted}`);
  await page.unroute(/\/session(\?.*)?$/);
  // The session is gone on the server too.
  const res = await fetch(kiosk.url + "/api/session");
  const json = await res.json();
  assert.equal(json.screen.screen, "home", JSON.stringify(json).slice(0, 300));
  await screens.visit(page, "timeout-home");
});

test("accessibility (axe-core): no serious or critical violations on this file's screens", (t) => {
  t.diagnostic(screens.summary());
  assert.deepEqual(screens.serious(), []);
});
