// The staff pages: `kiosk serve --sim --config FILE` with three `[[staff]]` accounts made by
// `kiosk config staff` (password on stdin), one citizen business through the JSON API so the
// pages have data, then each user logs in through the form, opens every page their roles open
// (and is refused the others), and logs out. A wrong password sets no cookie.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KIOSK_BIN, sim, step, takeCards, useKiosk } from "./lib.mjs";

const ID_NUMBER = "652301197508210015";
const ID_MASKED = "652301********0015";

/** The accounts: user, password (12 characters or more), roles, the pages their roles open. */
const ACCOUNTS = {
  supervisor: {
    password: "test-supervisor-pw",
    roles: ["supervisor", "technician"],
    pages: ["/staff", "/staff/selftest", "/staff/stats", "/staff/audit", "/staff/applications", "/staff/suggestions", "/staff/identity"],
  },
  archivist: {
    password: "test-archivist-pw",
    roles: ["archive"],
    pages: ["/staff", "/staff/archive"],
  },
  desk: {
    password: "test-front-desk-pw",
    roles: ["front_desk"],
    pages: ["/staff", "/staff/stats", "/staff/applications", "/staff/identity"],
  },
};
const ALL_PAGES = [
  "/staff",
  "/staff/selftest",
  "/staff/archive",
  "/staff/stats",
  "/staff/audit",
  "/staff/applications",
  "/staff/suggestions",
  "/staff/identity",
];

