// Accessibility: axe-core (WCAG 2.1 A and AA rules) on the main pages, signed in as a
// publisher; reports each violation with its impact and the first offending elements.
// Started by tests/e2e/test_accessibility.py; prints one JSON line of facts.
//   BASE_URL, PUBLISHER, PASSWORD_<USER>, WORKFLOW_ID, CUSTOMER, CHROMIUM, ARTIFACTS
"use strict";
const fs = require("fs");
const path = require("path");
const { base, scenario, signIn } = require("./browser.cjs");

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
  step("sign in");
  await signIn(page, process.env.PUBLISHER, "/");
  const pages = {
    dashboard: ["/", "Your first workflow in three steps"],
    workflows: ["/workflows", "Start from a proven workflow"],
    editor: [`/workflows/${process.env.WORKFLOW_ID}`, null],
    customers: ["/customers", null],
    customer: [`/customers/${process.env.CUSTOMER}`, null],
    segments: ["/segments", null],
    tasks: ["/tasks", null],
    task_queues: ["/settings/task-queues", "Done within target, per week"],
    events: ["/events", null],
    exit_reasons: ["/exit-reasons", null],
    team_blocks: ["/team-blocks", null],
  };
  facts.violations = {};
  for (const [name, [url, waitFor]] of Object.entries(pages)) {
    step(`audit ${name}`);
    await page.goto(`${base}${url}`);
    await page.locator("main h1, .editor-toolbar h1").first().waitFor();
    if (waitFor) await page.getByText(waitFor).first().waitFor();
    if (name === "editor") await page.locator(".react-flow__node").first().waitFor();
    await page.waitForTimeout(300);
    facts.violations[name] = await audit(page);
    if (name === "editor") {
      step("move a block with the keyboard");
      const node = page.locator(".react-flow__node").first();
      const before = await node.getAttribute("style");
      await node.focus();
      await page.keyboard.press("Enter");  // selects the focused block
      for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowRight");
      facts.moved_by_keyboard = before !== (await node.getAttribute("style"));
      facts.editor_status = await page.locator(".editor-toolbar").innerText();
    }
  }
});
