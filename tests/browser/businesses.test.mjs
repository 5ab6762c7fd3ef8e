// Every business of BUSINESS-RULES.md not walked elsewhere, end to end in zh-CN through the
// real pages: one row per business (who, which card, what the forms get, the screens in
// order, what only that business shows), walked by walk.mjs, on one kiosk whose demo
// registry changes as the rows run — so the order matters (see data/demo/registry.toml):
//
//   李淑珍 (no card)           apply, with a refused photo then a good one; later the agent
//   张伟 (active, v2-3des)      ecard → change_info → photo → pin_reset → loss reported by an
//                               agent (李淑珍) → replace (old card cancelled)
//   艾力 (PIN blocked)          status (locked) → pin_unblock → status (tries back)
//   古丽娜尔 (temporary loss)   cancel_loss → status (正常)
//   王建国 (expired card)       exchange for expiry → status (注销, application submitted)
//   马丽 (reissue batch, photo) reissue (no photo asked: one is on file)
//   阿卜杜热依木 (issued card)  cancel with the bank's receipt → status (注销)
//
// Elsewhere: status, report_loss, pin_change (citizen), enable (languages-elderly).

import { test } from "node:test";
import assert from "node:assert/strict";
import { accessibilityTest, home, useKiosk } from "./lib.mjs";
import { PEOPLE, mainText, maskedId, statusQuery, walkBusiness } from "./walk.mjs";

const t = useKiosk("businesses");

