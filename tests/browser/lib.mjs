// Shared harness of the browser tests: starts `kiosk serve --sim` on port 0, Debian's
// Chromium through playwright-core with a fresh profile, the simulated hardware's JSON
// controls, screenshots and axe-core scans of every screen reached.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { before, after, test } from "node:test";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

export const ROOT = resolve(here, "../..");
export const SHOTS = join(ROOT, "target/screens");
const AXE_PATH = require.resolve("axe-core/axe.min.js");
const AXE_SOURCE = readFileSync(AXE_PATH, "utf8");
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";

function kioskBin() {
  const bin = process.env.KIOSK_BIN || "target/debug/kiosk";
  return isAbsolute(bin) ? bin : join(ROOT, bin);
}

/** The kiosk binary the tests run (`KIOSK_BIN`, default target/debug/kiosk). */
export const KIOSK_BIN = kioskBin();

/**
 * Starts the kiosk on simulated hardware; resolves when it printed its address. `extraArgs`
 * are added to `kiosk serve --sim …` (e.g. `["--config", FILE]`).
 */
export async function startKiosk(name, extraArgs = []) {
  mkdirSync(SHOTS, { recursive: true });
  const child = spawn(
    kioskBin(),
    ["serve", "--sim", "--listen", "127.0.0.1:0", "--root", ROOT, ...extraArgs],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const log = createWriteStream(join(SHOTS, `${name}.kiosk.log`));
  child.stderr.pipe(log);
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("kiosk serve printed nothing in 30 s")), 30000);
    child.once("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`kiosk serve exited (${code}) before serving; see ${name}.kiosk.log`));
    });
    lines.once("line", (l) => {
      clearTimeout(timer);
      ok(l);
    });
  });
  lines.on("line", (l) => log.write(`stdout: ${l}\n`));
  const m = /kiosk serving on (http:\/\/[^/\s]+)\//.exec(first);
  assert.ok(m, `unexpected first line: ${first}`);
  assert.match(first, /simulated hardware/);
  return {
    url: m[1],
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((ok) => child.once("exit", ok));
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await gone;
        clearTimeout(t);
      }
      log.end();
    },
  };
}

