// Response targets in the browser. PHASE=settings: an admin opens Settings → Task queues,
// sees a refused closing time named next to its field, then gives the queue a target of
// 2 hours. PHASE=inbox: the dashboard counts the overdue task and links to the inbox
// filtered to it, where its badge says how late it is. PHASE=viewer: a viewer reads the
// settings without being able to change them. Started by tests/e2e/test_task_sla.py;
// prints one JSON line of facts.
//   BASE_URL, ADMIN, VIEWER, PASSWORD_<USER>, QUEUE, PHASE, CHROMIUM, ARTIFACTS, SCREENSHOTS (optional)
"use strict";
const { scenario, shot, signIn } = require("./browser.cjs");

const queue = process.env.QUEUE;

async function settings(page, facts, step) {
  step("sign in and open the task queues from the navigation");
  await signIn(page, process.env.ADMIN, "/");
  await page.getByRole("navigation").first().getByRole("link", { name: "Task queues" }).click();
  await page.getByRole("heading", { name: "Task queues", level: 1 }).waitFor();
  const card = page.getByRole("region", { name: queue, exact: true });
  await card.waitFor();
  facts.summary_before = await card.locator("p.muted").first().innerText();
  facts.weekday_labels = await card.getByRole("checkbox").evaluateAll((boxes) => boxes.map((b) => b.parentElement.innerText.trim()));

  step("a closing time before the opening is refused next to its field");
  await card.getByLabel("Closes at").fill("08:00");
  await card.getByLabel("Opens at").fill("09:00");
  await card.getByRole("button", { name: /^Save/ }).click();
  const refused = card.locator(".field-error");
  await refused.first().waitFor();
  facts.refused = await refused.allInnerTexts();
  facts.refused_next_to = await refused.first().evaluate((el) => el.parentElement.querySelector("label")?.innerText ?? null);

  step("open all day, every day, with a target of 2 hours");
  await card.getByLabel("Opens at").fill("00:00");
  await card.getByLabel("Closes at").fill("23:59");
  await card.getByLabel("Act on a task within").fill("2");
  await card.getByLabel("Unit").selectOption("hours");
  await card.getByRole("button", { name: /^Save/ }).click();
  await card.getByRole("status").waitFor();
  facts.saved = await card.getByRole("status").innerText();
  facts.summary_after = await card.locator("p.muted").first().innerText();
  await shot(page, "task-queues");
}

async function inbox(page, facts, step) {
  step("the dashboard counts the overdue task");
  await signIn(page, process.env.ADMIN, "/");
  const targets = page.getByRole("region", { name: "Agent tasks against their response targets" });
  await targets.waitFor();
  facts.dashboard = await targets.innerText();
  await shot(page, "dashboard-task-targets");

  step("its link opens the inbox filtered to overdue tasks");
  await targets.getByRole("link", { name: "Show the 1 overdue task" }).click();
  await page.waitForURL(/\/tasks\?view=overdue$/);
  const list = page.locator("ul.task-list");
  await list.waitFor();
  facts.overdue_titles = await list.locator("li strong").allInnerTexts();
  facts.overdue_badges = await list.locator(".badge.sla").allInnerTexts();
  facts.overdue_when = await list.locator(".sla-when").allInnerTexts();
  facts.pressed = await page.getByRole("button", { name: "Overdue" }).getAttribute("aria-pressed");

  step("the open tasks show each one's standing");
  await page.getByRole("button", { name: "Open", exact: true }).click();
  await page.waitForURL(/\/tasks$/);
  await list.locator("li", { hasText: "Call Bea" }).waitFor();
  facts.open = await list.locator("li").evaluateAll((items) => items.map((li) => ({
    title: li.querySelector("strong").innerText,
    badge: li.querySelector(".badge.sla")?.innerText ?? null,
    when: li.querySelector(".sla-when")?.innerText ?? null,
  })));
  await shot(page, "task-inbox-standing");
}

async function viewer(page, facts, step) {
  step("a viewer reads the settings");
  await signIn(page, process.env.VIEWER, "/settings/task-queues");
  const card = page.getByRole("region", { name: queue, exact: true });
  await card.waitFor();
  facts.notice = await page.locator(".page-head .notice").innerText();
  facts.disabled = await card.getByLabel("Act on a task within").isDisabled();
  facts.save_buttons = await page.getByRole("button", { name: /^Save/ }).count();
  const report = page.getByRole("region", { name: "Done within target, per week" });
  await report.locator("table").first().waitFor();
  facts.report_rows = await report.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.innerText)));
  facts.chart_label = await report.locator("svg").first().getAttribute("aria-label");
}

scenario(async (page, facts, step) => {
  const phases = { settings, inbox, viewer };
  await phases[process.env.PHASE](page, facts, step);
});
