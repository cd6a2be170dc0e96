// The canvas scenario in real headless Chromium (playwright-core; the browser is Debian's
// /usr/bin/chromium, never a download). Started by tests/e2e/test_canvas.py against a
// pytest-django live_server; it prints one JSON line of facts for the test to check.
//   PHASE=build (default): a composer builds, saves (and meets a stale save); a publisher
//   publishes. PHASE=inspect: the publisher finds the run of WORKFLOW_ID in the run
//   inspector and the message in CUSTOMER's timeline.
//   BASE_URL, COMPOSER, PUBLISHER, PASSWORD_<USER>, CHROMIUM, ARTIFACTS (screenshots on failure)
"use strict";
const { base, scenario, signIn: browserSignIn } = require("./browser.cjs");

const composer = process.env.COMPOSER;
const publisher = process.env.PUBLISHER;
let facts;
let step;
let page;

async function signIn(user) {
  step(`sign in as ${user}`);
  await browserSignIn(page, user);
  await page.getByRole("heading", { name: "Workflows" }).waitFor();
}

async function signOut() {
  step("sign out");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login\//);
}

/** Drag a palette block onto the canvas at (x, y) relative to the canvas's corner. */
async function dropBlock(key, x, y) {
  step(`drag ${key}`);
  const before = await page.locator(".react-flow__node").count();
  await page.locator(`[data-block-key="${key}"]`).dragTo(page.locator(".react-flow__pane"), { targetPosition: { x, y } });
  await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n + 1, before);
  return page.locator(".react-flow__node.selected").getAttribute("data-id");
}

/** A point on the pane 100 px below a node (and `dx` to the side), so cards never overlap. */
async function below(id, dx) {
  const node = await page.locator(`.react-flow__node[data-id="${id}"]`).boundingBox();
  const pane = await page.locator(".react-flow__pane").boundingBox();
  return [node.x - pane.x + node.width / 2 + dx, node.y - pane.y + node.height + 100];
}

/** Drag from a node's output port to another node's input, like a person would. */
async function wire(source, port, target) {
  step(`wire ${source}.${port} -> ${target}`);
  const from = page.locator(`.react-flow__node[data-id="${source}"] .react-flow__handle.source[data-handleid="${port}"]`);
  const to = page.locator(`.react-flow__node[data-id="${target}"] .react-flow__handle.target`);
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
  await page.locator(`.react-flow__edge[data-id="${source}:${port}->${target}"]`).waitFor();
}

async function select(id) {
  await page.locator(`.react-flow__node[data-id="${id}"] .block-head`).click();
  await page.locator(`.node-panel[aria-label="Settings of ${id}"]`).waitFor();
}

scenario(async (p, f, s) => {
  [page, facts, step] = [p, f, s];
  if (process.env.PHASE === "inspect") await inspect();
  else await build();
});

/** The run an event started: in the editor's run inspector, and in the customer's timeline. */
async function inspect() {
  await signIn(publisher);
  step("open the run inspector");
  await page.goto(`${base}/workflows/${process.env.WORKFLOW_ID}`);
  await page.locator(".react-flow__node").first().waitFor();
  await page.getByRole("button", { name: "Dry run & runs" }).click();
  const run = page.locator(".runs-list button").first();
  await run.waitFor();
  facts.run_label = await run.innerText();
  await run.click();
  await page.getByTestId("run-inspector").locator(".steps li").first().waitFor();
  facts.run_steps = await page.getByTestId("run-inspector").locator(".steps li").allInnerTexts();
  facts.highlighted = await page.locator(".block-node.highlight-path").evaluateAll((els) => els.map((e) => e.dataset.nodeId));
  step("customer timeline");
  await page.goto(`${base}/customers/${encodeURIComponent(process.env.CUSTOMER)}`);
  await page.locator(".timeline").waitFor();
  facts.timeline = await page.locator(".timeline").innerText();
}

