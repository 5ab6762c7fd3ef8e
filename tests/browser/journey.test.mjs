// The citizen's journey around the businesses (issue 22), walked in Chromium: a wrong old PIN
// retried on the PIN screen, the cards handed back on `take_cards` and a card left in the
// reader never read for the next session, 呼叫工作人员 acknowledged for one session only, the
// time-out warning, and the photo shown with 重拍 / 使用此照片.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  accessibilityTest, actionButton, home, insertCard, liftIdCard, placeIdCard, poll, printedReceipts, pullCard,
  sim, step, takeCards, useKiosk, waitScreen,
} from "./lib.mjs";
import {
  CARD_PIN, GOOD_PIN, enterPins, mainText, startBusiness, walkBusiness,
} from "./walk.mjs";

const t = useKiosk("journey");

/** The page JSON the screens are made from (`GET /api/session`). */
const pageJson = () => sim(t.kiosk, "GET", "/api/session");

/** Puts an ID card on the module and leaves it there (the simulator's citizen otherwise takes
    it back once it was read). */
const holdIdCard = (kiosk, person) => sim(kiosk, "POST", "/api/sim/idcard", { person, hold: true });

/** Starts pin_change with 马丽's card (PIN 123456) and goes to the PIN screen. */
async function toPinChange() {
  const { page, kiosk } = t;
  await home(page, kiosk);
  await insertCard(kiosk, "v3-sm4.toml");
  await startBusiness(page, "pin_change");
  // 6.1.3.2 a): the ID card original first (issue 17).
  await waitScreen(page, "ask-idcard");
  await step(page, () => placeIdCard(kiosk, "v3-sm4.toml"), "confirm");
  await step(page, () => actionButton(page, "confirm").click(), "pins");
}

const submitPins = () => t.page.locator("form[data-pin-form] button[type=submit]").click();

test("a wrong old PIN keeps the citizen on the PIN screen; the right one then finishes the business", async () => {
  const { page, kiosk } = t;
  await toPinChange();
  await enterPins(page, { old: "000000", new: GOOD_PIN });
  await step(page, submitPins, "pins");
  await t.visit("pin-wrong");
  const left = Number(await page.getAttribute("[data-tries-left]", "data-tries-left"));
  assert.ok(left >= 1, `tries left shown: ${left}`);
  assert.match(await page.locator(".tries-left").innerText(), new RegExp(`剩余尝试次数\\s*${left}`));
  // Only the wrong field is asked again: the new PIN typed is kept.
  assert.equal(await page.locator("#pin-old").count(), 1);
  assert.equal(await page.locator("#pin-new").count(), 0, "the new PIN is not asked again");
  assert.equal(await page.locator("#pin-old").inputValue(), "");
  // 密码重置 is offered for a forgotten PIN.
  assert.equal(await page.locator('.helps button[value="pin_reset"]').count(), 1, "密码重置 offered");
  const json = await pageJson();
  assert.equal(json.screen.screen, "pins");
  assert.equal(json.screen.tries_left, left);
  assert.doesNotMatch(JSON.stringify(json), new RegExp(`${GOOD_PIN}|${CARD_PIN}`), "no PIN in the page JSON");

  await enterPins(page, { old: CARD_PIN });
  await step(page, submitPins, "done");
  assert.match(await mainText(page), /结果: 已办结/);
  await t.visit("pin-right");
  await step(page, () => actionButton(page, "finish").click(), "take_cards");
  await step(page, () => pullCard(kiosk), "home");
});

