// A citizen's walk through a business: answers each screen the way a person at the kiosk would
// (ID card and card through the simulated devices, forms and the PIN pad through the page),
// checks what every walk must show, and runs each business's own checks on the way.

import assert from "node:assert/strict";
import {
  actionButton, home, insertAgain, insertCard, padType, placeIdCard, poll, printedReceipts, pullCard, sim,
  step, takeCards, waitScreen,
} from "./lib.mjs";
import { codeType, padDigits, pickDivision, typeText } from "./keys.mjs";

export const GOOD_PIN = "580317";
/** The longest a simulated face match may take (a debug build on a loaded machine). */
export const FACE_MATCH_MS = 90000;
export const CARD_PIN = "123456";

/** The demo people (hw-sim/people), with their full ID numbers: never on a screen or receipt. */
export const PEOPLE = {
  "v2-3des.toml": { name: "张伟", id: "652301197508210015" },
  "v3-uyghur.toml": { name: "阿卜杜热依木", id: "65230119800506003X" },
  "v3-sm4.toml": { name: "马丽", id: "652302199203140023" },
  "expired.toml": { name: "王建国", id: "652323196207020019" },
  "t0-blocked-6a81.toml": { name: "古丽娜尔", id: "652301198809110047" },
  "pin-blocked.toml": { name: "艾力", id: "652301197001010057" },
  "long-term.toml": { name: "李淑珍", id: "652301195510030022" },
};

/** An ID number as screens and receipts show it: the first 6 and the last 4 digits. */
export function maskedId(id) {
  return `${id.slice(0, 6)}${"*".repeat(id.length - 10)}${id.slice(-4)}`;
}

/** The receipt's labels the walks check, in each screen language (issue 22: the receipt is
    in the session's language). */
export const RECEIPT_LABELS = {
  "zh-CN": { archive: "档号", id: "证件号码" },
  en: { archive: "Archive number", id: "ID number" },
  ug: { archive: "ئارخىپ نومۇرى", id: "كىملىك نومۇرى" },
};

/** The receipt labels of the language the page shows. */
export async function receiptLabels(page) {
  return RECEIPT_LABELS[(await page.getAttribute("html", "lang")) || "zh-CN"] || RECEIPT_LABELS["zh-CN"];
}

const FULL_IDS = new RegExp(Object.values(PEOPLE).map((p) => p.id).join("|"));

/** No full ID number of any demo person, and no PIN, in the page's markup or URL. */
export async function assertNothingUnmasked(page, where) {
  const html = await page.content();
  assert.doesNotMatch(html, FULL_IDS, `${where}: a full ID number in the page`);
  assert.doesNotMatch(html, new RegExp(`${GOOD_PIN}|${CARD_PIN}`), `${where}: a PIN in the page`);
  assert.doesNotMatch(page.url(), new RegExp(`${GOOD_PIN}|${CARD_PIN}`), `${where}: a PIN in the URL`);
}

/** Starts `code` from the home screen by touching its button (after the agent switch, for an
    agent). */
