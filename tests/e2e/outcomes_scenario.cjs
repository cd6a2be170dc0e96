// A customer who texted STOP met an apology SMS workflow: the canvas, the dry run and the
// run inspector must all say the text was not sent, and why, in words. Started by
// tests/e2e/test_message_outcomes.py; prints one JSON line of facts.
//   BASE_URL, PUBLISHER, PASSWORD_<USER>, WORKFLOW_ID, CUSTOMER, SMS_NODE, CHROMIUM,
//   ARTIFACTS (a screenshot on failure), SCREENSHOTS (optional: pictures of each view)
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  const sms = process.env.SMS_NODE;
  step("sign in");
  await signIn(page, process.env.PUBLISHER);
  step("the canvas counts");
  await page.goto(`${base}/workflows/${process.env.WORKFLOW_ID}`);
  const block = page.locator(`.react-flow__node[data-id="${sms}"]`);
  const outcomes = block.getByTestId("message-outcomes");
  await outcomes.locator("li").first().waitFor({ timeout: 30_000 });
  facts.canvas_outcomes = await outcomes.locator("li").allInnerTexts();
  await shot(page, "outcomes-canvas");

  step("dry run");
  await page.getByRole("button", { name: "Dry run & runs" }).click();
  await page.getByLabel("Customer id").fill(process.env.CUSTOMER);
  await page.getByLabel("Event type (optional)").fill("feedback.submitted");
  await page.getByLabel("Score", { exact: true }).fill("2");  // a property seen on this event type, in words
  await page.getByRole("button", { name: "Dry run", exact: true }).click();
  const result = page.getByTestId("dry-run-result");
  await result.getByTestId("step-verdict").waitFor({ timeout: 30_000 });
  facts.dry_status = await result.getByTestId("step-status").allInnerTexts();
  facts.dry_verdict = await result.getByTestId("step-verdict").innerText();
  facts.dry_effects = await result.locator("h4 + ul > li").allInnerTexts();
  facts.dry_not_sent = await page.locator(".block-node.highlight-not-sent").evaluateAll((els) => els.map((e) => e.dataset.nodeId));
  await result.getByTestId("step-verdict").scrollIntoViewIfNeeded();
  await shot(page, "outcomes-dry-run");

  step("run inspector");
  const run = page.locator(".runs-list button").first();
  await run.waitFor();
  await run.click();
  const inspector = page.getByTestId("run-inspector");
  await inspector.locator(".steps li").first().waitFor();
  facts.run_status = await inspector.getByTestId("step-status").allInnerTexts();
  facts.run_not_sent_steps = await inspector.locator(".steps li.step-not-sent").count();
  facts.highlighted_path = await page.locator(".block-node.highlight-path").evaluateAll((els) => els.map((e) => e.dataset.nodeId));
  facts.highlighted_not_sent = await page.locator(".block-node.highlight-not-sent").evaluateAll((els) => els.map((e) => e.dataset.nodeId));
  await shot(page, "outcomes-run-inspector");
});