test("the last wrong try blocks the PIN: the screen offers 密码解锁 and 密码重置", async () => {
  const { page, kiosk } = t;
  await toPinChange();
  let s = "pins";
  for (let n = 0; n < 5 && s === "pins"; n += 1) {
    await enterPins(page, { old: "000000", new: GOOD_PIN });
    s = await step(page, submitPins, ["pins", "failed"]);
  }
  assert.equal(s, "failed");
  await t.visit("pin-blocked");
  assert.match(await mainText(page), /密码已锁定/);
  for (const code of ["pin_unblock", "pin_reset"]) {
    assert.equal(await page.locator(`.helps button[value="${code}"]`).count(), 1, `${code} offered`);
  }
  // The offered business starts at once, with the citizen's card in the reader read for it.
  await step(page, () => page.locator('.helps button[value="pin_unblock"]').click(), "ask-idcard");
  await t.visit("pin-blocked-unblock");
  await step(page, () => page.locator(".session-bar form.cancel button").click(), "take_cards");
  await step(page, () => pullCard(kiosk), "home");
});

test("take_cards until both readers are empty; a card left in the reader is not read for the next session", async () => {
  const { page, kiosk } = t;
  await home(page, kiosk);
  // 密码重置: the ID card on the module and the card in the reader.
  await startBusiness(page, "pin_reset");
  await waitScreen(page, "ask-idcard");
  await step(page, () => holdIdCard(kiosk, "v2-3des.toml"), "ask-card");
  await step(page, () => insertCard(kiosk, "v2-3des.toml"), "confirm");
  await step(page, () => actionButton(page, "confirm").click(), "pins");
  await enterPins(page, { new: GOOD_PIN });
  await step(page, submitPins, "done");
  await step(page, () => actionButton(page, "finish").click(), "take_cards");
  await t.visit("take-both");
  assert.equal(await page.locator('[data-take="card"]').count(), 1, "take the card");
  assert.equal(await page.locator('[data-take="id_card"]').count(), 1, "take the ID card");
  assert.equal((await pageJson()).screen.screen, "take_cards");
  // One out: still take_cards, now for the other only.
  await step(page, () => pullCard(kiosk), "take_cards");
  assert.equal(await page.locator('[data-take="card"]').count(), 0);
  assert.equal(await page.locator('[data-take="id_card"]').count(), 1);
  await t.visit("take-id-only");
  await step(page, () => liftIdCard(kiosk), "home");

  // A card left in the reader, and a next session started anyway (here through the API while
  // take_cards is shown): it is not read; the citizen is asked to take it out and insert it.
  await insertCard(kiosk, "v2-3des.toml");
  await step(page, () => startBusiness(page, "status"), "ask-idcard");
  await step(page, () => placeIdCard(kiosk, "v2-3des.toml"), "confirm");
  await step(page, () => actionButton(page, "confirm").click(), "done");
  await step(page, () => actionButton(page, "finish").click(), "take_cards");
  const started = await sim(kiosk, "POST", "/api/session/start", { business: "status" });
  assert.equal(started.screen.screen, "ask", JSON.stringify(started.screen).slice(0, 300));
  await page.goto(kiosk.url + "/session");
  // The ID card first (issue 17); at the card step the card left there is not read.
  await waitScreen(page, "ask-idcard");
  await step(page, () => placeIdCard(kiosk, "v2-3des.toml"), "ask-card");
  assert.match(await mainText(page), /不会读取/, "asked to take it out and insert it again");
  await t.visit("stale-card");
  await step(page, () => pullCard(kiosk), "ask-card");
  await step(page, () => insertCard(kiosk, "v2-3des.toml"), "confirm");
  await step(page, () => page.locator(".session-bar form.cancel button").click(), "take_cards");
  await step(page, () => pullCard(kiosk), "home");
});

