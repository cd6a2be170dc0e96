// The version history says what changed by block title and field label, with the old and
// the new value in words. Started by tests/e2e/test_version_diff.py; prints one JSON line
// of facts.
//   BASE_URL, PUBLISHER, PASSWORD_<USER>, WORKFLOW_ID, CHROMIUM, ARTIFACTS, SCREENSHOTS (optional)
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  step("sign in");
  await signIn(page, process.env.PUBLISHER);
  await page.goto(`${base}/workflows/${process.env.WORKFLOW_ID}`);
  await page.locator(".react-flow__node").first().waitFor();

  step("open the changes of version 2");
  await page.getByRole("button", { name: "History", exact: true }).click();
  const history = page.getByRole("region", { name: "Version history" });
  await history.getByRole("row").filter({ hasText: "v2" }).getByRole("button", { name: "Changes" }).click();
  const diff = history.locator(".diff .diff-lists");
  await diff.waitFor();
  facts.diff = await diff.innerText();
  facts.fields = await diff.locator(".diff-field").allInnerTexts();
  facts.history_text = await history.innerText();
  await shot(page, "version-diff");
});