const receiptHas = (r, re, what) => assert.ok(r.receipt.some((l) => re.test(l)), `${what}: ${r.receipt.join(" | ")}`);
// 6.3.2: the case is 即时办结; the card's production has an expected date of its own.
const APPLICATION = /^预计制卡: \d{4}-\d{2}-\d{2} 前\(40个工作日/;
/** The confirm screen states what cannot be undone before the two touches (walk.mjs). */
const IRREVERSIBLE = async (page) => {
  const text = await page.locator(".consequences.irreversible").innerText();
  assert.match(text, /不可撤销/, `what cannot be undone: ${text}`);
};

const ROWS = [
  {
    title: "apply (申领) for 李淑珍: live camera preview, the pipeline's advice on a cluttered scene, then a good photo",
    code: "apply",
    people: ["long-term.toml"],
    holder: "long-term.toml",
    scenes: ["cluttered", "good"],
    path: ["ask-idcard", "ask-photo", "ask-photo", "photo-check", "confirm", "done"],
    checks: {
      "ask-photo": async (page, n) => {
        const advice = page.locator("section.advice li");
        if (n === 1) {
          assert.equal(await advice.count(), 0, "no advice before the first photo");
        } else {
          const lines = await advice.allInnerTexts();
          assert.equal(lines.length, 1, "the pipeline's advice after the refused photo");
          assert.match(lines[0], /背景/, `advice about the background: ${lines[0]}`);
        }
      },
      confirm: async (page) => {
        const text = await mainText(page);
        assert.match(text, /办理时限: 即时办结/, "the case's time limit (6.3.2)");
        assert.match(text, /预计40个工作日内制成/, "the production's expected time, apart");
      },
    },
    after: (r) => receiptHas(r, APPLICATION, "apply: the application's deadline"),
    rate: 4,
  },
  {
    title: "ecard (电子社保卡) for 张伟: the QR code of the new e-card on the result",
    code: "ecard",
    people: ["v2-3des.toml"],
    holder: "v2-3des.toml",
    path: ["ask-idcard", "confirm", "done"],
    checks: {
      done: async (page) => {
        const qr = page.locator(".qr .qr-code[role=img] svg");
        assert.equal(await qr.count(), 1, "a QR code");
        assert.equal(await qr.isVisible(), true);
        const box = await qr.boundingBox();
        assert.ok(box.width >= 120 && box.height >= 120, `a QR large enough to scan: ${JSON.stringify(box)}`);
        assert.ok((await page.locator(".qr-code").getAttribute("aria-label")).length > 0, "the QR is labelled");
      },
    },
    after: (r) => receiptHas(r, /电子社保卡已签发/, "ecard: issued"),
  },
  {
    title: "change_info (信息变更) for 张伟 with his card: new phone and address, the phone masked",
    code: "change_info",
    people: ["v2-3des.toml"],
    card: "v2-3des.toml",
    holder: "v2-3des.toml",
    contact: {
      phone: "13800138000",
      division: ["昌吉市", "延安北路街道"],
      street: [
        { pinyin: "yananbeilu", pick: "延安北路" },
        { keys: "30" },
        { pinyin: "hao", pick: "号" },
        { keys: "2" },
        { pinyin: "danyuan", pick: "单元" },
      ],
      expectStreet: "延安北路30号2单元",
    },
    path: ["ask-idcard", "ask-card", "ask-contact", "confirm", "done"],
    checks: {
      "ask-contact": async (page) => {
        assert.equal(await page.locator("#phone").getAttribute("type"), "tel");
        assert.equal(await page.locator("label[for=phone]").isVisible(), true, "the phone field is labelled");
      },
      confirm: async (page) => {
        const text = await mainText(page);
        // In full to the person who typed it, so a typo can be caught (issue 17 item 9).
        assert.match(text, /新手机号码\s*13800138000/, "the new phone in full on the confirm screen");
        assert.match(text, /新地址\s*新疆维吾尔自治区昌吉回族自治州昌吉市延安北路街道延安北路30号2单元/);
      },
      done: async (page) => {
        assert.match(await mainText(page), /新手机号码\s*138\*\*\*\*8000/, "masked again on the result");
        assert.doesNotMatch(await page.content(), /13800138000/, "not the full phone number");
      },
    },
    after: (r) => {
      receiptHas(r, /^结果: 已办结$/, "change_info: done");
      assert.ok(!r.receipt.join("\n").includes("13800138000"), "no full phone number on the receipt");
    },
  },
  {
    title: "photo (照片采集) alone for 张伟: one good photo",
    code: "photo",
    people: ["v2-3des.toml"],
    holder: "v2-3des.toml",
    scenes: ["good"],
    path: ["ask-idcard", "ask-photo", "photo-check", "confirm", "done"],
    checks: {
      // 6.1.3.2 a): the ID card original; an e-card QR stands in for it nowhere.
      "ask-idcard": async (page) => assert.equal(await page.locator(".ask-idcard .note").count(), 0, "no e-card QR instead"),
    },
    after: (r) => receiptHas(r, /^结果: 已办结$/, "photo: done"),
  },
  {
    title: "pin_reset (密码重置) for 张伟: ID card and card, a new PIN only, on the shuffled pad",
    code: "pin_reset",
    people: ["v2-3des.toml"],
    card: "v2-3des.toml",
    holder: "v2-3des.toml",
    path: ["ask-idcard", "ask-card", "confirm", "pins", "done"],
    checks: {
      pins: async (page) => {
        assert.equal(await page.locator("#pin-old").count(), 0, "no old PIN asked for a forgotten PIN");
        assert.equal(await page.locator("#pin-new").count(), 1);
        assert.equal(await page.locator("#pin-repeat").count(), 1);
      },
    },
    after: (r) => receiptHas(r, /^结果: 已办结$/, "pin_reset: done"),
  },
  {
    title: "pin_unblock (密码解锁) for 艾力: status says locked, unblock, status says tries left",
    code: "pin_unblock",
    people: ["pin-blocked.toml"],
    card: "pin-blocked.toml",
    holder: "pin-blocked.toml",
    path: ["ask-idcard", "ask-card", "confirm", "done"],
    before: async () => {
      const text = await statusQuery(t, "pin-blocked.toml", "unblock-before");
      assert.match(text, /密码: 已锁定/, "the PIN is blocked before");
    },
    after: async (r) => {
      receiptHas(r, /^结果: 已办结$/, "pin_unblock: done");
      // The same card, handed back and inserted again: the PIN counter lives on the card.
      const text = await statusQuery(t, "pin-blocked.toml", "unblock-after", { again: true });
      assert.match(text, /密码剩余尝试次数: [1-9]/, "tries are back");
      assert.doesNotMatch(text, /已锁定/);
    },
    rate: {
      level: 2,
      reasons: ["slow", "materials"],
      comment: { plan: [{ pinyin: "tai", pick: "太" }, { pinyin: "man", pick: "慢" }], text: "太慢" },
    },
  },
  {
    title: "cancel_loss (解挂) for 古丽娜尔 with the found card: status says 正常 afterwards",
    code: "cancel_loss",
    people: ["t0-blocked-6a81.toml"],
    card: "t0-blocked-6a81.toml",
    holder: "t0-blocked-6a81.toml",
    path: ["ask-idcard", "ask-card", "confirm", "done"],
    after: async (r) => {
      receiptHas(r, /^结果: 已办结$/, "cancel_loss: done");
      const text = await statusQuery(t, "t0-blocked-6a81.toml", "cancel-loss-after");
      assert.match(text, /卡状态: 正常/, "the card is back in normal use");
    },
  },
  {
    title: "exchange (换领) for 王建国's expired card: photo, reason, then the old card is cancelled",
    code: "exchange",
    people: ["expired.toml"],
    card: "expired.toml",
    holder: "expired.toml",
    scenes: ["good"],
    reason: "expiring",
    path: ["ask-idcard", "ask-card", "ask-photo", "photo-check", "ask-reason", "confirm", "done"],
    checks: {
      "ask-reason": async (page) => {
        const values = await page.locator('input[name="reason"]').evaluateAll((l) => l.map((i) => i.value));
        assert.deepEqual(values, ["damaged", "expiring", "key_data_changed"]);
      },
      confirm: async (page) => {
        assert.match(await mainText(page), /原因\s*有效期将满/);
        await IRREVERSIBLE(page);
      },
    },
    after: async (r) => {
      receiptHas(r, APPLICATION, "exchange: the application's deadline");
      const text = await statusQuery(t, "expired.toml", "exchange-after");
      assert.match(text, /卡状态: 注销/, "the old card is cancelled");
      assert.match(text, /申请进度: 已提交/, "the new card's application is submitted");
    },
  },
  {
    title: "reissue (换发) for 马丽 in the issuer's batch: her photo is on file, none taken",
    code: "reissue",
    people: ["v3-sm4.toml"],
    card: "v3-sm4.toml",
    holder: "v3-sm4.toml",
    path: ["ask-idcard", "ask-card", "confirm", "done"],
    checks: { confirm: IRREVERSIBLE },
    after: (r) => receiptHas(r, APPLICATION, "reissue: the application's deadline"),
  },
  {
    title: "agent (委托) report_loss for 张伟 by 李淑珍: the holder's ID card, then the agent's own",
    code: "report_loss",
    agent: true,
    label: "agent-loss",
    people: ["v2-3des.toml", "long-term.toml"],
    holder: "v2-3des.toml",
    path: ["ask-idcard", "ask-idcard", "confirm", "done"],
    checks: {
      "ask-idcard": async (page, n) => {
        const prompt = await page.locator(".ask-idcard h2").innerText();
        if (n === 1) {
          assert.equal(prompt, "请将身份证放在读卡区", "first the holder's ID card");
        } else {
          assert.equal(prompt, "请代办人将本人身份证放在读卡区", "then the agent's own");
        }
      },
      confirm: async (page) => {
        const agent = `李** ${maskedId(PEOPLE["long-term.toml"].id)}`;
        assert.match(await mainText(page), new RegExp(`代办人\\s*${agent.replace(/\*/g, "\\*")}`));
        // Consequences before confirming (issue 22 item 7): the 15-day window, the bank's part.
        const said = await page.locator(".consequences").innerText();
        assert.match(said, /15天后自动解除/, `the loss window: ${said}`);
        assert.match(said, /另行向合作银行挂失/, `the bank's part: ${said}`);
        assert.equal(await page.locator(".consequences.irreversible").count(), 0, "a loss report can be undone");
        assert.equal(await page.locator('input[name="action"][value="acknowledge"]').count(), 0, "one touch");
      },
    },
    after: (r) => {
      receiptHas(r, new RegExp(`^代办人: 李\\*\\* ${maskedId(PEOPLE["long-term.toml"].id).replace(/\*/g, "\\*")}$`), "agent on the receipt");
      receiptHas(r, /^卡状态: 临时挂失/, "report_loss: temporary loss");
    },
  },
  {
    title: "replace (补领) for 张伟 after the loss: the old card is cancelled and blocked when put in",
    code: "replace",
    people: ["v2-3des.toml"],
    holder: "v2-3des.toml",
    // His photo is on file since the photo row.
    path: ["ask-idcard", "confirm", "done"],
    checks: { confirm: IRREVERSIBLE },
    after: async (r) => {
      receiptHas(r, APPLICATION, "replace: the application's deadline");
      const text = await statusQuery(t, "v2-3des.toml", "replace-after");
      assert.match(text, /卡状态: 注销/, "the old card is cancelled");
      assert.match(text, /申请进度: 已提交/, "the replacement's application is submitted");
    },
  },
  {
    title: "cancel (注销) of 阿卜杜热依木's card: reason and the bank's receipt number, then 注销",
    code: "cancel",
    people: ["v3-uyghur.toml"],
    card: "v3-uyghur.toml",
    holder: "v3-uyghur.toml",
    reason: "emigration",
    bank: "ICBC-652301-20261128-0042",
    path: ["ask-idcard", "ask-card", "ask-reason", "ask-bank", "confirm", "done"],
    checks: {
      "ask-reason": async (page) => {
        const values = await page.locator('input[name="reason"]').evaluateAll((l) => l.map((i) => i.value));
        assert.deepEqual(values, ["death", "emigration", "duplicate"]);
      },
      "ask-bank": async (page) => assert.equal(await page.locator("#receipt").getAttribute("required"), ""),
      confirm: async (page) => {
        assert.match(await mainText(page), /原因\s*出国\(境\)定居/);
        await IRREVERSIBLE(page);
      },
    },
    after: async (r) => {
      receiptHas(r, /^结果: 已办结$/, "cancel: done");
      const text = await statusQuery(t, "v3-uyghur.toml", "cancel-after");
      assert.match(text, /卡状态: 注销/, "the record is cancelled");
    },
  },
];

test("the home menu: 15 businesses in 5 groups; with the agent switch on, only what an agent may do", async () => {
  const { page } = t;
  await home(page, t.kiosk);
  await t.visit("home");
  const all = await page.locator("button.tile[name=business]").evaluateAll((l) => l.map((b) => b.value));
  assert.equal(all.length, 15, `the 15 businesses: ${all}`);
  assert.equal(await page.locator(".groups section.group").count(), 5, "five groups");
  const enabled = () =>
    page.locator("button.tile[name=business]:not([disabled])").evaluateAll((l) => l.map((b) => b.value));
  assert.equal((await enabled()).length, 15, "all can be chosen by the holder");
  await page.locator('label[for="agent"]').click();
  assert.equal(await page.locator("#agent").isChecked(), true);
  const agents = await enabled();
  for (const never of ["enable", "pin_change", "pin_reset", "pin_unblock"]) {
    assert.ok(!agents.includes(never), `no agent for ${never}`);
  }
  for (const allowed of ["apply", "report_loss", "cancel", "status"]) {
    assert.ok(agents.includes(allowed), `an agent may do ${allowed}`);
  }
  await t.visit("home-agent");
  await page.locator('label[for="agent"]').click();
  assert.equal((await enabled()).length, 15, "the switch off again");
});

for (const row of ROWS) {
  test(row.title, async () => {
    if (row.before) {
      await row.before();
    }
    const r = await walkBusiness(t, row);
    if (row.after) {
      await row.after(r);
    }
  });
}

accessibilityTest(t);