async function build() {
  {
    // A composer builds: trigger -> filter -> SMS.
    await signIn(composer);
    step("create workflow");
    await page.getByLabel("New workflow").fill("E2E apology");
    await page.getByRole("button", { name: "Create" }).click();
    await page.waitForURL(/\/workflows\/\d+$/);
    facts.workflow_id = Number(page.url().split("/").pop());
    await page.locator(".canvas-empty").waitFor();

    const trigger = await dropBlock("trigger.event", 300, 60);
    step("configure trigger");
    await page.locator(`#cfg-${trigger}_event_type`).fill("feedback.submitted");

    const filter = await dropBlock("flow.filter", ...(await below(trigger, 0)));
    step("configure filter");
    await page.getByRole("button", { name: "+ Add rule" }).click();
    // The field picker offers the properties of recent events in words ("Score" under
    // "Event: feedback.submitted"), not a path to type.
    facts.field_groups = await page.getByLabel("Rule 1 field").locator("optgroup").evaluateAll((groups) => groups.map((g) => g.label));
    await page.getByLabel("Rule 1 field").selectOption({ label: "Score" });
    await page.getByLabel("Rule 1 operator").selectOption("lte");
    await page.getByLabel("Rule 1 value").fill("6");

    const sms = await dropBlock("action.send_sms", ...(await below(filter, -100)));
    step("configure sms");
    await page.locator(`#cfg-${sms}_body`).fill("Sorry {{ customer.first_name }}, we will make it right.");
    await page.getByTestId("sms-size").waitFor();
    facts.sms_preview = await page.getByTestId("sms-size").innerText();

    await wire(trigger, "out", filter);
    await wire(filter, "yes", sms);
    facts.nodes = [trigger, filter, sms];

    step("save");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByRole("status").filter({ hasText: "Saved revision" }).waitFor();
    facts.saved_status = await page.locator(".editor-status").innerText();
    const composerPublish = page.getByRole("button", { name: "Publish…" });
    facts.composer_publish = [await composerPublish.getAttribute("aria-disabled"), await composerPublish.getAttribute("title")];
    await composerPublish.focus();
    await page.keyboard.press("Enter");
    facts.composer_publish_status = await page.locator(".editor-status").innerText();

    // A stale save is reported, and the edits on this page are kept: another tab saves
    // first, then this page saves, sees the conflict and saves its version over it.
    step("stale save");
    const other = await page.context().newPage();
    await other.goto(page.url());
    await other.locator(`.react-flow__node[data-id="${sms}"] .block-head`).click();
    await other.getByLabel("Name on the canvas").fill("Sorry SMS (other tab)");
    await other.getByRole("button", { name: "Save draft" }).click();
    await other.getByRole("status").filter({ hasText: "Saved revision" }).waitFor();
    await other.close();
    await select(trigger);
    await page.getByLabel("Name on the canvas").fill("Bad feedback");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByRole("alert").filter({ hasText: "Someone else saved" }).waitFor();
    facts.conflict_kept_edit = await page.locator(`.react-flow__node[data-id="${trigger}"] .block-title`).innerText();
    await page.getByRole("button", { name: "Save mine over theirs" }).click();
    await page.getByRole("status").filter({ hasText: "Saved revision" }).waitFor();
    facts.saved_after_conflict = await page.locator(".editor-status").innerText();

    // Workflow settings are saved with the draft; a value the server refuses is shown on
    // the field it names, and nothing is saved until it is fixed.
    step("settings: refused");
    await page.getByRole("button", { name: "Settings", exact: true }).click();
    const settings = page.getByRole("region", { name: "Workflow settings" });
    await settings.getByLabel("A customer may enter").selectOption("once_per_period");
    await settings.getByLabel("N (days)").fill("0");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByRole("status").filter({ hasText: "check the workflow settings" }).waitFor({ timeout: 30_000 });
    facts.settings_error = await settings.locator(".field-error").first().innerText();
    facts.settings_error_field = await settings.getByLabel("N (days)").getAttribute("aria-invalid");
    step("settings: saved");
    await settings.getByLabel("N (days)").fill("7");
    await settings.getByLabel("Active runs per customer at most").fill("2");
    await settings.getByLabel("Goal event type").fill("purchase");
    await settings.getByLabel("New runs per minute at most").fill("30");
    await settings.getByLabel("Per SMS").fill("0.07");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByRole("status").filter({ hasText: "Saved revision" }).waitFor({ timeout: 30_000 });
    facts.saved_settings_status = await page.locator(".editor-status").innerText();
    facts.settings_errors_left = await settings.locator(".field-error").count();

    // Test cases: one that passes and one that fails (its differences are shown), run
    // against the saved draft; the failing one is deleted so the publisher can publish.
    step("test cases: add");
    const canvasHeight = () => page.locator(".editor-body .canvas").evaluate((el) => el.clientHeight);
    await page.getByRole("button", { name: "Test cases", exact: true }).click();
    const tests = page.getByRole("region", { name: "Test cases" });
    await tests.waitFor();
    // The drawer takes its height from the canvas and grows from its handle, the canvas
    // giving up what it gains.
    facts.canvas_height_open = await canvasHeight();
    const handle = page.getByRole("separator", { name: "Drag to resize the panel (or use the arrow keys)" });
    const dockHeight = () => page.locator(".drawer-dock").evaluate((el) => el.getBoundingClientRect().height);
    facts.dock_height = await dockHeight();
    await handle.focus();
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowUp");
    facts.dock_height_after_keys = await dockHeight();
    facts.canvas_height_after_keys = await canvasHeight();
    const addCase = async (name, expect) => {
      await tests.getByRole("button", { name: "New test case" }).click();
      const form = tests.getByRole("form");
      await form.getByLabel("Name").fill(name);
      await form.getByLabel("Given (JSON)").fill(JSON.stringify({ customer: "c-1", event: { type: "feedback.submitted", properties: { score: 3 } } }));
      await form.getByLabel("Expect (JSON)").fill(JSON.stringify(expect));
      await form.getByRole("button", { name: "Save test case" }).click();
      await tests.getByTestId("test-cases").getByText(name).waitFor({ timeout: 30_000 });
    };
    await addCase("Low score gets an SMS", { path: [trigger, filter, sms], outcome: "completed" });
    await addCase("Wrong on purpose", { path: [trigger], outcome: "exited" });
    step("test cases: run all");
    await tests.getByRole("button", { name: "Run all" }).click();
    await tests.getByTestId("test-run-summary").waitFor({ timeout: 30_000 });
    facts.test_run = await tests.getByTestId("test-run-summary").innerText();
    facts.test_diff = await tests.locator(".case-failed .case-diffs").innerText();
    step("test cases: delete the failing one, run again");
    await tests.locator(".case-failed").getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog", { name: "Delete the test case “Wrong on purpose”?" }).getByRole("button", { name: "Delete" }).click();
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=test-cases] > li").length === 1, null, { timeout: 30_000 });
    await tests.getByRole("button", { name: "Run all" }).click();
    await tests.getByTestId("test-run-summary").filter({ hasText: "All 1 passed" }).waitFor({ timeout: 30_000 });
    facts.test_rerun = await tests.getByTestId("test-run-summary").innerText();
    await signOut();

    // A publisher publishes.
    await signIn(publisher);
    step("open and publish");
    await page.getByRole("link", { name: "E2E apology" }).click();
    await page.locator(`.react-flow__node[data-id="${sms}"]`).waitFor();
    await page.getByRole("button", { name: "Publish…" }).click();
    await page.getByLabel("What changed").fill("First version");
    await page.getByRole("button", { name: "Publish now" }).click();
    await page.getByTestId("workflow-state").filter({ hasText: "published" }).waitFor();
    facts.state = await page.getByTestId("workflow-state").innerText();

    // An old version is shown on the canvas read-only from the history.
    step("view version 1");
    await page.getByRole("button", { name: "History", exact: true }).click();
    await page.getByRole("button", { name: "View version 1 on the canvas" }).click();
    const view = page.getByTestId("version-view");
    await view.locator(".react-flow__node").nth(2).waitFor({ timeout: 30_000 });
    facts.version_nodes = await view.locator(".react-flow__node").count();
    facts.version_draggable = await view.locator(".react-flow__node.draggable").count();
    await view.locator(`.react-flow__node[data-id="${sms}"] .block-head`).click();
    facts.version_config = await view.locator(".config-json").innerText();
    await view.getByRole("button", { name: "Back to the draft" }).click();
    await page.locator(`.editor-body .react-flow__node[data-id="${sms}"]`).waitFor({ timeout: 30_000 });
  }
}

