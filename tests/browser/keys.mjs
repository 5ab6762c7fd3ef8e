// Typing as a citizen at a touch screen does: only by pressing the page's on-screen keys (the
// digit pad, the code keyboard, the pinyin keyboard and its candidate bar, the Uyghur
// keyboard) and the division picker's buttons; never `fill`, never the hardware keyboard.

import assert from "node:assert/strict";

/** The keyboard bound to field `id`. */
export const keyboardOf = (page, id) => page.locator(`.kbd[data-kbd-for="${id}"]`);

/** Taps field `id` (its keyboard comes up) and checks the keyboard is showing. */
export async function tapField(page, id) {
  await page.locator(`#${id}`).click();
  const kb = keyboardOf(page, id);
  await kb.waitFor({ state: "visible" });
  return kb;
}

function key(scope, value) {
  return scope.locator(`button[data-k="${value.replace(/"/g, '\\"')}"]`);
}

/** Types digits on the digit pad of field `id`. */
export async function padDigits(page, id, digits) {
  const kb = await tapField(page, id);
  for (const d of digits) {
    await key(kb, d).click();
  }
  return kb;
}

/** Types on the code keyboard of field `id` (capitals, digits, '-'). */
export async function codeType(page, id, text) {
  const kb = await tapField(page, id);
  for (const c of text) {
    await key(kb, c).click();
  }
}

/** Chooses a layer (pinyin, uyghur, latin) of the text keyboard of field `id`. */
export async function chooseLayer(page, id, layer) {
  const kb = keyboardOf(page, id);
  const tab = kb.locator(`[data-kbd-layer="${layer}"]`);
  await tab.click();
  assert.equal(await tab.getAttribute("aria-pressed"), "true", `the ${layer} layer is on`);
  return kb.locator(`.kbd-layer[data-layer="${layer}"]`);
}

/** The visible layer of the text keyboard of field `id`. */
async function currentLayer(page, id) {
  const kb = keyboardOf(page, id);
  const name = await kb.locator('[data-kbd-layer][aria-pressed="true"]').getAttribute("data-kbd-layer");
  return { name, layer: kb.locator(`.kbd-layer[data-layer="${name}"]`) };
}

/** Presses the key typing `c` on `layer`, with shift first when only the shifted rows have it. */
async function pressChar(layer, c) {
  const plain = layer.locator('.kbd-rows[data-shift="off"]');
  const k = c === " " ? "{space}" : c;
  if ((await key(plain, k).count()) > 0) {
    await key(plain, k).first().click();
    return;
  }
  const shifted = layer.locator('.kbd-rows[data-shift="on"]');
  assert.ok((await key(shifted, k).count()) > 0, `no key types ${JSON.stringify(c)}`);
  await key(plain, "{shift}").first().click();
  await key(shifted, k).first().click();
}

/** The candidates the pinyin bar offers now, every page of them (paging with ›). */
export async function candidates(page, id) {
  const kb = keyboardOf(page, id);
  const all = [];
  for (let i = 0; i < 20; i += 1) {
    all.push(...(await kb.locator("[data-kbd-candidates] button").allInnerTexts()));
    const next = kb.locator('[data-kbd-page="1"]');
    if (await next.isDisabled()) break;
    await next.click();
  }
  // Back to the first page.
  for (let i = 0; i < 20 && !(await kb.locator('[data-kbd-page="-1"]').isDisabled()); i += 1) {
    await kb.locator('[data-kbd-page="-1"]').click();
  }
  return all;
}

/**
 * Types into the text field `id` with its keyboard, following `plan`: each step is
 * `{ pinyin, pick }` (the letters on the pinyin layer, then the candidate `pick` from the bar,
 * paging to it if need be), `{ keys }` (each character's key on the layer showing: digits,
 * punctuation, Uyghur or Latin letters, space) or `{ layer }` (switch layers).
 */
export async function typeText(page, id, plan) {
  await tapField(page, id);
  for (const step of plan) {
    if (step.layer) {
      await chooseLayer(page, id, step.layer);
    } else if (step.pinyin) {
      const { name, layer } = await currentLayer(page, id);
      assert.equal(name, "pinyin", "pinyin is typed on the pinyin layer");
      for (const l of step.pinyin) {
        await key(layer, l).click();
      }
      const kb = keyboardOf(page, id);
      assert.equal(await kb.locator("[data-kbd-buffer]").innerText(), step.pinyin, "the letters shown");
      const bar = kb.locator("[data-kbd-candidates]");
      let found = false;
      for (let i = 0; i < 20 && !found; i += 1) {
        const button = bar.locator("button", { hasText: new RegExp(`^${step.pick}$`) });
        if ((await button.count()) > 0) {
          await button.first().click();
          found = true;
        } else if (await kb.locator('[data-kbd-page="1"]').isDisabled()) {
          break;
        } else {
          await kb.locator('[data-kbd-page="1"]').click();
        }
      }
      assert.ok(found, `${step.pinyin}: ${step.pick} is a candidate (${await bar.innerText()})`);
    } else if (step.keys !== undefined) {
      const { layer } = await currentLayer(page, id);
      for (const c of step.keys) {
        await pressChar(layer, c);
      }
    } else {
      throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
  }
}

/** Picks the division: the names of each level after the prefecture (Changji is shown first). */
export async function pickDivision(page, names, { prefecture } = {}) {
  const picker = page.locator(".division-picker");
  await picker.waitFor({ state: "visible" });
  if (prefecture) {
    await picker.locator(".picker-chosen").first().click();
    await picker.locator(".picker-option", { hasText: new RegExp(`^${prefecture}$`) }).click();
  }
  for (const name of names) {
    const option = picker.locator(".picker-option", { hasText: new RegExp(`^${name}$`) });
    await option.click();
  }
  return page.locator("#division").inputValue();
}

/** Empties the text field `id` with its keyboard's backspace (on the layer showing). */
export async function clearText(page, id) {
  await tapField(page, id);
  const { layer } = await currentLayer(page, id);
  const field = page.locator(`#${id}`);
  for (let i = 0; i < 600 && (await field.inputValue()).length > 0; i += 1) {
    await key(layer.locator('.kbd-rows[data-shift="off"]'), "{bksp}").first().click();
  }
  assert.equal(await field.inputValue(), "", `${id} emptied with the keyboard`);
}
