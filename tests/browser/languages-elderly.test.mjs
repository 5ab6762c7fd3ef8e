// Uyghur (right to left) and elderly mode.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Screens, actionButton, home, pullCard, startBrowser, startKiosk, waitScreen } from "./lib.mjs";
import { startBusiness, walk } from "./walk.mjs";

const screens = new Screens("languages-elderly");
let kiosk;
let browser;
let page;

before(async () => {
  kiosk = await startKiosk("languages-elderly");
  browser = await startBrowser();
  page = await browser.newPage();
});

after(async () => {
  console.log(screens.summary());
  await browser?.close();
  await kiosk?.stop();
});

async function assertRtl(label) {
  assert.equal(await page.getAttribute("html", "dir"), "rtl", `${label}: dir=rtl`);
  assert.equal(await page.getAttribute("html", "lang"), "ug", `${label}: lang=ug`);
}

test("enable in Uyghur (?lang=ug, right to left) for the demo's issued card", async () => {
  await home(page, kiosk, "?lang=ug&elderly=0");
  await assertRtl("home");
  await screens.visit(page, "ug-home");
  await startBusiness(page, "enable");
  const end = await walk(page, kiosk, {
    card: "v3-uyghur.toml",
    person: "v3-uyghur.toml",
    visit: async (s) => {
      await assertRtl(s);
      await screens.visit(page, `ug-enable-${s}`);
    },
  });
  assert.equal(end, "done");
  assert.match(await page.locator("main").innerText(), /[\u0600-\u06FF]/, "Uyghur text on the result");
  await actionButton(page, "finish").click();
  await waitScreen(page, "home");
  await assertRtl("home again");
  await pullCard(kiosk);
});

test("elderly mode (?elderly=1): larger mode, call-staff button, report_loss walked", async () => {
  await home(page, kiosk, "?lang=zh-CN&elderly=1");
  assert.equal(await page.evaluate(() => document.body.classList.contains("elderly")), true);
  // A `session` event from the card pulled at the end of the previous test may still reload
  // the page once: wait for the button instead of sampling it.
  const staff = page.getByRole("button", { name: "呼叫工作人员" });
  await staff.waitFor({ state: "visible", timeout: 5000 });
  assert.equal(await staff.isVisible(), true, "the call-staff button is visible");
  await screens.visit(page, "elderly-home");
  await startBusiness(page, "report_loss");
  const end = await walk(page, kiosk, {
    person: "v2-3des.toml",
    visit: async (s) => {
      assert.equal(
        await page.evaluate(() => document.body.classList.contains("elderly")),
        true,
        `${s}: still elderly`,
      );
      const call = page.getByRole("button", { name: "呼叫工作人员" });
      await call.waitFor({ state: "visible", timeout: 5000 });
      assert.equal(await call.isVisible(), true, `${s}: call staff`);
      await screens.visit(page, `elderly-loss-${s}`);
    },
  });
  assert.equal(end, "done");
  await actionButton(page, "finish").click();
  await waitScreen(page, "home");
  // Back to ordinary mode for whoever comes next.
  await home(page, kiosk);
  assert.equal(await page.evaluate(() => document.body.classList.contains("elderly")), false);
});

test("accessibility (axe-core): no serious or critical violations on this file's screens", (t) => {
  t.diagnostic(screens.summary());
  assert.deepEqual(screens.serious(), []);
});
