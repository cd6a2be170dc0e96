// The dashboard with purchase history: customers kept and lost per month (the figures,
// the chart, the numbers behind the toggle), the empty state of another definition of
// "a customer", the cohort table with shaded cells, and an axe-core audit (WCAG 2.1 A
// and AA) with the numbers shown. Started by tests/e2e/test_retention_dashboard.py;
// prints one JSON line of facts.
//   BASE_URL, VIEWER, PASSWORD_<USER>, CHROMIUM, ARTIFACTS, SCREENSHOTS (optional)
"use strict";
const fs = require("fs");
const path = require("path");
const { base, scenario, signIn, shot } = require("./browser.cjs");

const AXE = require.resolve("axe-core/axe.min.js", { paths: [process.env.NODE_PATH || path.join(__dirname, "../../frontend/node_modules")] });

async function audit(page) {
  // Evaluated through the debugger protocol: the app's Content-Security-Policy forbids
  // inline scripts, which addScriptTag would add.
  await page.evaluate(fs.readFileSync(AXE, "utf8"));
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
}

scenario(async (page, facts, step) => {
  step("sign in as a viewer");
  await signIn(page, process.env.VIEWER, "/");

  step("the retention chart");
  const card = page.getByTestId("retention");
  await card.getByTestId("retention-chart").waitFor({ timeout: 30_000 });
  facts.title = await card.locator("h2").innerText();
  facts.as_of = await card.locator(".card-head .muted").innerText();
  facts.figures = await card.locator(".retention-figures .stat").allInnerTexts();
  facts.chart_label = await card.locator("[data-testid=retention-chart] svg").getAttribute("aria-label");
  facts.chart_points = await card.locator("[data-testid=retention-chart] g.score-point").count();
  facts.retention_dots = await card.locator("[data-testid=retention-chart] circle.dot-alive").count();
  facts.table_hidden = await card.locator(".retention-table").isHidden();

  step("the numbers");
  await card.getByRole("button", { name: "Show the numbers" }).click();
  await card.locator(".retention-table").waitFor();
  facts.table_rows = await card.locator(".retention-table tbody tr").allInnerTexts();
  facts.toggle_expanded = await card.getByRole("button", { name: "Hide the numbers" }).getAttribute("aria-expanded");

  step("the cohort table");
  const cohorts = page.getByTestId("cohorts");
  await cohorts.waitFor();
  facts.cohort_head = await cohorts.locator("thead th").allTextContents();
  facts.cohort_rows = await cohorts.locator("tbody tr").allInnerTexts();
  facts.shaded = await cohorts.locator("td.cohort-cell").evaluateAll((cells) => cells.map((c) => c.style.background));
  await shot(page, "dashboard-retention");

  step("audit the dashboard");
  await page.waitForTimeout(300);
  facts.violations = await audit(page);

  step("another definition of a customer");
  await card.getByLabel("A customer is someone who").selectOption("contract");
  await card.locator(".state-empty").waitFor({ timeout: 30_000 });
  facts.empty = await card.locator(".state-empty .state-title").innerText();
  facts.cohorts_without_history = await page.getByTestId("cohorts").count();
});
