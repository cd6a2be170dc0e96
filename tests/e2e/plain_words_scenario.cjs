// What a person reads on the canvas is plain words: a wait's duration is a number and a
// unit, block cards summarise their settings without internal ids (a new block asks to be
// set up), and a refused publish names the block by its title and the field by its label,
// with no regular expression, JSON path or "Something went wrong." Started by
// tests/e2e/test_plain_words.py; prints one JSON line of facts.
//   BASE_URL, PUBLISHER, PASSWORD_<USER>, WORKFLOW_ID, WAIT_NODE, SMS_NODE, CHROMIUM, ARTIFACTS,
//   SCREENSHOTS (optional)
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  step("sign in");
  await signIn(page, process.env.PUBLISHER);
  await page.goto(`${base}/workflows/${process.env.WORKFLOW_ID}`);
  const wait = page.locator(`.react-flow__node[data-id="${process.env.WAIT_NODE}"]`);
  await wait.waitFor();

  step("opening blocks changes nothing");
  for (const id of ["t1", process.env.SMS_NODE, process.env.WAIT_NODE]) {
    await page.locator(`.react-flow__node[data-id="${id}"] .block-head`).click();
    await page.locator(".node-panel form").waitFor();
  }
  await page.waitForTimeout(300);
  facts.header_after_opening = await page.locator(".editor-toolbar").innerText();

  step("the wait's duration as a number and a unit");
  await wait.locator(".block-head").click();
  const amount = page.getByLabel("For: number");
  await amount.waitFor();
  facts.duration_shown = [await amount.inputValue(), await page.getByLabel("For: unit").inputValue()];
  facts.wait_form_labels = await page.locator(".node-panel form label").allInnerTexts();
  facts.wait_modes = await page.locator(".node-panel form select").first().locator("option").allInnerTexts();
  await amount.fill("3");
  await page.getByLabel("For: unit").selectOption("h");
  await shot(page, "plain-duration");

  step("leaving with unsaved changes asks first");
  await page.getByRole("navigation").getByRole("link", { name: "Workflows" }).click();
  const leave = page.getByRole("dialog", { name: "Leave without saving?" });
  await leave.waitFor();
  facts.leave_dialog = await leave.innerText();
  await shot(page, "plain-leave-dialog");
  await leave.getByRole("button", { name: "Stay here" }).click();
  await leave.waitFor({ state: "detached" });
  facts.url_after_stay = page.url();

  step("block cards say what they do");
  await wait.getByTestId("block-summary").filter({ hasText: "Wait 3 hours" }).waitFor();
  facts.wait_summary = await wait.getByTestId("block-summary").innerText();
  facts.sms_card = await page.locator(`.react-flow__node[data-id="${process.env.SMS_NODE}"] .block-node`).innerText();
  facts.ids_on_cards = await page.locator(".block-node code").count();
  facts.palette_icons = await page.locator(".palette .block-icon svg").evaluateAll((els) => els.map((e) => e.getAttribute("class")));

  step("a new block starts empty");
  const before = await page.locator(".react-flow__node").count();
  await page.locator('[data-block-key="action.send_email"]').dragTo(page.locator(".react-flow__pane"), { targetPosition: { x: 120, y: 40 } });
  await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n + 1, before);
  facts.new_card = await page.locator(".react-flow__node.selected .block-node").innerText();
  await page.keyboard.press("Delete");
  await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n, before);

  step("publish is refused in words");
  await page.getByRole("button", { name: "Publish…" }).click();
  await page.getByLabel("What changed").fill("First version");
  await page.getByRole("button", { name: "Publish now" }).click();
  const alert = page.locator(".editor-body, main").getByRole("alert").filter({ hasText: "Not published" });
  await alert.first().waitFor({ timeout: 30_000 });
  facts.refusal = await alert.first().innerText();
  await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
  await page.getByTestId("issues").waitFor();
  facts.problems = await page.getByTestId("issues").locator("li").allInnerTexts();
  facts.page_text = await page.locator("body").innerText();
  await shot(page, "plain-refused-publish");
});
