// One walk fully in English (?lang=en): an exchange with the richest set of screens (ID card,
// card, a refused photo with the pipeline's advice then a good one, the reason, confirmation,
// result, printed receipt, rating). Every screen's own words are English; only personal data
// (the masked name) and the receipt, which is the Chinese record the printer gives, are not.

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessibilityTest, home, useKiosk } from "./lib.mjs";
import { walkBusiness } from "./walk.mjs";

const t = useKiosk("english");
const HAN = /\p{Script=Han}/u;

/** The screen's own texts (headings, prompts, labels, buttons, hints, notes, advice). */
async function ownTexts(page) {
  return page.evaluate(() => {
    const sel = [
      "h1", "h2", "h3", "legend", "label", "dt", "p.hint", "p.note", "p.alert", ".notes li",
      ".advice li", ".countdown-time", "figcaption", "main button", ".session-bar button",
    ].join(",");
    return Array.from(document.querySelectorAll(sel))
      .filter((el) => !el.closest(".receipt") && !el.closest("nav"))
      .map((el) => el.innerText.trim())
      .filter(Boolean);
  });
}

async function englishScreen(page, label) {
  assert.equal(await page.getAttribute("html", "lang"), "en", `${label}: lang=en`);
  assert.equal(await page.getAttribute("html", "dir"), "ltr", `${label}: dir=ltr`);
  for (const text of await ownTexts(page)) {
    assert.doesNotMatch(text, HAN, `${label}: Chinese in ${JSON.stringify(text)}`);
  }
}

test("exchange fully in English: every prompt, label, button and the photo advice", async () => {
  await home(t.page, t.kiosk, "?lang=en&elderly=0");
  await englishScreen(t.page, "home");
  await t.visit("en-home");
  const r = await walkBusiness(t, {
    code: "exchange",
    label: "en-exchange",
    query: "?lang=en&elderly=0",
    people: ["expired.toml"],
    card: "expired.toml",
    holder: "expired.toml",
    scenes: ["too_far", "good"],
    reason: "damaged",
    path: ["ask-idcard", "ask-card", "ask-photo", "ask-photo", "photo-check", "ask-reason", "confirm", "done"],
    each: englishScreen,
    checks: {
      "ask-idcard": async (page) =>
        assert.equal(await page.locator(".ask-idcard h2").innerText(), "Place your ID card on the reader"),
      "ask-photo": async (page, n) => {
        if (n === 2) {
          const advice = await page.locator("section.advice li").allInnerTexts();
          assert.equal(advice.length, 1, "the pipeline's advice");
          assert.match(advice[0], /[a-z]{3,}/i, `advice in English: ${advice}`);
        }
      },
      "ask-reason": async (page) => {
        const labels = await page.locator(".ask-reason .choice label").allInnerTexts();
        assert.deepEqual(labels, [
          "the card is damaged",
          "the card expires soon",
          "name, ID number or other key data changed",
        ]);
      },
      confirm: async (page) => {
        const rows = await page.locator("dl.fields .field-row").evaluateAll((l) =>
          l.map((r) => [r.querySelector("dt").innerText, r.querySelector("dd").innerText]),
        );
        assert.deepEqual(
          rows.map(([k]) => k),
          ["Name", "ID number", "Card number", "Reason"],
        );
        assert.equal(rows[3][1], "the card is damaged");
        const notes = await page.locator(".notes li").allInnerTexts();
        assert.ok(notes.some((n) => /^Time limit: Completed on the spot/.test(n)), `notes: ${notes}`);
        assert.ok(notes.some((n) => /^Card production: .*40 working days/.test(n)), `notes: ${notes}`);
        // What cannot be undone, in English, before the second touch.
        const said = await page.locator(".consequences.irreversible").innerText();
        assert.match(said, /cannot be undone/, said);
      },
      done: async (page) => {
        assert.equal(await page.locator("main h2.prompt").innerText(), "Done");
        assert.ok(await page.getByRole("button", { name: "Print the receipt" }).isVisible());
      },
    },
  });
  // The receipt is in the session's language (issue 22): the case is done on the spot, the
  // card's production has its own expected date (issue 17).
  assert.ok(r.receipt.some((l) => /^Time limit: Completed on the spot/.test(l)), `the receipt has the time limit: ${r.receipt}`);
  assert.ok(r.receipt.some((l) => /^Card expected by .*40 working days/.test(l)), `the receipt has the production date: ${r.receipt}`);
  // Names and addresses stay as written (王建国's name, masked, is Chinese).
  const notName = r.receipt.filter((l) => !l.startsWith("Name: "));
  assert.doesNotMatch(notName.join("\n"), /\p{Script=Han}/u, `no Chinese on an English receipt: ${notName}`);
});

accessibilityTest(t);
