// A customer who cancelled opens the exit-survey link from her e-mail, answers in her own
// language, cannot answer twice, and a viewer then sees the answer counted on the Exit
// reasons page. Started by tests/e2e/test_exit_survey.py; prints one JSON line of facts.
//   BASE_URL, VIEWER, ADMIN, PASSWORD_<USER>, SURVEY_URL (taken from the sent message),
//   WORKFLOW_ID,
//   CHROMIUM, ARTIFACTS (a screenshot on failure), SCREENSHOTS (optional)
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  const link = process.env.SURVEY_URL;

  step("open the link from the e-mail");
  const opened = await page.goto(link);
  facts.form_status = opened.status();
  facts.lang = await page.locator("html").getAttribute("lang");
  facts.heading = await page.getByRole("heading", { level: 1 }).innerText();
  facts.greeting = await page.locator("main p").first().innerText();
  facts.choices = await page.getByRole("radio").evaluateAll((els) => els.map((e) => e.value));
  await shot(page, "exit-survey-form");

  step("answer");
  await page.getByLabel("Zu teuer").check();
  await page.getByLabel("Möchten Sie uns noch etwas mitteilen? (freiwillig)").fill("Der neue Tarif ist mir zu teuer.");
  await page.getByRole("button", { name: "Antwort senden" }).click();
  await page.locator("main[data-state]").waitFor();
  facts.after_answer = await page.getByRole("heading", { level: 1 }).innerText();
  await shot(page, "exit-survey-thanks");

  step("open the link again");
  const again = await page.goto(link);
  facts.again_status = again.status();
  facts.again = await page.getByRole("heading", { level: 1 }).innerText();

  step("a tampered link");
  const tampered = await page.goto(link.slice(0, -2) + (link.endsWith("xx") ? "yy" : "xx"));
  facts.tampered_status = tampered.status();
  facts.tampered = await page.getByRole("heading", { level: 1 }).innerText();

  step("the report");
  await signIn(page, process.env.VIEWER, "/exit-reasons");
  const totals = page.getByTestId("exit-reason-totals");
  await totals.waitFor({ timeout: 30_000 });
  facts.sent = await page.getByTestId("exit-sent").innerText();
  facts.answered = await page.getByTestId("exit-answered").innerText();
  facts.rate = await page.getByTestId("exit-rate").innerText();
  facts.rows = await totals.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [r.dataset.reason, r.cells[1].innerText]));
  facts.chart_bars = await page.locator("figure.chart svg rect").count();
  await shot(page, "exit-reasons-report");

  step("the reasons page");
  await page.getByRole("link", { name: "Manage the reasons" }).click();
  const list = page.getByTestId("exit-reasons-list");
  await list.waitFor();
  facts.reasons = await list.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.reason));
  facts.viewer_can_edit = await page.getByRole("button", { name: /^Edit/ }).count();

  step("the block on the canvas");
  const workflow = `/workflows/${process.env.WORKFLOW_ID}`;
  await signIn(page, process.env.ADMIN, workflow);
  const block = page.locator('.react-flow__node[data-id="s1"]');
  await block.getByTestId("message-outcomes").locator("li").first().waitFor({ timeout: 30_000 });
  facts.canvas_summary = await block.getByTestId("block-summary").locator("div").allInnerTexts();
  facts.canvas_outcomes = await block.getByTestId("message-outcomes").locator("li").allInnerTexts();
  facts.canvas_icon = await block.locator(".block-icon svg").getAttribute("class");
  await block.locator(".block-head").click();
  const panel = page.locator('.node-panel[aria-label="Settings of s1"]');
  const reasons = panel.getByRole("group", { name: "Reasons to offer" });
  await reasons.getByRole("checkbox").first().waitFor();
  facts.canvas_reasons = await reasons.locator("label").allInnerTexts();
  await shot(page, "exit-survey-canvas");

  step("an admin manages the reasons");
  await page.goto(`${base}/exit-reasons/reasons`);
  await list.waitFor();
  const row = (code) => list.locator(`tr[data-reason="${code}"]`);
  await page.getByRole("button", { name: "Stop offering Other" }).click();
  await row("other").getByText("not offered").waitFor();
  await page.getByRole("button", { name: "Move up Poor service" }).click();
  await list.locator("tbody tr").nth(1).and(row("poor_service")).waitFor();
  await page.getByRole("button", { name: "Edit Too expensive" }).click();
  await page.locator("#reason-too_expensive-label_de").fill("Einfach zu teuer");
  await page.getByRole("button", { name: "Save" }).click();
  await row("too_expensive").getByText("Einfach zu teuer").waitFor();
  const form = page.getByRole("form", { name: "New reason" });
  await form.getByLabel("Code").fill("shop_closed");
  await form.getByLabel("English label").fill("The shop near me closed");
  await form.getByLabel("German label").fill("Die Filiale in meiner Nähe hat geschlossen");
  await form.getByRole("button", { name: "Add reason" }).click();
  await row("shop_closed").waitFor();
  facts.admin_rows = await list.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [r.dataset.reason, r.cells[4].innerText]));
  await shot(page, "exit-reasons-manage");
});