/** Debian's Chromium, headless, with a fresh profile directory. */
export async function startBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "kiosk-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // No bypassCSP: the pages run under the kiosk's own Content-Security-Policy, so a fetch,
    // a sound or a script the policy refuses fails here. The harness therefore never asks the
    // page to eval (page.waitForFunction does, with strings and functions alike): it polls
    // with page.evaluate (see poll), which DevTools runs outside the policy.
    viewport: { width: 1280, height: 900 },
    locale: "zh-CN",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
  // What the kiosk's Content-Security-Policy refused on any page (Chromium reports each
  // refusal as a console error): a page that needs something the policy forbids.
  const cspViolations = [];
  context.on("console", (msg) => {
    if (msg.type() === "error" && /Content Security Policy/i.test(msg.text())) {
      cspViolations.push(`${msg.page()?.url() ?? "?"}: ${msg.text()}`);
    }
  });
  return {
    context,
    cspViolations,
    async newPage() {
      return context.newPage();
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The simulated hardware's JSON controls (and the JSON API, for what a page's script does). */
export async function sim(kiosk, method, path, body) {
  const res = await fetch(kiosk.url + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 400, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export const insertCard = (k, card) => sim(k, "POST", "/api/sim/card", { card });
export const pullCard = (k) => sim(k, "DELETE", "/api/sim/card");
export const placeIdCard = (k, person) => sim(k, "POST", "/api/sim/idcard", { person });
export const liftIdCard = (k) => sim(k, "DELETE", "/api/sim/idcard");
/** Inserts again the card last pulled out: the same chip, with what businesses changed on it. */
export const insertAgain = (k) => sim(k, "POST", "/api/sim/card/again");

/** The citizen takes back the card and the ID card (the `take_cards` screen ends with that). */
export async function takeCards(kiosk) {
  await pullCard(kiosk);
  await liftIdCard(kiosk);
}

/** Which screen a kiosk page shows, from its markup. Runs in the page (no closures). */
function detectScreen() {
  const q = (sel) => document.querySelector(sel);
  if (q("[data-take-cards]")) return "take_cards";
  if (q("form[data-home]")) return "home";
  if (q("[data-attract]")) return "attract";
  if (q("form[data-pin-form]")) return "pins";
  if (q(".ask-card")) return "ask-card";
  if (q(".ask-idcard")) return "ask-idcard";
  if (q(".photo-check")) return "photo-check";
  if (q(".ask-photo")) return "ask-photo";
  if (q(".ask-contact")) return "ask-contact";
  if (q(".ask-reason")) return "ask-reason";
  if (q(".ask-bank")) return "ask-bank";
  if (q(".ask")) return "ask";
  // issue 19: the identity step
  if (q(".face-consent")) return "face-consent";
  if (q(".face-match")) return "face-match";
  if (q(".face-failed")) return "face-failed";
  if (q(".face-staff")) return "face-staff";
  if (q("section.notice")) return "notice";
  // Refused and failed screens carry the rating too (a rating after every case).
  if (q(".outcome.interrupted")) return "interrupted";
  if (q(".outcome.failed")) return "failed";
  if (q(".outcome.refused")) return "refused";
  if (q(".outcome.error")) return "error";
  if (q("section.rating")) return "done";
  if (q("section.pay")) return "pay";
  if (q('input[name="action"][value="confirm"]')) return "confirm";
  if (q('input[name="action"][value="acknowledge"]')) return "confirm";
  if (q(".guide-index")) return "guide";
  if (q("section.suggest .thanks")) return "suggest-sent";
  if (q("section.suggest")) return "suggest";
  if (q(".sim-panel")) return "sim";
  return "unknown";
}

/* kiosk.js sets <html data-kiosk> to "ready" once the page is set up and listens to the
   host's events (see ui-web/static/kiosk.js): only then is the screen stable — what it shows
   is the host's state, and a change will reload it. A page that is leaving or reloading
   says so, and the wait goes on into the next document (waitForFunction survives
   navigations). */
const STABLE_SCREEN = `(() => {
  if (document.readyState === "loading") return false;
  if (document.documentElement.getAttribute("data-kiosk") !== "ready") return false;
  return (${detectScreen.toString()})();
})()`;

/**
 * Polls `fn(arg)` in the page every `polling` ms until it returns something truthy, and
 * returns that. Like page.waitForFunction, but without eval in the page (the kiosk's CSP
 * refuses it): each poll is a page.evaluate. A poll that meets a page being replaced (a
 * form's redirect, a reload) counts as "not yet", so the wait goes on into the next document.
 */
export async function poll(page, fn, arg, { timeout = 10000, polling = 50 } = {}) {
  const deadline = Date.now() + timeout;
  let last = "";
  for (;;) {
    try {
      const v = await page.evaluate(fn, arg);
      if (v) return v;
    } catch (e) {
      const m = String(e);
      if (!/context was destroyed|navigat|Cannot find context|Target closed|frame was detached/i.test(m)) throw e;
      last = m.split("\n")[0];
    }
    if (Date.now() >= deadline) {
      throw new Error(`poll: timeout ${timeout}ms exceeded${last ? ` (last: ${last})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, polling));
  }
}

/** The screen the page shows once it is stable (see STABLE_SCREEN). */
export async function screenOf(page, timeout = 10000) {
  return poll(page, STABLE_SCREEN, undefined, { timeout });
}

/** Waits until the page is stable on one of the screens `want`. */
export async function waitScreen(page, want, timeout = 10000) {
  const wants = Array.isArray(want) ? want : [want];
  const expr = `(() => { const s = ${STABLE_SCREEN}; return s && ${JSON.stringify(wants)}.includes(s) ? s : false; })()`;
  try {
    return await poll(page, expr, undefined, { timeout });
  } catch (e) {
    const state = await page
      .evaluate(`[document.documentElement.getAttribute("data-kiosk"), (${detectScreen.toString()})()]`)
      .catch((err) => ["?", String(err).split("\n")[0]]);
    throw new Error(
      `timed out waiting for screen ${wants.join("|")}; the page is ${state[0]} on ${state[1]} at ${page.url()}`,
    );
  }
}

/**
 * Does `action` (a click, a simulated device) and waits for the screen it leads to: the page
 * is stable again in a new document (a form's redirect, or the reload a server-sent event
 * asks for), even when that shows the same kind of screen (a photo refused, a weak PIN).
 * Returns the new screen; `want` (optional) is what it must be.
 */
export async function step(page, action, want, timeout = 10000) {
  // Mark the document the action starts from. The page may be replacing itself at this moment
  // (the reload a server-sent event asks for): then mark the next document, once it is stable.
  await poll(
    page,
    `(() => { if (!(${STABLE_SCREEN})) return false; window.__kioskStepFrom = true; return true; })()`,
    undefined,
    { timeout },
  );
  await action();
  const wants = want === undefined ? null : Array.isArray(want) ? want : [want];
  const expr = `(() => { if (window.__kioskStepFrom) return false; return ${STABLE_SCREEN}; })()`;
  let s;
  try {
    s = await poll(page, expr, undefined, { timeout });
  } catch (e) {
    throw new Error(`no new screen after the action at ${page.url()}: ${String(e).split("\n")[0]}`);
  }
  if (wants) {
    assert.ok(wants.includes(s), `expected screen ${wants.join("|")}, got ${s} at ${page.url()}`);
  }
  return s;
}

/** Clicks the submit button of the form that posts `action` (the kiosk's forms). */
export function actionButton(page, action) {
  return page.locator(`form:has(input[name="action"][value="${action}"]) button[type="submit"]`).first();
}

/** axe results of every screen reached, for the summary and the accessibility test. */
export class Screens {
  constructor(file) {
    this.file = file;
    this.results = [];
    this.n = 0;
  }

  /** Screenshot and axe scan of the screen on the page now, once it is stable. */
  async visit(page, label) {
    this.n += 1;
    const name = `${this.file}-${String(this.n).padStart(2, "0")}-${label}`.replace(/[^\w.-]+/g, "_");
    await screenOf(page);
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    // Evaluated, not added as a <script> (the kiosk's CSP refuses inline scripts).
    if (!(await page.evaluate(() => typeof window.axe === "object"))) {
      await page.evaluate(AXE_SOURCE);
    }
    const res = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ["violations"] });
      return r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")),
      }));
    });
    this.results.push({ screen: name, url: page.url(), violations: res });
  }

  serious() {
    return this.results.flatMap((r) =>
      r.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${r.screen}: [${v.impact}] ${v.id} (${v.help}) at ${v.nodes.join(", ")}`),
    );
  }

  /** Writes the file's axe results and returns a printable summary. */
  summary() {
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(SHOTS, `axe-${this.file}.json`), JSON.stringify(this.results, null, 2));
    const counts = {};
    for (const r of this.results) {
      for (const v of r.violations) {
        counts[v.impact] = (counts[v.impact] || 0) + 1;
      }
    }
    const parts = Object.entries(counts).map(([k, v]) => `${k}: ${v}`);
    return `axe ${this.file}: ${this.results.length} screens scanned; violations by impact: ${
      parts.length ? parts.join(", ") : "none"
    }`;
  }
}

/** Types digits on the on-screen PIN pad, finding each key by its text (the order is shuffled). */
export async function padType(page, digits) {
  for (const d of digits) {
    await page.locator("[data-pin-pad] button.key", { hasText: new RegExp(`^${d}$`) }).click();
  }
}

/** A fresh start on the home screen (zh-CN, ordinary mode unless `query` says otherwise). */
export async function home(page, kiosk, query = "?lang=zh-CN&elderly=0") {
  // Each test starts from no session, whatever the previous one left. The open page may hear
  // of it and start reloading; kiosk.js gives that up once our navigation begins.
  await sim(kiosk, "POST", "/api/session/event", { action: "cancel" });
  // The session's end hands back what is in the readers (take_cards): take it.
  await takeCards(kiosk);
  await page.goto(kiosk.url + "/" + query);
  await waitScreen(page, "home");
}

/**
 * The set-up every test file shares: one kiosk process and one Chromium page for the whole
 * file (started in `before`, stopped in `after`), and the file's screenshots and axe results.
 * Returns an object whose `kiosk` and `page` are set once `before` ran. `options.args`: more
 * arguments of `kiosk serve`, or a function (run in `before`, may be async) returning them.
 */
export function useKiosk(name, options = {}) {
  const t = { name, screens: new Screens(name), kiosk: null, browser: null, page: null };
  before(async () => {
    const args = typeof options.args === "function" ? await options.args() : options.args || [];
    t.kiosk = await startKiosk(name, args);
    t.browser = await startBrowser();
    t.page = await t.browser.newPage();
  });
  after(async () => {
    console.log(t.screens.summary());
    await t.browser?.close();
    await t.kiosk?.stop();
  });
  /** Screenshot + axe scan of the screen now. */
  t.visit = (label) => t.screens.visit(t.page, label);
  return t;
}

/** The file's last test: no serious or critical axe violation on any screen it reached. */
export function accessibilityTest(t) {
  test("accessibility (axe-core): no serious or critical violations on this file's screens", (tc) => {
    tc.diagnostic(t.screens.summary());
    assert.deepEqual(t.screens.serious(), []);
  });
  test("the kiosk's Content-Security-Policy refused nothing the pages asked for", () => {
    assert.deepEqual(t.browser.cspViolations, []);
  });
}

/** The receipts the simulated printer printed so far (oldest first), from the /sim panel. */
export async function printedReceipts(kiosk) {
  const res = await fetch(kiosk.url + "/sim");
  assert.equal(res.status, 200);
  const html = await res.text();
  const out = [];
  for (const m of html.matchAll(/<pre class="receipt">([\s\S]*?)<\/pre>/g)) {
    out.push(
      m[1]
        .replace(/<\/?bdi>/g, "")
        .replace(/&amp;/g, "&")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#x27;|&#39;/g, "'")
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
    );
  }
  return out;
}
