// A citizen's walk through a business: answers each screen the way a person at the kiosk would.

import assert from "node:assert/strict";
import { actionButton, insertCard, padType, placeIdCard, screenOf, waitScreen } from "./lib.mjs";

export const GOOD_PIN = "580317";
export const CARD_PIN = "123456";

/** Starts `code` from the home screen by clicking its menu button. */
export async function startBusiness(page, code) {
  await page
    .locator(`form:has(input[name="business"][value="${code}"]) button.menu-main`)
    .click();
  await waitScreen(page, ["ask-card", "ask-idcard", "ask", "confirm", "pins", "notice", "refused", "error"]);
}

/**
 * Walks on until a final screen: places the ID card / inserts the card when asked, confirms,
 * types PINs on the pad. `visit(label)` is called on each screen reached.
 */
export async function walk(page, kiosk, { card, person, visit, pins }) {
  const finals = ["done", "refused", "failed", "interrupted", "error", "home", "notice"];
  for (let step = 0; step < 12; step += 1) {
    const s = await screenOf(page);
    await visit(s);
    if (finals.includes(s)) {
      return s;
    }
    if (s === "ask-idcard") {
      assert.ok(person, "asked for an ID card");
      await placeIdCard(kiosk, person);
    } else if (s === "ask-card") {
      assert.ok(card, "asked for a card");
      await insertCard(kiosk, card);
    } else if (s === "confirm") {
      await actionButton(page, "confirm").click();
    } else if (s === "pins") {
      await enterPins(page, pins || { old: CARD_PIN, new: GOOD_PIN });
      await page.locator("form[data-pin-form] button[type=submit]").click();
    } else {
      throw new Error(`no way on from screen ${s} at ${page.url()}`);
    }
    // The page follows by itself (redirect after a form, or a server-sent event).
    await waitForChange(page, s);
  }
  throw new Error("too many steps");
}

/** Fills the PIN fields the form has, with the on-screen pad. */
export async function enterPins(page, { old, new: fresh }) {
  await page.locator("[data-pin-pad]").waitFor({ state: "visible" });
  if (await page.locator("#pin-old").count()) {
    await page.locator("#pin-old").focus();
    await padType(page, old);
  }
  if (await page.locator("#pin-new").count()) {
    await page.locator("#pin-new").focus();
    await padType(page, fresh);
    await page.locator("#pin-repeat").focus();
    await padType(page, fresh);
  }
}

async function waitForChange(page, from, timeout = 10000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    await page.waitForTimeout(150);
    try {
      await page.waitForLoadState("domcontentloaded");
      const s = await screenOf(page);
      if (s !== from) {
        // Let a server-sent event's reload settle.
        await page.waitForTimeout(150);
        await page.waitForLoadState("load");
        return s;
      }
    } catch {
      // navigating
    }
  }
  throw new Error(`the page stayed on ${from}`);
}
