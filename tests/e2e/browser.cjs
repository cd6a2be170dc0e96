// Shared by the e2e scenarios: Debian's Chromium through playwright-core (never a
// download), sign-in, and the one-JSON-line protocol the pytest side reads.
"use strict";
const { chromium } = require("playwright-core");

const base = process.env.BASE_URL;
const password = (user) => process.env[`PASSWORD_${user.toUpperCase()}`];

/** Run `body(page, facts, step)` in a fresh browser; print the facts as one JSON line
 * (with the failing step, the error and a screenshot under ARTIFACTS on failure). */
async function scenario(body, { width = 1400, height = 900 } = {}) {
  const facts = {};
  const step = (name) => {
    facts.last_step = name;
    process.stderr.write(`step: ${name}\n`);
  };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const context = await browser.newContext({ viewport: { width, height } });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // What the Content-Security-Policy blocked, even where the app caught the error (ajv's
  // compile of a form validator under a policy without 'unsafe-eval').
  await page.exposeFunction("cspViolation", (text) => errors.push(`CSP: ${text}`));
  await page.addInitScript(() => document.addEventListener("securitypolicyviolation",
    (e) => window.cspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`)));
  try {
    await body(page, facts, step);
    facts.page_errors = errors;
    process.stdout.write(JSON.stringify(facts) + "\n");
  } catch (error) {
    const artifacts = process.env.ARTIFACTS || "";
    if (artifacts) await page.screenshot({ path: `${artifacts}/failure.png`, fullPage: true }).catch(() => undefined);
    facts.page_errors = errors;
    facts.error = String(error && error.stack ? error.stack : error);
    process.stdout.write(JSON.stringify(facts) + "\n");
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

async function signIn(page, user, next = "/workflows") {
  await page.goto(`${base}/login/?next=${next}`);
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Password").fill(password(user));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}${next}`);
}

/** A screenshot for people to look at (docs, review), when SCREENSHOTS names a folder. */
async function shot(page, name) {
  const folder = process.env.SCREENSHOTS;
  if (folder) await page.screenshot({ path: `${folder}/${name}.png` });
}

module.exports = { base, scenario, signIn, shot };
