// The identity step (人证核验, issue 19) through the real pages, on simulated hardware whose
// camera shows, during a match, the person of the ID card blinking and turning as asked
// (`live`), their printed photo held up (`held_up`), or someone else blinking and turning
// (`other_person`): hw-sim's camera::live scenes built from real photographs. For a 补领, a 注销
// and an agent's case:
//
//   another person      → the match fails, "end" → refused naming the counter; the status
//                          query shows the card as it was
//   a held-up photo      → liveness fails → "ask for staff" → the staff page (front desk,
//                          logged in) decides: refused (补领, 注销) or approved (agent case, done)
//   the live person      → the match passes → confirmation → done
//
// One kiosk for the file, with `[face] liveness_seconds = 5` and one retry (a held-up photo
// fails within 25 frames) and a front-desk account.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KIOSK_BIN, accessibilityTest, actionButton, sim, step, useKiosk, waitScreen } from "./lib.mjs";
import { FACE_MATCH_MS, mainText, statusQuery, walkBusiness } from "./walk.mjs";

const DESK = { user: "desk", password: "test-front-desk-pw" };
const dir = mkdtempSync(join(tmpdir(), "kiosk-face-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig() {
  let toml = execFileSync(KIOSK_BIN, ["config", "staff", DESK.user, "--role", "front_desk"], {
    input: `${DESK.password}\n`,
    encoding: "utf8",
  });
  toml += "\n[face]\nliveness_seconds = 5\nretries = 1\n";
  const file = join(dir, "kiosk.toml");
  writeFileSync(file, toml);
  execFileSync(KIOSK_BIN, ["config", "validate", file], { stdio: "pipe" });
  return ["--config", file];
}

const t = useKiosk("face", { args: writeConfig });

/** The businesses: how each is walked up to the identity step. */
const CASES = {
  replace: { code: "replace", people: ["t0-blocked-6a81.toml"], scenes: ["good"], reason: "damaged" },
  cancel: {
    code: "cancel",
    people: ["v3-uyghur.toml"],
    card: "v3-uyghur.toml",
    reason: "emigration",
    bank: "BOC-2026-0001",
  },
  agent: { code: "report_loss", agent: true, people: ["v3-sm4.toml", "long-term.toml"] },
};

/** Walks `which` with the camera showing `faceScene`, to the screen `end`. */
async function walkTo(which, faceScene, end, label) {
  const c = CASES[which];
  return walkBusiness(t, { ...c, faceScene, end, label: `face-${which}-${label}`, keepCard: true });
}

/** The front desk's decision on the staff page, in a page of its own. */
async function staffDecides(decision) {
  const staff = await t.browser.newPage();
  try {
    await staff.goto(t.kiosk.url + "/staff/login");
    await staff.locator("#staff-user").fill(DESK.user);
    await staff.locator("#staff-password").fill(DESK.password);
    await staff.getByRole("button", { name: "登录 / Log in" }).click();
    await staff.waitForURL((u) => !u.pathname.endsWith("/login"));
    await staff.goto(t.kiosk.url + "/staff/identity");
    const button = staff.locator(`form[action="/staff/identity"]:has(input[name="decision"][value="${decision}"]) button`);
    assert.equal(await button.count(), 1, "the waiting case is offered to the staff");
    await button.click();
    await staff.locator("p.notice").waitFor();
  } finally {
    await staff.close();
  }
}

async function failedBecause(why) {
  const text = await mainText(t.page);
  assert.match(text, /人证核验未通过/, "the failure is explained");
  assert.match(text, why, "with why");
  assert.match(text, /没有任何改变/, "and that nothing changed");
}

for (const which of Object.keys(CASES)) {
  test(`${which}: another person at the camera fails the match and ends before anything changes`, async () => {
    await walkTo(which, "other_person", "face-failed", "other");
    await failedBecause(/面部与身份证持有人的照片不一致/);
    await t.visit(`face-${which}-other-failed`);
    const s = await step(t.page, () => actionButton(t.page, "face_end").click(), "refused");
    assert.equal(s, "refused");
    assert.match(await mainText(t.page), /服务窗口/, "the refusal names the counter");
    await step(t.page, () => actionButton(t.page, "finish").click(), "home");
    if (which === "cancel") {
      assert.match(await statusQuery(t, "v3-uyghur.toml", "face-cancel-after-other"), /卡状态: 封存/);
    }
    if (which === "replace") {
      await sim(t.kiosk, "DELETE", "/api/sim/card");
    }
  });

  test(`${which}: a held-up photo fails liveness and goes to the staff path`, async () => {
    await walkTo(which, "held_up", "face-failed", "held-up");
    await failedBecause(/真人/);
    assert.equal(await actionButton(t.page, "face_retry").count(), 1, "a retry is offered once");
    // The retry fails the same way; then no retry is left.
    await step(t.page, () => actionButton(t.page, "face_retry").click());
    await waitScreen(t.page, "face-failed", FACE_MATCH_MS);
    assert.equal(await actionButton(t.page, "face_retry").count(), 0, "no second retry");
    const s = await step(t.page, () => actionButton(t.page, "face_staff").click(), "face-staff");
    await t.visit(`face-${which}-staff`);
    assert.match(await mainText(t.page), /工作人员将核验您的身份/);
    if (which === "agent") {
      await staffDecides("approve");
      await waitScreen(t.page, "confirm", 20000);
      await step(t.page, () => actionButton(t.page, "confirm").click(), "done");
      await step(t.page, () => actionButton(t.page, "finish").click(), "home");
    } else {
      await staffDecides("refuse");
      await waitScreen(t.page, "refused", 20000);
      await step(t.page, () => actionButton(t.page, "finish").click(), "home");
    }
    assert.equal(s, "face-staff");
  });

  test(`${which}: the live person passes the match and the business is done`, async () => {
    const spec = { ...CASES[which] };
    if (which === "agent") {
      // 马丽's loss was reported with the staff's approval: another principal now.
      spec.people = ["pin-blocked.toml", "long-term.toml"];
    }
    const r = await walkBusiness(t, { ...spec, faceScene: "live", label: `face-${which}-live`, rate: null });
    assert.ok(r.screens.includes("confirm"), `confirmed after the match: ${r.screens}`);
    await sim(t.kiosk, "DELETE", "/api/sim/card");
  });
}

accessibilityTest(t);
