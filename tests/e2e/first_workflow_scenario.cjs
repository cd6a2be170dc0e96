// A retention manager's first workflow, as a non-developer would go: from the dashboard's
// first steps to the proven apology workflow, its wait set to 2 days, published. Only
// what is written on screen is used to find the way (roles and visible names, no test
// ids); the text of every screen on the way is kept for the developer-text check.
// Started by tests/e2e/test_first_workflow.py; prints one JSON line of facts.
//   BASE_URL, PUBLISHER, PASSWORD_<USER>, CHROMIUM, ARTIFACTS, SCREENSHOTS (optional)
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  const screens = {};
  const keep = async (name) => { screens[name] = await page.locator("body").innerText(); await shot(page, `first-${name}`); };

  step("the dashboard shows the first steps");
  await signIn(page, process.env.PUBLISHER, "/");
  const guide = page.getByRole("region", { name: "Your first workflow in three steps" });
  await guide.waitFor();
  facts.guide = await guide.innerText();
  await keep("dashboard");

  step("choose a proven workflow");
  await guide.getByRole("link", { name: "Choose one" }).click();
  const gallery = page.getByRole("region", { name: "Start from a proven workflow" });
  await gallery.waitFor();
  const card = gallery.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Negative-feedback apology" }) });
  facts.card = await card.innerText();
  await keep("gallery");
  await card.getByRole("button", { name: "Use this workflow" }).click();
  await page.waitForURL(/\/workflows\/\d+$/);

  step("set the wait for a reply to 2 days");
  await page.getByText("Did they reply?", { exact: true }).click();
  const amount = page.getByLabel("Give up after: number");
  await amount.waitFor();
  facts.wait_before = [await amount.inputValue(), await page.getByLabel("Give up after: unit").inputValue()];
  await amount.fill("2");
  await keep("editor");

  step("the toolbar fits one line at 1280 px");
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.waitForTimeout(200);
  facts.toolbar_1280 = await page.locator(".editor-toolbar").evaluate((bar) => ({
    height: bar.getBoundingClientRect().height,
    overflowing: bar.scrollWidth > bar.clientWidth + 1,
    publishVisible: (() => { const r = [...bar.querySelectorAll("button")].find((b) => b.textContent === "Publish…").getBoundingClientRect(); return r.right <= window.innerWidth; })(),
  }));
  await shot(page, "first-toolbar-1280");
  await page.setViewportSize({ width: 1400, height: 900 });

  step("publish");
  await page.getByRole("button", { name: "Publish…" }).click();
  await page.getByLabel("What changed").fill("Follow up after 2 days");
  await keep("publish-dialog");
  await page.getByRole("button", { name: "Publish now" }).click();
  await page.getByText("published", { exact: true }).first().waitFor({ timeout: 30_000 });
  facts.card_summary = await page.locator(".react-flow__node").filter({ hasText: "Did they reply?" }).innerText();
  await keep("published");

  step("back on the dashboard");
  await page.getByRole("navigation").getByRole("link", { name: "Dashboard" }).click();
  await page.getByRole("region", { name: "What is running" }).getByRole("link", { name: "Negative-feedback apology" }).waitFor();
  facts.guide_after = await page.getByRole("region", { name: "Your first workflow in three steps" }).count();
  await keep("dashboard-after");
  facts.screens = screens;
});
