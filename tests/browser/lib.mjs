// Shared harness of the browser tests: starts `kiosk serve --sim` on port 0, Debian's
// Chromium through playwright-core with a fresh profile, the simulated hardware's JSON
// controls, screenshots and axe-core scans of every screen reached.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

export const ROOT = resolve(here, "../..");
export const SHOTS = join(ROOT, "target/browser-screenshots");
const AXE_PATH = require.resolve("axe-core/axe.min.js");
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";

function kioskBin() {
  const bin = process.env.KIOSK_BIN || "target/debug/kiosk";
  return isAbsolute(bin) ? bin : join(ROOT, bin);
}

/** Starts the kiosk on simulated hardware; resolves when it printed its address. */
export async function startKiosk(name) {
  mkdirSync(SHOTS, { recursive: true });
  const child = spawn(
    kioskBin(),
    ["serve", "--sim", "--listen", "127.0.0.1:0", "--root", ROOT],
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
  return {
    context,
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

/** Which screen the page shows, from its markup (looked at again when the page navigated
 * while we looked: its forms redirect, and server-sent events reload it). */
export async function screenOf(page) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await page.waitForLoadState("domcontentloaded");
      return await screenNow(page);
    } catch (e) {
      if (attempt >= 30 || !/context was destroyed|navigat/i.test(String(e))) throw e;
      await page.waitForTimeout(100);
    }
  }
}

async function screenNow(page) {
  return page.evaluate(() => {
    const q = (s) => document.querySelector(s);
    if (q("ul.menu")) return "home";
    if (q("form[data-pin-form]")) return "pins";
    if (q(".ask-card")) return "ask-card";
    if (q(".ask-idcard")) return "ask-idcard";
    if (q(".ask")) return "ask";
    if (q("section.notice")) return "notice";
    if (q("section.rating")) return "done";
    if (q(".outcome.interrupted")) return "interrupted";
    if (q(".outcome.failed")) return "failed";
    if (q(".outcome.refused")) return "refused";
    if (q(".outcome.error")) return "error";
    if (q('input[name="action"][value="confirm"]')) return "confirm";
    if (q(".guide-index")) return "guide";
    return "unknown";
  });
}

/** Waits until the page (which may reload itself on server-sent events) shows `want`. */
export async function waitScreen(page, want, timeout = 10000) {
  const wants = Array.isArray(want) ? want : [want];
  const end = Date.now() + timeout;
  let last = "";
  while (Date.now() < end) {
    try {
      await page.waitForLoadState("domcontentloaded");
      last = await screenOf(page);
      if (wants.includes(last)) {
        return last;
      }
    } catch (e) {
      // The page navigated while we looked: look again.
      last = `(navigating: ${e.message.split("\n")[0]})`;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for screen ${wants.join("|")}; last: ${last} at ${page.url()}`);
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

  /** Screenshot and axe scan of the screen on the page now. */
  async visit(page, label) {
    this.n += 1;
    const name = `${this.file}-${String(this.n).padStart(2, "0")}-${label}`.replace(/[^\w.-]+/g, "_");
    for (let attempt = 0; ; attempt += 1) {
      try {
        await page.waitForLoadState("load");
        await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
        await page.addScriptTag({ path: AXE_PATH });
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
        return;
      } catch (e) {
        if (attempt >= 3) {
          throw e;
        }
        await page.waitForTimeout(200);
      }
    }
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

/** A fresh start on the home screen in zh-CN, ordinary mode. */
export async function home(page, kiosk, query = "?lang=zh-CN&elderly=0") {
  // Each test starts from no session, whatever the previous one left.
  await fetch(kiosk.url + "/api/session/event", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ action: "cancel" }),
  });
  // A server-sent `session` event can make the open page navigate at the same moment; a
  // navigation aborted by that is retried once.
  for (let attempt = 0; ; attempt += 1) {
    try {
      await page.goto(kiosk.url + "/" + query);
      break;
    } catch (e) {
      if (attempt >= 3 || !/ERR_ABORTED|interrupted by another navigation/.test(String(e))) throw e;
      await page.waitForTimeout(200);
    }
  }
  await waitScreen(page, "home");
}
