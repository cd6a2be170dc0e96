// A retention manager hands unhappy customers to the helpdesk without building an HTTP
// request: the "Zendesk ticket" card from the palette's CRM & helpdesk group, the form in
// plain words, the stored credential picked by name. Started by tests/e2e/test_connectors.py.
//   BASE_URL, PUBLISHER, PASSWORD_<USER>, CHROMIUM, ARTIFACTS, SCREENSHOTS (optional)
"use strict";
const { scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  step("sign in and create a workflow");
  await signIn(page, process.env.PUBLISHER);
  await page.getByLabel("New workflow").fill("Unhappy to Zendesk");
  await page.getByRole("button", { name: "Create" }).click();
  await page.waitForURL(/\/workflows\/\d+$/);
  facts.workflow_id = Number(page.url().split("/").pop());
  await page.locator(".canvas-empty").waitFor();

  step("the palette's CRM & helpdesk group");
  const group = page.locator(".palette-group").filter({ has: page.getByRole("heading", { name: "CRM & helpdesk" }) });
  facts.group_cards = await group.locator("[data-block-key]").evaluateAll((cards) => cards.map((c) => c.dataset.blockKey));

  step("drop the Zendesk ticket card");
  await page.locator('[data-block-key="action.zendesk_ticket"]').dragTo(page.locator(".react-flow__pane"), { targetPosition: { x: 300, y: 120 } });
  const id = await page.locator(".react-flow__node.selected").getAttribute("data-id");
  const panel = page.locator(`.node-panel[aria-label="Settings of ${id}"]`);
  await panel.waitFor();

  step("fill the form");
  await panel.locator(`#cfg-${id}_subdomain`).fill("acme");
  const credential = panel.locator(`#cfg-${id}_credential_id`);
  await credential.locator("option", { hasText: "Zendesk support" }).waitFor({ state: "attached" });
  facts.credential_options = await credential.locator("option").allInnerTexts();
  await credential.selectOption({ label: "Zendesk support" });
  await panel.locator(`#cfg-${id}_subject`).fill("Call-back wanted: {{ customer.name }}");
  await panel.locator(`#cfg-${id}_description`).fill("{{ customer.name }} gave us a low score.");
  await panel.locator(`#cfg-${id}_priority`).selectOption({ label: "High" });
  facts.form_text = await panel.innerText();
  await shot(page, "connector-zendesk");

  step("save");
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.getByRole("status").filter({ hasText: "Saved revision" }).waitFor();
  facts.node = id;
});
