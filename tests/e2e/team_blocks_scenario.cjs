// An ops person makes a team block without JSON or code names: the block's own form for
// the preset, the settings to lock by their labels. Started by tests/e2e/test_team_blocks.py.
//   BASE_URL, PUBLISHER, PASSWORD_<USER>, CHROMIUM, ARTIFACTS, SCREENSHOTS (optional)
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  step("sign in");
  await signIn(page, process.env.PUBLISHER, "/team-blocks");
  await page.getByRole("button", { name: "New team block" }).click();
  const form = page.getByRole("form", { name: "New team block" });

  step("preset and lock by label");
  await form.getByLabel("Name", { exact: true }).fill("Apology SMS, approved wording");
  await form.getByLabel("Based on").selectOption({ label: "Messages: Send SMS" });
  const text = form.locator("#tb-preset_body");
  await text.waitFor();
  await text.fill("We are sorry, {{ customer.first_name }}. Reply and we call you back.");
  await form.getByLabel("Text", { exact: true }).last().check();
  facts.lock_labels = await form.locator(".team-locked label").allInnerTexts();
  facts.form_text = await form.innerText();
  await shot(page, "team-block-new");
  await form.getByRole("button", { name: "Create draft" }).click();
  await page.getByRole("cell", { name: "Apology SMS, approved wording", exact: true }).waitFor();
  facts.table = await page.locator("table").innerText();
});