export async function startBusiness(page, code, { agent = false } = {}) {
  const button = page.locator(`button.tile[name="business"][value="${code}"]`).first();
  const agentSwitch = page.locator("#agent");
  if ((await agentSwitch.isChecked()) !== agent) {
    await page.locator('label[for="agent"]').click();
  }
  assert.equal(await button.isEnabled(), true, `${code} can be chosen${agent ? " by an agent" : ""}`);
  return step(page, () => button.click());
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

/** The text of the page's main part. */
export const mainText = (page) => page.locator("main").innerText();

/**
 * Walks business `spec.code` from a fresh home screen to the end, through the page:
 *
 * - `query`: the home URL's query (language, elderly mode); `agent`: start as an agent
 * - `people`: the ID cards placed, in the order the kiosk asks (the holder's, then the agent's)
 * - `card`: the card inserted when asked (taken back on `take_cards` at the end);
 *   `cardAgain`: the card the walk before took out is inserted again (the same chip)
 * - `scenes`: the camera scenes, one per press of the photo button
 * - `contact`: `{ phone, division: [county, town], street: typing plan (keys.mjs typeText) }`,
 *   typed on the on-screen keyboards; `reason`; `bank`: the receipt number, typed on the code
 *   keyboard; `pins`: for the PIN pad
 * - `holder`: the demo person file whose masked ID the confirmation and receipt show
 * - `end`: the final screen expected (default `done`)
 * - `rate`: the rating level (`{ level, reasons, comment: { plan, text } }` for a low one, the
 *   comment typed on the keyboard), or null to finish unrated
 * - `checks[screen]`: the business's own checks, called with (page, n, visitLabel) on the
 *   n-th screen of that kind, after the common ones; `each(page, visitLabel)`: checks for every
 *   screen (language, elderly mode); `path`: the exact screens expected, in order
 * - `label`: prefix of the screenshots
 *
 * Every screen reached gets a screenshot and an axe scan (`t.visit`). On `done`: the masked ID,
 * the receipt on screen with its archive number (档号), printed by the simulated printer as
 * shown, with no full ID number. Returns { screens, receipt, doneText }.
 */
export async function walkBusiness(t, spec) {
  const { page, kiosk } = t;
  const label = spec.label || spec.code;
  const people = [...(spec.people || [])];
  const scenes = [...(spec.scenes || [])];
  const checks = spec.checks || {};
  const holder = spec.holder ? PEOPLE[spec.holder] : null;
  const seen = [];
  let receipt = null;
  let doneText = "";
  let cardIn = false;

  // From no session, no card in the reader, the camera on a good scene.
  await sim(kiosk, "POST", "/api/sim/scene", { scene: "good" });
  // issue 19: the person on the ID card at the camera, for the identity step.
  await sim(kiosk, "POST", "/api/sim/face", { scene: spec.faceScene || "live" });
  await home(page, kiosk, spec.query);
  let s = await startBusiness(page, spec.code, { agent: spec.agent });
  for (let n = 0; n < 20; n += 1) {
    // issue 19: the identity step (its own screens are checked in face.test.mjs): consent,
    // then the live match runs by itself; neither counts in `path`.
    if (s === "face-consent") {
      await t.visit(`${label}-face-consent`);
      s = await step(page, () => actionButton(page, "face_accept").click());
      continue;
    }
    if (s === "face-match") {
      s = await waitScreen(page, ["confirm", "face-failed", "face-staff", "refused", "failed", "error"], FACE_MATCH_MS);
      continue;
    }
    seen.push(s);
    const visitLabel = `${label}-${s}-${seen.filter((x) => x === s).length}`;
    await t.visit(visitLabel);
    await assertNothingUnmasked(page, visitLabel);
    if (holder && (s === "confirm" || s === "done")) {
      assert.ok(
        (await mainText(page)).includes(maskedId(holder.id)),
        `${visitLabel}: the holder's ID number shown masked (${maskedId(holder.id)})`,
      );
    }
    if (s === "done") {
      doneText = await mainText(page);
      receipt = await page.locator(".receipt-lines li").allInnerTexts();
      const { archive } = await receiptLabels(page);
      assert.ok(receipt.some((l) => l.startsWith(`${archive}: `)), `${visitLabel}: an archive number: ${receipt}`);
    }
    if (spec.each) {
      await spec.each(page, visitLabel);
    }
    if (checks[s]) {
      await checks[s](page, seen.filter((x) => x === s).length, visitLabel);
    }
    if (s === (spec.end || "done") || ["home", "refused", "failed", "error", "notice", "take_cards"].includes(s)) {
      break;
    }

    if (s === "ask-idcard") {
      const person = people.shift();
      assert.ok(person, `${visitLabel}: asked for one more ID card than the walk has`);
      s = await step(page, () => placeIdCard(kiosk, person));
    } else if (s === "ask-card") {
      assert.ok(spec.card, `${visitLabel}: asked for a card`);
      cardIn = true;
      s = await step(page, () => (spec.cardAgain ? insertAgain(kiosk) : insertCard(kiosk, spec.card)));
    } else if (s === "ask-photo") {
      const scene = scenes.shift() || "good";
      await sim(kiosk, "POST", "/api/sim/scene", { scene });
      await assertLivePreview(page, visitLabel);
      s = await step(page, () => actionButton(page, "photo").click());
    } else if (s === "photo-check") {
      s = await step(page, () => actionButton(page, "photo_use").click());
    } else if (s === "ask-contact") {
      const c = spec.contact;
      if (c.phone) {
        await padDigits(page, "phone", c.phone);
        assert.equal(await page.locator("#phone").inputValue(), c.phone, `${visitLabel}: the phone typed`);
      }
      if (c.division) {
        await pickDivision(page, c.division, { prefecture: c.prefecture });
      }
      if (c.street) {
        await typeText(page, "street", c.street);
      }
      if (c.expectStreet) {
        assert.equal(await page.locator("#street").inputValue(), c.expectStreet, `${visitLabel}: the street typed`);
      }
      await t.visit(`${visitLabel}-typed`);
      s = await step(page, () => actionButton(page, "contact").click());
    } else if (s === "ask-reason") {
      await page.locator(`input[name="reason"][value="${spec.reason}"]`).check();
      s = await step(page, () => actionButton(page, "reason").click());
    } else if (s === "ask-bank") {
      await codeType(page, "receipt", spec.bank);
      assert.equal(await page.locator("#receipt").inputValue(), spec.bank, `${visitLabel}: the receipt number typed`);
      await t.visit(`${visitLabel}-typed`);
      s = await step(page, () => actionButton(page, "bank").click());
    } else if (s === "confirm") {
      // An irreversible business (补领, 换领, 换发, 注销) states what cannot be undone and takes
      // two deliberate touches: "I have read this", then confirm.
      if (await actionButton(page, "acknowledge").count()) {
        assert.equal(await actionButton(page, "confirm").count(), 0, `${visitLabel}: no confirm before the acknowledgement`);
        assert.equal(await page.locator(".consequences.irreversible").isVisible(), true, `${visitLabel}: what cannot be undone`);
        await step(page, () => actionButton(page, "acknowledge").click(), "confirm");
        await t.visit(`${visitLabel}-acknowledged`);
      }
      s = await step(page, () => actionButton(page, "confirm").click());
    } else if (s === "pins") {
      await enterPins(page, spec.pins || { old: CARD_PIN, new: GOOD_PIN });
      s = await step(page, () => page.locator("form[data-pin-form] button[type=submit]").click());
    } else {
      throw new Error(`${visitLabel}: no way on from screen ${s} at ${page.url()}`);
    }
  }
  assert.equal(s, spec.end || "done", `${label}: the walk ends on ${spec.end || "done"}: ${seen.join(" → ")}`);
  if (spec.path) {
    assert.deepEqual(seen, spec.path, `${label}: the screens of the walk`);
  }

  if (s === "done") {
    await printReceipt(t, receipt, holder, label);
    await rate(t, spec.rate === undefined ? 5 : spec.rate, label);
  }
  if (cardIn) {
    await pullCard(kiosk);
  }
  return { screens: seen, receipt, doneText };
}

/** The camera preview is an image that loaded, and the page fetches fresh frames by itself
    (generous waits: a debug build's frame takes seconds on a loaded machine). */
async function assertLivePreview(page, where) {
  const img = page.locator("img#preview");
  assert.equal(await img.isVisible(), true, `${where}: a camera preview`);
  const loaded = () => {
    const i = document.getElementById("preview");
    return i && i.complete && i.naturalWidth > 0 ? i.src : false;
  };
  const first = await poll(page, loaded, undefined, { timeout: 15000, polling: 100 });
  await poll(
    page,
    (src) => {
      const i = document.getElementById("preview");
      return i.src !== src && i.complete && i.naturalWidth > 0;
    },
    first,
    { timeout: 15000, polling: 100 },
  );
}

/** Presses 打印回执 and reads the simulated printer: the receipt as shown, masked. */
async function printReceipt(t, shown, holder, label) {
  const { page, kiosk } = t;
  const before = (await printedReceipts(kiosk)).length;
  await step(page, () => actionButton(page, "print").click(), "done");
  const printed = await printedReceipts(kiosk);
  assert.equal(printed.length, before + 1, `${label}: one receipt printed`);
  const lines = printed[printed.length - 1];
  assert.deepEqual(lines, shown, `${label}: the printed receipt is the one on the screen`);
  const text = lines.join("\n");
  const words = await receiptLabels(page);
  assert.ok(lines.some((l) => new RegExp(`^${words.archive}: \\S+-\\S+`).test(l)), `${label}: the printed receipt has the archive number`);
  assert.doesNotMatch(text, FULL_IDS, `${label}: no full ID number on the receipt`);
  assert.doesNotMatch(text, new RegExp(`${GOOD_PIN}|${CARD_PIN}`), `${label}: no PIN on the receipt`);
  if (holder) {
    assert.ok(text.includes(`${words.id}: ${maskedId(holder.id)}`), `${label}: the masked ID on the receipt`);
  }
}

/** The two-step rating (level, then send; reasons only for the two lowest), or finish. */
export async function rate(t, how, label) {
  const { page } = t;
  if (how === null) {
    await endSession(t, () => actionButton(page, "finish").click());
    return;
  }
  const { level, reasons = [], comment } = typeof how === "number" ? { level: how } : how;
  await page.locator(`button.rate[value="${level}"]`).click();
  assert.equal(await page.getAttribute(`button.rate[value="${level}"]`, "aria-pressed"), "true");
  const reasonBox = page.locator("[data-rating-reasons]");
  assert.equal(await reasonBox.isVisible(), level <= 2, `${label}: reasons only for a low rating`);
  if (level <= 2) {
    assert.ok(reasons.length > 0, "a low rating walk names reasons");
    for (const r of reasons) {
      assert.equal(await page.locator(`input[name="reasons"][value="${r}"]`).isVisible(), true, `reason ${r}`);
    }
    await t.visit(`${label}-rating-low`);
    for (const r of reasons) await page.locator(`input[name="reasons"][value="${r}"]`).check();
  }
  if (comment) {
    await typeText(page, "comment", comment.plan);
    assert.equal(await page.locator("#comment").inputValue(), comment.text, `${label}: the comment typed`);
    await t.visit(`${label}-rating-comment`);
  }
  await endSession(t, () => page.locator("[data-rating-submit]").click());
}

/** Ends the session by `action`: home, after `take_cards` while cards are in (taken back). */
export async function endSession(t, action) {
  const { page, kiosk } = t;
  const s = await step(page, action, ["home", "take_cards"]);
  if (s === "take_cards") {
    await t.visit("take-cards");
    await step(page, () => takeCards(kiosk), "home");
  }
}

/**
 * A status query through the page: the result's text (to see a state change). With `again`,
 * the card the walk before handed back is inserted again, the same chip (what only the card
 * knows, such as its PIN's tries, is then the card's own; a card inserted from its file is a
 * fresh copy). A card left in the reader is never read for the next session (issue 22).
 */
export async function statusQuery(t, card, label, { again = false } = {}) {
  // 6.1.3.2 a): the holder's ID card first (the demo people's files are named as their cards).
  const r = await walkBusiness(t, {
    code: "status",
    card,
    people: [card],
    label: `${label}-status`,
    rate: null,
    cardAgain: again,
    path: ["ask-idcard", "ask-card", "confirm", "done"],
    checks: {
      // The result as a large panel of its own (issue 22 item 7), not only in the receipt.
      done: async (page) => {
        const panel = page.locator(".result-panel");
        assert.equal(await panel.isVisible(), true, "the status result panel");
        assert.match(await panel.innerText(), /卡状态/);
      },
    },
  });
  return r.doneText;
}
