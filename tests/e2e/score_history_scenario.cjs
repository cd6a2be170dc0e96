// The customer page charts the churn score and P(alive) over time, and the customers list
// sorts and filters by the scores. Started by tests/e2e/test_score_history.py; prints one
// JSON line of facts.
//   BASE_URL, VIEWER, PASSWORD_<USER>, SCORED, UNSCORED, CHROMIUM, ARTIFACTS, SCREENSHOTS
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

const rows = (page) => page.locator("table.list tbody tr");
const ids = (page) => rows(page).locator("td:nth-child(2)").allInnerTexts();

scenario(async (page, facts, step) => {
  step("sign in");
  await signIn(page, process.env.VIEWER, "/customers");
  await rows(page).first().waitFor();

  step("sort by churn score, highest first");
  await page.getByRole("button", { name: "Churn score" }).click();
  await page.waitForURL(/ordering=-churn_score/);
  await page.locator('th[aria-sort="descending"]').waitFor();
  await page.waitForFunction(() => !document.querySelector('section[aria-busy="true"]'));
  facts.by_churn = await ids(page);
  step("then lowest first");
  await page.getByRole("button", { name: "Churn score" }).click();
  await page.waitForURL(/ordering=churn_score/);
  await page.locator('th[aria-sort="ascending"]').waitFor();
  await page.waitForFunction(() => !document.querySelector('section[aria-busy="true"]'));
  facts.by_churn_ascending = await ids(page);

  step("filter by tier and minimum score");
  await page.getByLabel("Tier").selectOption("high");
  await page.waitForURL(/tier=high/);
  await page.getByLabel("Churn score at least").fill("0.5");
  // The list's answer to the filtered request, not the rows still shown from before it
  // (under load the check for "not busy" could pass before the request began).
  const filtered = page.waitForResponse((r) => r.url().includes("/api/v1/customers?")
    && r.url().includes("churn_score_min=0.5") && r.url().includes("tier=high"));
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(/churn_score_min=0.5/);
  await filtered;
  await page.waitForFunction(() => !document.querySelector('section[aria-busy="true"]'));
  facts.filtered = await ids(page);
  await shot(page, "customers-sorted");

  step("the scored customer's chart");
  await page.goto(`${base}/customers/${process.env.SCORED}`);
  const chart = page.getByTestId("score-history-chart");
  await chart.locator("svg").waitFor();
  facts.churn_dots = await chart.locator("circle.dot-churn").count();
  facts.alive_dots = await chart.locator("circle.dot-alive").count();
  facts.lines = await chart.locator("path.score-line").evaluateAll((els) => els.map((e) => e.getAttribute("d")));
  facts.thresholds = await chart.locator(".threshold-label").allTextContents();
  facts.tooltips = await chart.locator(".score-point > title").allTextContents();
  facts.chart_label = await chart.locator("svg").getAttribute("aria-label");
  await chart.scrollIntoViewIfNeeded();
  await shot(page, "customer-score-history");

  step("a customer without scores");
  await page.goto(`${base}/customers/${process.env.UNSCORED}`);
  await page.getByRole("heading", { name: "Churn score over time" }).waitFor();
  const empty = page.locator("section[aria-labelledby=score-history] .state-empty");
  await empty.waitFor();
  facts.empty = await empty.innerText();
});
