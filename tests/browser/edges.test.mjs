// The one-time notice, a card pulled mid-flow, and the idle timeout driven by the page's own
// countdown.

import { test } from "node:test";
import { join } from "node:path";
import assert from "node:assert/strict";
import {
  accessibilityTest, actionButton, home, insertCard, placeIdCard, poll, pullCard, screenOf, SHOTS, sim, step, useKiosk, waitScreen,
} from "./lib.mjs";
import { CARD_PIN, GOOD_PIN, enterPins, rate, startBusiness } from "./walk.mjs";
import { clearText, padDigits, pickDivision, typeText } from "./keys.mjs";

const t = useKiosk("edges");

/**
 * Makes the session screens count down from `seconds` instead of the configured idle time
 * (10 s or more): before kiosk.js runs (the document turns "interactive" just before deferred
 * scripts run), data-idle is changed and the configured value kept in data-idle-configured.
 * Only while localStorage says so: `undo()` ends it.
 */
let idleScriptAdded = false;
async function shortenIdle(page, seconds) {
  if (!idleScriptAdded) {
    idleScriptAdded = true;
    await page.addInitScript(() => {
      document.addEventListener("readystatechange", () => {
        const n = window.localStorage.getItem("test-idle-s");
        const box = document.getElementById("countdown");
        if (document.readyState === "interactive" && n && box) {
          box.setAttribute("data-idle-configured", box.getAttribute("data-idle"));
          box.setAttribute("data-idle", n);
        }
      });
    });
  }
  await page.evaluate((n) => window.localStorage.setItem("test-idle-s", String(n)), seconds);
  return {
    configured: async () => Number(await page.getAttribute("#countdown", "data-idle-configured")),
    undo: () => page.evaluate(() => window.localStorage.removeItem("test-idle-s")),
  };
}

/** The event posts the page sends (form bodies). */
function recordPosts(page) {
  const posted = [];
  const on = (r) => {
    if (r.method() === "POST" && r.url().endsWith("/session/event")) {
      posted.push(r.postData() || "");
    }
  };
  page.on("request", on);
  return { posted, stop: () => page.off("request", on) };
}

test("replace: pressing 我没有 until the one-time notice, which lists every missing item", async () => {
  const { page, kiosk } = t;
  await home(page, kiosk);
  let s = await startBusiness(page, "replace");
  let presses = 0;
  for (; presses < 8 && s !== "notice"; presses += 1) {
    await t.visit(`replace-${s}`);
    const lack = page.getByRole("button", { name: "我没有" });
    assert.equal(await lack.isVisible(), true, `screen ${s} offers 我没有`);
    s = await step(page, () => lack.click());
  }
  assert.equal(s, "notice");
  assert.ok(presses >= 1);
  const items = await page.locator("ol.notice-items li").allInnerTexts();
  assert.ok(items.length >= 1, "the notice lists the missing items");
  for (const item of items) {
    assert.ok(item.trim().length > 0, "no empty item");
  }
  await t.visit("replace-notice");
  // A case ended with a one-time notice is rated too (BUSINESS-RULES.md section 6); 基本满意
  // is a good rating, so no reasons are asked.
  assert.equal(await page.locator("button.rate").count(), 5, "the five rating levels");
  await rate(t, 3, "replace-notice");
});