test("呼叫工作人员 on every screen in both modes, acknowledged at once, for that session only", async () => {
  const { page, kiosk } = t;
  for (const query of ["?lang=zh-CN&elderly=0", "?lang=zh-CN&elderly=1"]) {
    await home(page, kiosk, query);
    assert.equal(await page.locator("form.staff-call button").isVisible(), true, `${query}: on home`);
    await startBusiness(page, "status");
    await waitScreen(page, "ask-idcard");
    assert.equal((await pageJson()).staff_called, false);
    await step(page, () => page.locator("form.staff-call button").click(), "ask-idcard");
    assert.match(await page.locator("[data-staff-called]").innerText(), /已呼叫工作人员，请稍候/);
    assert.equal((await pageJson()).staff_called, true);
    await t.visit(`staff-called-${query.endsWith("1") ? "elderly" : "standard"}`);
    await step(page, () => page.locator(".session-bar form.cancel button").click(), "home");
    assert.equal((await pageJson()).staff_called, false, "not carried past the session");
    assert.equal(await page.locator("[data-staff-called]").count(), 0);
    await startBusiness(page, "status");
    await waitScreen(page, "ask-idcard");
    assert.equal((await pageJson()).staff_called, false, "not in the next session");
    await home(page, kiosk);
  }
});

test("the time-out warning: full screen with 继续, then 已超时退出 on take_cards", async () => {
  const { page, kiosk } = t;
  await home(page, kiosk);
  // The configured idle time is minutes: 22 s on this page, so the warning (20 s before the
  // end) comes after 2 s.
  await page.addInitScript(() => {
    document.addEventListener("readystatechange", () => {
      const box = document.getElementById("countdown");
      if (document.readyState === "interactive" && box && window.localStorage.getItem("journey-idle")) {
        box.setAttribute("data-idle", window.localStorage.getItem("journey-idle"));
      }
    });
  });
  await page.evaluate(() => window.localStorage.setItem("journey-idle", "22"));
  try {
    await insertCard(kiosk, "v2-3des.toml");
    await startBusiness(page, "status");
    await waitScreen(page, "ask-idcard");
    await step(page, () => placeIdCard(kiosk, "v2-3des.toml"), "confirm");
    const visible = () => {
      const d = document.getElementById("still-there");
      return d && !d.hidden;
    };
    await poll(page, visible, undefined, { timeout: 10000 });
    assert.match(await page.locator("#still-there").innerText(), /还需要时间吗？/);
    await t.visit("still-there");
    await page.locator("#still-there [data-continue]").click();
    await poll(page, () => document.getElementById("still-there").hidden, undefined, { timeout: 5000 });
    assert.equal((await pageJson()).screen.screen, "confirm", "继续 keeps the session");
    // Untouched again: the warning, then the time-out.
    await poll(page, visible, undefined, { timeout: 10000 });
    await waitScreen(page, "take_cards", 30000);
    assert.match(await mainText(page), /已超时退出/);
    assert.equal(await page.locator('[data-take="card"]').count(), 1, "the card is handed back");
    await t.visit("timed-out");
    await pullCard(kiosk);
    await waitScreen(page, "home", 20000);
  } finally {
    await page.evaluate(() => window.localStorage.removeItem("journey-idle"));
  }
});

test("the photo is shown cropped with 重拍 and 使用此照片; advice clears with its screen", async () => {
  const { page, kiosk } = t;
  await home(page, kiosk);
  await sim(kiosk, "POST", "/api/sim/scene", { scene: "off_centre" });
  await startBusiness(page, "photo");
  await waitScreen(page, "ask-idcard");
  await step(page, () => placeIdCard(kiosk, "v2-3des.toml"), "ask-photo");
  await step(page, () => actionButton(page, "photo").click(), "ask-photo");
  assert.ok((await page.locator(".advice li").count()) >= 1, "advice after a refused frame");
  await sim(kiosk, "POST", "/api/sim/scene", { scene: "good" });
  await step(page, () => actionButton(page, "photo").click(), "photo-check");
  await t.visit("photo-check");
  assert.equal(await page.locator(".advice").count(), 0, "the old advice is gone");
  const loaded = () => {
    const i = document.querySelector(".photo-check img");
    return i && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.naturalHeight] : false;
  };
  const [w, h] = await poll(page, loaded, undefined, { timeout: 15000 });
  assert.ok(h > w, `the cropped photo is portrait: ${w}×${h}`);
  // 重拍: the camera again; then 使用此照片 goes on.
  await step(page, () => actionButton(page, "photo_retake").click(), "ask-photo");
  await step(page, () => actionButton(page, "photo").click(), "photo-check");
  const s = await step(page, () => actionButton(page, "photo_use").click());
  assert.notEqual(s, "photo-check");
  assert.notEqual(s, "ask-photo");
  await t.visit(`photo-after-${s}`);
  await home(page, kiosk);
  await liftIdCard(kiosk);
});