const dir = mkdtempSync(join(tmpdir(), "kiosk-staff-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** kiosk.toml with one `[[staff]]` entry per account, each made by `kiosk config staff`. */
function writeConfig() {
  let toml = "";
  for (const [user, a] of Object.entries(ACCOUNTS)) {
    toml += execFileSync(KIOSK_BIN, ["config", "staff", user, ...a.roles.flatMap((r) => ["--role", r])], {
      input: `${a.password}\n`,
      encoding: "utf8",
    });
  }
  const file = join(dir, "kiosk.toml");
  writeFileSync(file, toml);
  // The file is a configuration the kiosk accepts.
  execFileSync(KIOSK_BIN, ["config", "validate", file], { stdio: "pipe" });
  return file;
}

const t = useKiosk("staff", { args: () => ["--config", writeConfig()] });

/** The staff cookie the browser holds, if any. */
async function staffCookie() {
  const cookies = await t.browser.context.cookies(t.kiosk.url + "/staff");
  return cookies.find((c) => c.name === "kiosk_staff");
}

/** Opens `path` and returns the response (after any redirect). */
async function open(path) {
  const res = await t.page.goto(t.kiosk.url + path);
  assert.ok(res, `a response for ${path}`);
  return res;
}

/** The staff pages' content: the heading, and the nav's user and links. */
async function checkChrome(user, current) {
  const { page } = t;
  assert.equal(await page.locator("h2").first().isVisible(), true, `${current}: a heading`);
  const nav = page.locator("nav.staff-nav");
  assert.match(await nav.locator(".staff-user").innerText(), new RegExp(`当前工作人员\\s*${user}`));
  const hrefs = await nav.locator(".staff-pages a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual([...hrefs].sort(), [...ACCOUNTS[user].pages].sort(), `${user}: the nav lists the role's pages`);
  assert.equal(await nav.locator('a[aria-current="page"]').getAttribute("href"), current);
  // The nav's links must be readable: text colour against the background behind them. Kept
  // for the known-bug test at the end (see STAFF_NAV_INVISIBLE) rather than failing here.
  for (const [href, ratio, fg, bg] of await nav.locator(".staff-pages a").evaluateAll(linkContrast)) {
    if (ratio < 4.5) navLowContrast.push(`${current}: nav link ${href} ${fg} on ${bg} is ${ratio.toFixed(2)}:1`);
  }
}

/** Nav links whose text contrast is under 4.5:1, per page (see STAFF_NAV_INVISIBLE). */
const navLowContrast = [];

/** Each link's href, text contrast against the first opaque background behind it, and both colours. Runs in the page. */
function linkContrast(links) {
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  return links.map((a) => {
    const fg = getComputedStyle(a).color;
    let bg = "rgb(255, 255, 255)";
    for (let e = a; e; e = e.parentElement) {
      const b = getComputedStyle(e).backgroundColor;
      const v = rgb(b);
      if (v.length === 3 || (v.length === 4 && v[3] > 0)) {
        bg = b;
        break;
      }
    }
    const [l1, l2] = [lum(rgb(fg)), lum(rgb(bg))].sort((x, y) => y - x);
    return [a.getAttribute("href"), (l1 + 0.05) / (l2 + 0.05), fg, bg];
  });
}

async function logIn(user, password) {
  const { page } = t;
  await open("/staff/login");
  await page.locator("#staff-user").fill(user);
  await page.locator("#staff-password").fill(password);
  await step(page, () => page.getByRole("button", { name: "登录 / Log in" }).click());
}

/** Logs out with the nav's (or the self-test page's) button; checks /staff then wants a login. */
async function logOut() {
  const { page } = t;
  await step(page, () => page.locator("form.logout button[type=submit], form[action='/staff/logout'] button").first().click());
  assert.equal(new URL(page.url()).pathname, "/staff/login", "logout shows the login page");
  assert.equal(await staffCookie(), undefined, "the cookie is gone after logout");
  const res = await open("/staff");
  assert.equal(new URL(page.url()).pathname, "/staff/login", "after logout /staff goes to the login page");
  assert.ok(res.request().redirectedFrom(), "by a redirect");
  assert.equal(await page.locator("#staff-password").isVisible(), true);
}

/** Every page the user's roles do not open answers 403. */
async function checkForbidden(user) {
  for (const path of ALL_PAGES.filter((p) => !ACCOUNTS[user].pages.includes(p))) {
    const res = await open(path);
    assert.equal(res.status(), 403, `${user}: ${path} is refused`);
    assert.match(await t.page.locator("body").innerText(), /没有此页面的权限/, `${user}: ${path} says why`);
  }
}

test("a citizen business through the JSON API: report_loss with the ID card, rated 2", async () => {
  const { kiosk } = t;
  await sim(kiosk, "POST", "/api/session/event", { action: "cancel" });
  await sim(kiosk, "POST", "/api/session/start", { business: "report_loss" });
  await sim(kiosk, "POST", "/api/sim/idcard", { person: "v2-3des.toml" });
  let s = await sim(kiosk, "GET", "/api/session");
  assert.equal(s.screen.screen, "confirm", JSON.stringify(s).slice(0, 400));
  await sim(kiosk, "POST", "/api/session/event", { action: "confirm" });
  s = await sim(kiosk, "GET", "/api/session");
  assert.equal(s.screen.screen, "done", JSON.stringify(s).slice(0, 400));
  await sim(kiosk, "POST", "/api/session/event", {
    action: "rate",
    level: 2,
    reasons: ["slow"],
    comment: "排队时间太长",
  });
  // The session ends on take_cards until the ID module has seen the card go (issue 22).
  await takeCards(kiosk);
  const deadline = Date.now() + 10000;
  for (;;) {
    s = await sim(kiosk, "GET", "/api/session");
    if (s.screen.screen !== "take_cards" || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(s.screen.screen, "home", JSON.stringify(s).slice(0, 400));
});

test("a wrong password: the login page again with a message, and no cookie", async () => {
  const { page } = t;
  await open("/staff/login");
  assert.equal(await page.locator("#staff-user").isVisible(), true);
  await t.visit("login");
  const posted = page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/staff/login"));
  await logIn("supervisor", "not-the-password");
  const res = await posted;
  assert.equal(res.headers()["set-cookie"], undefined, "no Set-Cookie");
  assert.equal(new URL(page.url()).pathname, "/staff/login");
  assert.match(await page.locator("p.alert[role=alert]").innerText(), /用户名或密码错误/);
  assert.equal(await page.locator("#staff-password").isVisible(), true, "the form again");
  assert.equal(await staffCookie(), undefined, "no staff cookie");
  await t.visit("login-wrong-password");
  // Without a cookie, /staff sends to the login page.
  await open("/staff");
  assert.equal(new URL(page.url()).pathname, "/staff/login");
});

test("supervisor (supervisor + technician): home, stats, audit, applications, suggestions, self-test", async () => {
  const { page } = t;
  await logIn("supervisor", ACCOUNTS.supervisor.password);
  assert.equal(new URL(page.url()).pathname, "/staff");
  const cookie = await staffCookie();
  assert.ok(cookie, "the staff cookie is set");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Strict");
  assert.equal(cookie.path, "/staff");
  await checkChrome("supervisor", "/staff");
  const menu = await page.locator("ul.staff-menu a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual(menu.sort(), ACCOUNTS.supervisor.pages.filter((p) => p !== "/staff").sort());
  await t.visit("supervisor-home");

  // Statistics of this month: the loss report is counted, with its rating.
  let res = await open("/staff/stats");
  assert.equal(res.status(), 200);
  await checkChrome("supervisor", "/staff/stats");
  const rows = await page.locator("table.stats tbody tr").evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector("th").innerText.trim(), ...[...tr.querySelectorAll("td")].map((td) => td.innerText.trim())]),
  );
  const cases = rows.reduce((n, r) => n + (Number(r[1]) || 0), 0);
  assert.ok(cases >= 1, `at least one case: ${JSON.stringify(rows)}`);
  const rated = rows.reduce((n, r) => n + (Number(r[5]) || 0), 0);
  assert.ok(rated >= 1, `at least one rating: ${JSON.stringify(rows)}`);
  assert.ok((await page.locator("#satisfaction").innerText()).trim().length > 0, "a satisfaction figure");
  assert.ok((await page.locator("figure.chart svg").count()) >= 1, "a chart");
  await t.visit("supervisor-stats");

  // The audit chain verified, with entries (this very login among them).
  res = await open("/staff/audit");
  assert.equal(res.status(), 200);
  await checkChrome("supervisor", "/staff/audit");
  assert.match(await page.locator("p.verdict.ok").innerText(), /审计日志完整/);
  assert.equal(await page.locator("p.verdict.fail").count(), 0);
  assert.ok(Number(await page.locator("#entries-checked").innerText()) >= 3, "entries checked");
  const entries = await page.locator("table.audit-entries tbody tr").allInnerTexts();
  assert.ok(entries.some((e) => /staff\.login\b/.test(e) && /supervisor/.test(e)), "the login is audited");
  assert.ok(entries.some((e) => /staff\.login_failed/.test(e)), "the failed login is audited");
  assert.doesNotMatch(await page.content(), new RegExp(ID_NUMBER), "no unmasked ID number");
  await t.visit("supervisor-audit");

  // Applications: the page, with its table or its "nothing" message.
  res = await open("/staff/applications");
  assert.equal(res.status(), 200);
  await checkChrome("supervisor", "/staff/applications");
  const apps = await page.locator("tr.application").count();
  if (apps === 0) {
    assert.match(await page.locator("section.staff-applications p.message").innerText(), /没有记录/);
  }
  assert.doesNotMatch(await page.content(), new RegExp(ID_NUMBER), "no unmasked ID number");
  await t.visit("supervisor-applications");

  // Suggestions: the rating of 2 with its reason and comment.
  res = await open("/staff/suggestions");
  assert.equal(res.status(), 200);
  await checkChrome("supervisor", "/staff/suggestions");
  const items = await page.locator("tr.feedback-item").allInnerTexts();
  assert.ok(items.length >= 1, "at least one rating shown");
  assert.ok(items.some((i) => /排队时间太长/.test(i)), `the comment: ${JSON.stringify(items)}`);
  // The level, then its words (2 不满意).
  assert.match((await page.locator("tr.feedback-item td.rating").first().innerText()).trim(), /^2\b/);
  assert.ok((await page.locator("tr.feedback-item ul.reasons li").count()) >= 1, "the reason");
  await t.visit("supervisor-suggestions");

  // The technician's self-test: each check with its result.
  res = await open("/staff/selftest");
  assert.equal(res.status(), 200);
  assert.match(await page.locator("section.selftest").innerText(), /supervisor/);
  const checks = await page.locator("table.checks tbody tr.check").count();
  assert.ok(checks >= 3, `the checks: ${checks}`);
  await t.visit("supervisor-selftest");

  await checkForbidden("supervisor");
  await open("/staff");
  await logOut();
});

test("archivist (archive): home and the archive query by ID number, masked", async () => {
  const { page } = t;
  await logIn("archivist", ACCOUNTS.archivist.password);
  assert.equal(new URL(page.url()).pathname, "/staff");
  assert.ok(await staffCookie(), "the staff cookie is set");
  await checkChrome("archivist", "/staff");
  await t.visit("archivist-home");

  const res = await open("/staff/archive");
  assert.equal(res.status(), 200);
  await checkChrome("archivist", "/staff/archive");
  await t.visit("archivist-archive");
  await page.locator("#q-id-number").fill(ID_NUMBER);
  await step(page, () =>
    page.locator("form:has(#q-id-number) button[type=submit]").click(),
  );
  assert.equal(new URL(page.url()).pathname, "/staff/archive");
  assert.equal(await page.locator("p.alert").count(), 0, "no problem shown");
  assert.match(await page.locator("p.criteria").innerText(), new RegExp(ID_MASKED.replace(/\*/g, "\\*")));
  const found = await page.locator("table.records tr.record td.id-number").allInnerTexts();
  assert.ok(found.length >= 1, "the loss report is found");
  for (const id of found) assert.equal(id.trim(), ID_MASKED);
  assert.match(await page.locator("table.records").innerText(), /挂失/, "the business");
  assert.doesNotMatch(await page.content(), new RegExp(ID_NUMBER), "the full ID number is nowhere in the page");
  await t.visit("archivist-archive-results");

  await checkForbidden("archivist");
  await open("/staff/archive");
  await logOut();
});

test("front desk (front_desk): home, stats and applications only", async () => {
  const { page } = t;
  await logIn("desk", ACCOUNTS.desk.password);
  assert.equal(new URL(page.url()).pathname, "/staff");
  assert.ok(await staffCookie(), "the staff cookie is set");
  await checkChrome("desk", "/staff");
  await t.visit("desk-home");

  let res = await open("/staff/stats");
  assert.equal(res.status(), 200);
  await checkChrome("desk", "/staff/stats");
  const cases = await page
    .locator("table.stats tbody tr td:first-of-type")
    .evaluateAll((tds) => tds.reduce((n, td) => n + (Number(td.innerText) || 0), 0));
  assert.ok(cases >= 1, "at least one case");
  await t.visit("desk-stats");

  res = await open("/staff/applications");
  assert.equal(res.status(), 200);
  await checkChrome("desk", "/staff/applications");
  await t.visit("desk-applications");

  await checkForbidden("desk");
  await open("/staff/applications");
  await logOut();
  await t.visit("login-after-logout");
});

test("accessibility (axe-core): no serious or critical violations on the staff pages and the login page", (tc) => {
  tc.diagnostic(t.screens.summary());
  const pages = t.screens.results.map((r) => new URL(r.url).pathname);
  for (const p of ["/staff/login", "/staff", "/staff/stats", "/staff/audit", "/staff/applications", "/staff/suggestions", "/staff/selftest", "/staff/archive"]) {
    assert.ok(pages.includes(p), `${p} was scanned`);
  }
  assert.deepEqual(t.screens.serious(), []);
});

test("the kiosk's Content-Security-Policy refused nothing the staff pages asked for", () => {
  assert.deepEqual(t.browser.cspViolations, []);
});

/*
 * axe files a 1:1 text contrast under "incomplete" (possibly hidden text), not as a
 * violation, so the nav's links are measured here: they once were white chips made for the
 * blue header, invisible on the white page.
 */
test(
  "the staff nav's page links are readable (text contrast at least 4.5:1)",
  () => {
    assert.deepEqual(navLowContrast, []);
  },
);