test("a card pulled before the PIN is entered: a clear message, then cancel goes home", async () => {
  const { page, kiosk } = t;
  await home(page, kiosk);
  await insertCard(kiosk, "v2-3des.toml");
  await startBusiness(page, "pin_change");
  await waitScreen(page, "ask-idcard");
  await step(page, () => placeIdCard(kiosk, "v2-3des.toml"), "confirm");
  await step(page, () => actionButton(page, "confirm").click(), "pins");
  // The kiosk says so at once: the page reloads on the host's event, still on the PIN screen
  // (nothing was sent to the card), with the problem shown.
  await step(page, () => pullCard(kiosk), "pins");
  const problem = (await page.locator("#problem").innerText()).trim();
  assert.match(problem, /卡片已取出/, `said at once: ${problem}`);
  await t.visit("pulled-pins");
  await enterPins(page, { old: CARD_PIN, new: GOOD_PIN });
  const s = await step(page, () => page.locator("form[data-pin-form] button[type=submit]").click());
  assert.ok(["interrupted", "failed", "pins"].includes(s), `after sending without the card: ${s}`);
  const message = (await page.locator(".outcome .message, #problem").first().innerText()).trim();
  assert.ok(message.length >= 4, `a clear message: ${JSON.stringify(message)}`);
  assert.doesNotMatch(message, /panic|error:|Err\(|0x[0-9a-f]{4}|^[0-9A-F]{4}$/i, "no raw error");
  assert.doesNotMatch(await page.content(), new RegExp(GOOD_PIN), "the PIN is not in the page");
  await t.visit(`pulled-${s}`);
  // A failed business is finished by its own button (nothing is left to cancel there).
  const end = s === "failed" ? actionButton(page, "finish") : page.locator(".session-bar form.cancel button");
  await step(page, () => end.click(), "home");
  await t.visit("pulled-home");
});

test("idle timeout: the page's countdown posts timeout and the kiosk goes home", async () => {
  const { page, kiosk } = t;
  await home(page, kiosk);
  // The configured idle time is 10 s or more: the page counts down from 3 s instead.
  const idle = await shortenIdle(page, 3);
  const posts = recordPosts(page);
  try {
    await startBusiness(page, "status");
    await waitScreen(page, "ask-idcard");
    assert.ok((await idle.configured()) >= 10, `the configured idle time: ${await idle.configured()}`);
    assert.equal(await page.getAttribute("#countdown", "data-idle"), "3");
    assert.equal(await page.locator("#countdown").isVisible(), true, "a visible countdown");
    await t.visit("timeout-ask-idcard");
    // Never a silent return (issue 22): 已超时退出 on take_cards, then home.
    await waitScreen(page, "take_cards", 10000);
    assert.match(await page.locator("main").innerText(), /已超时退出/);
    await waitScreen(page, "home", 20000);
    assert.ok(posts.posted.some((p) => p.includes("action=timeout")), `posted: ${posts.posted}`);
  } finally {
    posts.stop();
    await idle.undo();
  }
  // The session is gone on the server too.
  const json = await sim(kiosk, "GET", "/api/session");
  assert.equal(json.screen.screen, "home", JSON.stringify(json).slice(0, 300));
  await t.visit("timeout-home");
});

test("more time: the button restarts the countdown on the same page, nothing typed is lost", async () => {
  const { page, kiosk } = t;
  await home(page, kiosk);
  // 8 s: typing on the keyboards takes a few of them (the countdown runs on while typing).
  const idle = await shortenIdle(page, 8);
  const posts = recordPosts(page);
  try {
    await startBusiness(page, "change_info");
    await waitScreen(page, "ask-idcard");
    await step(page, () => sim(kiosk, "POST", "/api/sim/idcard", { person: "v3-sm4.toml" }), "ask-card");
    await step(page, () => insertCard(kiosk, "v3-sm4.toml"), "ask-contact");
    // Typed as at the kiosk: the division on the picker, the street on the pinyin keyboard.
    await pickDivision(page, ["阜康市", "博峰街道"]);
    await typeText(page, "street", [
      { pinyin: "bofeng", pick: "博峰" },
      { pinyin: "jie", pick: "街" },
      { keys: "14" },
      { pinyin: "hao", pick: "号" },
    ]);
    assert.equal(await page.locator("#street").inputValue(), "博峰街14号", "the street typed");
    await page.evaluate(() => {
      window.__samePage = true;
    });
    // Wait for the warning (the last seconds), then ask for more time.
    await page.locator("#countdown.soon").waitFor({ timeout: 9000 });
    const left = Number(await page.locator("#countdown-s").innerText());
    assert.ok(left <= 2, `the warning comes in the last seconds: ${left}`);
    assert.ok((await page.locator("#countdown-live").innerText()).length > 0, "the warning is said");
    // Asked for at once: an axe scan of the page with its keyboard open can take longer than
    // the warning's seconds (the same page is scanned in the businesses' walks), so only a
    // screenshot here.
    await page.screenshot({ path: join(SHOTS, "edges-more-time-soon.png"), fullPage: true });
    // The full-screen question covers the page by then (issue 22): its 继续 asks for more time.
    assert.equal(await page.locator("#still-there").isVisible(), true, "还需要时间吗？ on the whole screen");
    await page.locator("#still-there [data-continue]").click();
    await poll(page, () => !document.getElementById("countdown").classList.contains("soon"), undefined, {
      timeout: 3000,
    });
    assert.ok(Number(await page.locator("#countdown-s").innerText()) >= 6, "the countdown starts again");
    assert.ok(posts.posted.some((p) => p === "action=more_time"), `posted: ${posts.posted}`);
    // Past the first deadline: still the same page, with what was typed.
    await page.waitForTimeout(2500);
    assert.equal(await page.evaluate(() => window.__samePage === true), true, "the page was not reloaded");
    assert.equal(await screenOf(page), "ask-contact");
    assert.equal(await page.locator("#street").inputValue(), "博峰街14号", "the street typed is kept");
    assert.notEqual(await page.locator("#division").inputValue(), "", "the division chosen is kept");
    assert.ok(!posts.posted.some((p) => p.includes("action=timeout")), `no timeout yet: ${posts.posted}`);
    // And then it runs out for real: 已超时退出 and the cards handed back (issue 22).
    await waitScreen(page, "take_cards", 12000);
    assert.ok(posts.posted.some((p) => p.includes("action=timeout")), `posted: ${posts.posted}`);
    await pullCard(kiosk);
    await waitScreen(page, "home", 20000);
  } finally {
    posts.stop();
    await idle.undo();
    await pullCard(kiosk);
  }
});

test("typing is activity: a citizen typing longer than the idle time is not timed out, and the host is told", async () => {
  const { page, kiosk } = t;
  await home(page, kiosk);
  const idle = await shortenIdle(page, 4);
  const posts = recordPosts(page);
  try {
    await startBusiness(page, "change_info");
    await waitScreen(page, "ask-idcard");
    await step(page, () => sim(kiosk, "POST", "/api/sim/idcard", { person: "v3-sm4.toml" }), "ask-card");
    await step(page, () => insertCard(kiosk, "v3-sm4.toml"), "ask-contact");
    await page.evaluate(() => {
      window.__samePage = true;
    });
    // A digit every second for 9 s: more than twice the 4 s idle time, slowly, as an elderly
    // citizen types a phone number.
    for (const d of "138123456") {
      await padDigits(page, "phone", d);
      await page.waitForTimeout(1000);
    }
    assert.equal(await page.evaluate(() => window.__samePage === true), true, "the page was not reloaded");
    assert.equal(await screenOf(page), "ask-contact");
    assert.equal(await page.locator("#phone").inputValue(), "138123456", "what was typed is there");
    assert.ok(!posts.posted.some((p) => p.includes("action=timeout")), `no timeout: ${posts.posted}`);
    // The host heard of it (at most every 5 s), and its session is the same one.
    assert.ok(posts.posted.some((p) => p === "action=activity"), `posted: ${posts.posted}`);
    const json = await sim(kiosk, "GET", "/api/session");
    assert.deepEqual([json.screen.screen, json.screen.ask?.kind], ["ask", "contact"], JSON.stringify(json).slice(0, 300));
    // Once the typing stops, the countdown runs out as before: 已超时退出, the cards handed back.
    await waitScreen(page, "take_cards", 12000);
    assert.ok(posts.posted.some((p) => p.includes("action=timeout")), `posted: ${posts.posted}`);
    await pullCard(kiosk);
    await waitScreen(page, "home", 20000);
  } finally {
    posts.stop();
    await idle.undo();
    await pullCard(kiosk);
  }
});

test("suggestion box: from the home screen, an empty text is refused, then one is sent (and in Uyghur)", async () => {
  const { page, kiosk } = t;
  await home(page, kiosk);
  await page.getByRole("link", { name: "意见建议" }).click();
  await waitScreen(page, "suggest");
  await t.visit("suggest");
  // Blank text passes the browser's `required` check; the kiosk refuses it and says why.
  await typeText(page, "suggest-text", [{ layer: "latin" }, { keys: "   " }]);
  await page.getByRole("button", { name: "提交" }).click();
  await waitScreen(page, "suggest");
  assert.match(await page.getByRole("alert").innerText(), /请先写下您的意见或建议/);
  await t.visit("suggest-refused");
  // Cleared with the keyboard's backspace, then typed in pinyin, a character at a time.
  await clearText(page, "suggest-text");
  await typeText(page, "suggest-text", [
    { layer: "pinyin" },
    ...[["xi", "希"], ["wang", "望"], ["zhou", "周"], ["mo", "末"], ["ye", "也"], ["neng", "能"], ["ban", "办"], ["li", "理"]].map(
      ([pinyin, pick]) => ({ pinyin, pick }),
    ),
  ]);
  assert.equal(await page.locator("#suggest-text").inputValue(), "希望周末也能办理");
  await page.getByRole("button", { name: "提交" }).click();
  await waitScreen(page, "suggest-sent");
  assert.match(await page.locator(".suggest .thanks").innerText(), /已收到/);
  await t.visit("suggest-sent");
  await page.getByRole("link", { name: "返回首页" }).click();
  await waitScreen(page, "home");
  // The same box in Uyghur.
  await home(page, kiosk, "?lang=ug&elderly=0");
  await page.getByRole("link", { name: "پىكىر-تەكلىپ" }).click();
  await waitScreen(page, "suggest");
  assert.equal(await page.locator("html").getAttribute("lang"), "ug");
  await t.visit("suggest-ug");
});

accessibilityTest(t);
