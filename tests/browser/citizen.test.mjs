// zh-CN walks: the status query with a live card prompt, a loss report with the ID card, and a
// PIN change on the shuffled on-screen pad.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  Screens, actionButton, home, insertCard, padType, pullCard, startBrowser, startKiosk, waitScreen,
} from "./lib.mjs";
import { CARD_PIN, GOOD_PIN, enterPins, startBusiness, walk } from "./walk.mjs";

const screens = new Screens("citizen");
let kiosk;
let browser;
let page;

before(async () => {
  kiosk = await startKiosk("citizen");
  browser = await startBrowser();
  page = await browser.newPage();
});

after(async () => {
  console.log(screens.summary());
  await browser?.close();
  await kiosk?.stop();
});

test("status query in zh-CN: the card prompt reacts by itself, done shows 正常, rate 5", async () => {
  await home(page, kiosk);
  assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
  await screens.visit(page, "home");
  await page.getByRole("button", { name: /^社会保障卡应用状态查询/ }).click();
  await waitScreen(page, "ask-card");
  await screens.visit(page, "status-ask-card");
  // No reload from the test: the page's server-sent events bring the next screen.
  const navigations = [];
  page.on("framenavigated", (f) => f === page.mainFrame() && navigations.push(f.url()));
  await insertCard(kiosk, "v2-3des.toml");
  await waitScreen(page, "confirm");
  assert.ok(navigations.some((u) => u.endsWith("/session")), `the page moved by itself: ${navigations}`);
  const confirmText = await page.locator("main").innerText();
  assert.match(confirmText, /652301\*+0015/, "the ID number is shown masked");
  assert.doesNotMatch(await page.content(), /652301197508210015/, "no unmasked ID number");
  await screens.visit(page, "status-confirm");
  await actionButton(page, "confirm").click();
  await waitScreen(page, "done");
  assert.match(await page.locator("main").innerText(), /正常/);
  await screens.visit(page, "status-done");
  // Two-step rating: choose 5, then send.
  await page.locator('button.rate[value="5"]').click();
  assert.equal(await page.getAttribute('button.rate[value="5"]', "aria-pressed"), "true");
  assert.equal(await page.locator("[data-rating-reasons]").isVisible(), false, "no reasons for a 5");
  await page.locator("[data-rating-submit]").click();
  await waitScreen(page, "home");
  await pullCard(kiosk);
});

test("report_loss with the ID card, then pin_change on the shuffled PIN pad", async () => {
  await home(page, kiosk);
  await startBusiness(page, "report_loss");
  const end = await walk(page, kiosk, {
    person: "v2-3des.toml",
    visit: (s) => screens.visit(page, `loss-${s}`),
  });
  assert.equal(end, "done");
  await actionButton(page, "finish").click();
  await waitScreen(page, "home");

  // PIN change with another active demo card (马丽's): 张伟's card is now reported lost.
  await insertCard(kiosk, "v3-sm4.toml");
  await home(page, kiosk);
  await startBusiness(page, "pin_change");
  await waitScreen(page, "confirm");
  await screens.visit(page, "pin-confirm");
  await actionButton(page, "confirm").click();
  await waitScreen(page, "pins");
  await screens.visit(page, "pin-pins");
  const order = await page.locator("[data-pin-pad] button.key:not(.fn)").allInnerTexts();
  assert.deepEqual([...order].sort(), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  assert.equal(await page.locator("#pin-old").getAttribute("type"), "password");

  // A weak PIN: the same screen again, with the problem said.
  await enterPins(page, { old: CARD_PIN, new: "111111" });
  assert.equal(await page.locator("#pin-repeat").inputValue(), "111111", "the pad typed into the fields");
  await page.locator("form[data-pin-form] button[type=submit]").click();
  await page.locator("#problem").waitFor({ state: "visible" });
  await waitScreen(page, "pins");
  assert.ok((await page.locator("#problem").innerText()).trim().length > 0);
  await screens.visit(page, "pin-weak");
  assert.doesNotMatch(await page.content(), /111111/, "the weak PIN is not in the page");
  for (const id of ["#pin-old", "#pin-new", "#pin-repeat"]) {
    assert.equal(await page.locator(id).inputValue(), "", `${id} is empty again`);
  }

  // A good PIN finishes.
  const requested = [];
  page.on("request", (r) => requested.push(r.url()));
  await enterPins(page, { old: CARD_PIN, new: GOOD_PIN });
  await page.locator("form[data-pin-form] button[type=submit]").click();
  await waitScreen(page, "done");
  await screens.visit(page, "pin-done");
  assert.doesNotMatch(await page.content(), new RegExp(GOOD_PIN), "the PIN is not in the page");
  assert.doesNotMatch(page.url(), new RegExp(`${GOOD_PIN}|${CARD_PIN}`), "no PIN in the URL");
  for (const u of requested) {
    assert.doesNotMatch(u, new RegExp(`${GOOD_PIN}|${CARD_PIN}`), `no PIN in a requested URL: ${u}`);
  }
  await actionButton(page, "finish").click();
  await waitScreen(page, "home");
  await pullCard(kiosk);
});

test("accessibility (axe-core): no serious or critical violations on this file's screens", (t) => {
  t.diagnostic(screens.summary());
  assert.deepEqual(screens.serious(), []);
});
