// The Report tab of a workflow with a control group and a goal: the verdict in words, the
// chart of conversion rates with their ranges, the numbers; the empty state of a workflow
// without a control group; the control group and goal fields in the settings. Started by
// tests/e2e/test_report_tab.py; prints one JSON line of facts.
//   BASE_URL, VIEWER, PUBLISHER, PASSWORD_<USER>, WORKFLOW_ID, EMPTY_WORKFLOW_ID, CHROMIUM,
//   ARTIFACTS (a screenshot on failure), SCREENSHOTS (optional)
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  step("sign in as a viewer");
  await signIn(page, process.env.VIEWER);

  step("the report");
  await page.goto(`${base}/workflows/${process.env.WORKFLOW_ID}`);
  await page.getByRole("button", { name: "Report", exact: true }).click();
  const panel = page.getByTestId("report-panel");
  await panel.getByTestId("report-verdict").waitFor({ timeout: 30_000 });
  facts.verdict = await panel.getByTestId("report-verdict").innerText();
  facts.goal = await panel.getByTestId("report-goal").innerText();
  facts.chart_label = await panel.getByTestId("report-chart").getAttribute("aria-label");
  facts.chart_bars = await panel.locator("[data-testid=report-chart] rect").count();
  facts.chart_whiskers = await panel.locator("[data-testid=report-chart] line.chart-whisker").count();
  facts.table = await panel.getByTestId("report-table").locator("tbody tr").allInnerTexts();
  facts.numbers = await panel.locator(".report-numbers").innerText();
  facts.panel_text = await panel.innerText();
  facts.roi = await panel.getByTestId("report-roi").innerText();
  await panel.getByTestId("report-nodes").locator("summary").click();
  facts.nodes = await panel.getByTestId("report-nodes").locator("tbody tr").allInnerTexts();
  await shot(page, "report-tab");

  step("another period");
  await panel.getByLabel("Customers who entered in the last").selectOption("7");
  await panel.getByTestId("report-verdict").waitFor();
  facts.verdict_7_days = await panel.getByTestId("report-verdict").innerText();

  step("held-out runs in words");
  await page.getByRole("button", { name: "Dry run & runs" }).click();
  const heldOut = page.locator(".runs-list li", { hasText: "held out: in the control group, sent nothing" });
  await heldOut.first().waitFor({ timeout: 30_000 });
  facts.runs_held_out = await heldOut.count();
  await heldOut.first().locator("button").click();
  const inspector = page.getByTestId("run-inspector");
  await inspector.locator("h4").waitFor();
  facts.inspector_title = await inspector.locator("h4").innerText();

  step("no control group");
  await page.goto(`${base}/workflows/${process.env.EMPTY_WORKFLOW_ID}`);
  await page.getByRole("button", { name: "Report", exact: true }).click();
  const empty = page.getByTestId("report-panel");
  await empty.locator(".state-empty").waitFor({ timeout: 30_000 });
  facts.empty = await empty.locator(".state-empty .state-title").innerText();
  await shot(page, "report-empty");

  step("the settings");
  await empty.getByRole("button", { name: "Control group (to measure the effect)" }).click();
  const control = page.getByLabel(/Hold out this share of customers/);
  await control.waitFor();
  facts.control_value = await control.inputValue();
  facts.goal_value_label = await page.getByLabel(/Value of a conversion/).count();
  facts.goal_within = await page.getByLabel(/Counts within/).inputValue();
});