test("in Uyghur: the photo advice, the photo check, the PIN retry and take_cards carry no Chinese", async () => {
  const { page, kiosk } = t;
  const HAN = /\p{Script=Han}/u;
  const noChinese = async (label) => {
    const text = await mainText(page);
    assert.doesNotMatch(text, HAN, `${label}: no Chinese in ${JSON.stringify(text)}`);
    assert.match(text, /[\u0600-\u06FF]/, `${label}: Uyghur script`);
  };
  await home(page, kiosk, "?lang=ug&elderly=0");
  await sim(kiosk, "POST", "/api/sim/scene", { scene: "off_centre" });
  await startBusiness(page, "photo");
  await waitScreen(page, "ask-idcard");
  await step(page, () => holdIdCard(kiosk, "v2-3des.toml"), "ask-photo");
  await step(page, () => actionButton(page, "photo").click(), "ask-photo");
  assert.ok((await page.locator(".advice li").count()) >= 1, "advice after a refused frame");
  await noChinese("ug-photo-advice");
  await t.visit("ug-photo-advice");
  await sim(kiosk, "POST", "/api/sim/scene", { scene: "good" });
  await step(page, () => actionButton(page, "photo").click(), "photo-check");
  await noChinese("ug-photo-check");
  await step(page, () => page.locator(".session-bar form.cancel button").click(), "take_cards");
  await noChinese("ug-take-cards");
  await t.visit("ug-take-cards");
  await step(page, () => liftIdCard(kiosk), "home");

  await home(page, kiosk, "?lang=ug&elderly=0");
  await insertCard(kiosk, "v3-sm4.toml");
  await startBusiness(page, "pin_change");
  // 6.1.3.2 a): the ID card original first (issue 17).
  await waitScreen(page, "ask-idcard");
  await step(page, () => placeIdCard(kiosk, "v3-sm4.toml"), "confirm");
  await step(page, () => actionButton(page, "confirm").click(), "pins");
  await enterPins(page, { old: "000000", new: GOOD_PIN });
  await step(page, submitPins, "pins");
  await noChinese("ug-pin-wrong");
  await t.visit("ug-pin-wrong");
  await step(page, () => page.locator(".session-bar form.cancel button").click(), "take_cards");
  await step(page, () => pullCard(kiosk), "home");

  // A whole business in Uyghur, its printed receipt included: no Chinese but the name.
  const name = "张*";
  const r = await walkBusiness(t, {
    code: "report_loss",
    query: "?lang=ug&elderly=0",
    label: "ug-loss",
    people: ["v2-3des.toml"],
    holder: "v2-3des.toml",
    path: ["ask-idcard", "confirm", "done"],
    rate: null,
    each: async (p, label) => {
      const text = (await mainText(p)).split(name).join("");
      assert.doesNotMatch(text, HAN, `${label}: no Chinese but the name in ${JSON.stringify(text)}`);
    },
  });
  assert.ok(r.receipt.some((l) => /15/.test(l) && /[\u0600-\u06FF]/.test(l)), `the 15-day window in Uyghur: ${r.receipt}`);
  const printed = (await printedReceipts(kiosk)).at(-1).join("\n");
  assert.doesNotMatch(printed.split(name).join(""), HAN, `the printed receipt: ${printed}`);
  assert.match(printed, /ئارخىپ نومۇرى: /);
});

test("after every walk: nothing left in the readers", async () => {
  await takeCards(t.kiosk);
  await home(t.page, t.kiosk);
});

accessibilityTest(t);
