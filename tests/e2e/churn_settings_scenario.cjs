// An admin reads why a contract customer has their churn score, then changes a weight and
// a threshold on the churn score settings page: refused tiers are named in words, the
// preview follows the weights, and a save says when it applies. Started by
// tests/e2e/test_churn_settings.py; prints one JSON line of facts.
//   BASE_URL, ADMIN, PASSWORD_<USER>, CUSTOMER, CHROMIUM, ARTIFACTS, SCREENSHOTS (optional)
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  step("sign in");
  await signIn(page, process.env.ADMIN);

  step("why this score");
  await page.goto(`${base}/customers/${process.env.CUSTOMER}`);
  const card = page.getByRole("region", { name: /Why this score/ });
  await card.waitFor();
  facts.breakdown = await card.innerText();
  facts.breakdown_rows = await card.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.innerText));
  await shot(page, "customer-why-this-score");

  step("the settings page");
  await card.getByRole("link", { name: "How the score is made" }).click();
  await page.getByRole("heading", { name: "Churn score settings" }).waitFor();
  const preview = page.locator(".state.notice", { hasText: "Preview" });
  await preview.getByText(/contract customers would score/).waitFor();
  facts.preview_before = await preview.innerText();

  step("a weight changes the preview");
  await page.getByRole("spinbutton", { name: "Weight of “Contract end is near”" }).fill("5");
  await preview.getByText(/^With these weights, 2 of 3/).waitFor();
  facts.preview_after = await preview.innerText();
  facts.share = await page.getByRole("group", { name: "Contract end is near" }).innerText();

  step("tiers out of order are refused in words");
  const percentiles = page.getByRole("spinbutton", { name: "Starts at percentile (0 to 1)" });
  await percentiles.last().fill("0.99");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByRole("alert").waitFor();
  facts.refused = await page.getByRole("alert").innerText();
  await percentiles.last().fill("0");

  step("saved");
  await page.getByLabel("Churn score threshold (0 to 1)").fill("0.6");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByRole("status").waitFor();
  facts.saved = await page.getByRole("status").innerText();
  facts.page_text = await page.locator("main").innerText();
  await shot(page, "churn-score-settings");
});
