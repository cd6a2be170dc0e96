// Keepflow in German, then in Russian: with the language chosen (localStorage
// "keepflow.language") before the pages load, a publisher passes the dashboard, the
// workflows list with its starter gallery, the customers list, a customer's page and the
// tasks inbox, then builds trigger → SMS on the canvas, opens every drawer, tries a dry
// run, saves and publishes, and opens the published version. The way is found by the words of the chosen language (read from the
// catalogs), and at each screen every readable text is compared with the English
// catalog: an English text whose translation differs is a leftover.
// Started by tests/e2e/test_languages.py; prints one JSON line of facts.
//   BASE_URL, PUBLISHER, PASSWORD_<USER>, WORKFLOWS (JSON {"de": id, "ru": id}), CUSTOMER,
//   TASK (a task's title), CHROMIUM, ARTIFACTS
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");
const { englishLeftovers, leftoversOn, textPattern, translator } = require("./catalog.cjs");

const workflows = JSON.parse(process.env.WORKFLOWS);

scenario(async (page, facts, step) => {
  facts.leftovers = [];
  facts.screens = {};
  facts.lang = {};
  facts.states = {};

  /** Drag a palette block onto the canvas at (x, y) of the pane; its node id. */
  async function dropBlock(key, x, y) {
    const before = await page.locator(".react-flow__node").count();
    await page.locator(`[data-block-key="${key}"]`).dragTo(page.locator(".react-flow__pane"), { targetPosition: { x, y } });
    await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length === n + 1, before);
    return page.locator(".react-flow__node.selected").getAttribute("data-id");
  }

  async function wire(source, port, target) {
    const a = await page.locator(`.react-flow__node[data-id="${source}"] .react-flow__handle.source[data-handleid="${port}"]`).boundingBox();
    const b = await page.locator(`.react-flow__node[data-id="${target}"] .react-flow__handle.target`).boundingBox();
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.locator(`.react-flow__edge[data-id="${source}:${port}->${target}"]`).waitFor();
  }

  step("sign in");
  await signIn(page, process.env.PUBLISHER);

  for (const language of ["de", "ru"]) {
    const T = translator(language);
    const leftovers = englishLeftovers(language);
    const button = (key, values) => page.getByRole("button", { name: T(key, values), exact: true });
    const check = async (screen) => {
      await page.waitForTimeout(150); // let the last render settle
      const name = `${language}/${screen}`;
      for (const found of await leftoversOn(page, leftovers)) facts.leftovers.push({ screen: name, ...found });
      facts.screens[name] = await page.locator("body").innerText();
      await shot(page, `languages-${language}-${screen}`);
    };

    /** Open a page and wait until it has loaded what it shows (`ready`, then no spinner). */
    const visit = async (url, ready) => {
      await page.goto(`${base}${url}`);
      await page.locator(ready).first().waitFor();
      await page.waitForLoadState("networkidle");
      await page.waitForFunction(() => !document.querySelector(".state-loading"));
    };

    step(`${language}: choose the language; the pages on the way to the canvas`);
    await page.evaluate((lang) => localStorage.setItem("keepflow.language", lang), language);
    await visit("/", "h1");
    await check("dashboard");
    await visit("/workflows", ".starter-cards li");
    await check("workflows");
    await visit("/customers", `a[href$="/customers/${process.env.CUSTOMER}"]`);
    await check("customers");
    await visit(`/customers/${process.env.CUSTOMER}`, "h1");
    await check("customer");
    await visit("/tasks", `text=${process.env.TASK}`);
    await check("tasks");

    step(`${language}: open the empty workflow`);
    await page.goto(`${base}/workflows/${workflows[language]}`);
    await page.locator(".canvas-empty").waitFor();
    facts.lang[language] = await page.evaluate(() => document.documentElement.lang);
    await check("empty");

    step(`${language}: validate the empty workflow`);
    await page.locator(".toolbar-more > summary").click();
    await button("canvas.editor.validate").click();
    await page.locator(".editor-status").filter({ hasText: textPattern(language, "canvas.status.problems_one") }).waitFor();
    facts[`problems_${language}`] = await page.locator(".workflow-summary").innerText();
    await check("problems");

    step(`${language}: a trigger`);
    const trigger = await dropBlock("trigger.event", 300, 60);
    await page.locator(`.node-panel[aria-label="${T("canvas.node.settingsOf", { id: trigger })}"]`).waitFor();
    await page.locator(`#cfg-${trigger}_event_type`).fill("feedback.submitted");
    await check("trigger");

    step(`${language}: an SMS below it, wired`);
    const box = await page.locator(`.react-flow__node[data-id="${trigger}"]`).boundingBox();
    const pane = await page.locator(".react-flow__pane").boundingBox();
    const sms = await dropBlock("action.send_sms", box.x - pane.x + box.width / 2, box.y - pane.y + box.height + 120);
    await page.locator(`#cfg-${sms}_body`).fill("Hallo {{ customer.first_name }}!");
    await page.getByTestId("sms-size").waitFor();
    facts[`sms_size_${language}`] = await page.getByTestId("sms-size").innerText();
    await wire(trigger, "out", sms);
    await check("sms");

    step(`${language}: the toolbar fits one line at 1280 px, unsaved`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForTimeout(200);
    facts[`toolbar_${language}`] = await page.locator(".editor-toolbar").evaluate((bar, publish) => {
      const note = bar.querySelector(".toolbar-note");
      const title = bar.querySelector("h1");
      const button = [...bar.querySelectorAll("button")].find((b) => b.textContent === publish);
      return {
        height: bar.getBoundingClientRect().height,
        overflowing: bar.scrollWidth > bar.clientWidth + 1,
        publishVisible: !!button && button.getBoundingClientRect().right <= window.innerWidth,
        noteCut: !!note && note.scrollWidth > note.clientWidth + 1,
        titleCut: !!title && title.scrollWidth > title.clientWidth + 1,
      };
    }, T("canvas.editor.publish"));
    await shot(page, `languages-${language}-toolbar-1280`);
    await page.setViewportSize({ width: 1400, height: 900 });

    step(`${language}: save`);
    await button("canvas.editor.saveDraft").click();
    await page.locator(".editor-status").filter({ hasText: textPattern(language, "canvas.status.saved") }).waitFor({ timeout: 30_000 });
    facts[`saved_${language}`] = await page.locator(".editor-status").innerText();
    await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
    await page.locator(".workflow-summary").waitFor();
    await check("saved");

    step(`${language}: the drawers`);
    for (const [toggle, region] of [["settings", "canvas.settings.title"], ["history", "canvas.history.title"], ["tests", "canvas.tests.title"], ["runs", "canvas.runs.label"]]) {
      await button(`canvas.editor.${toggle}`).click();
      await page.getByRole("region", { name: T(region), exact: true }).waitFor();
      await check(`drawer-${toggle}`);
      if (toggle === "tests") {
        await button("canvas.tests.new").click();
        await page.getByRole("form", { name: T("canvas.tests.new") }).waitFor();
        await check("test-case-form");
        await button("canvas.cancel").click();
      }
      if (toggle !== "runs") await button(`canvas.editor.${toggle}`).click();
    }

    step(`${language}: a dry run`);
    const runs = page.getByRole("region", { name: T("canvas.runs.label"), exact: true });
    await runs.getByRole("button", { name: T("canvas.runs.dryRun"), exact: true }).click();
    await page.getByTestId("dry-run-result").waitFor({ timeout: 30_000 });
    facts[`dry_run_${language}`] = await page.getByTestId("dry-run-result").innerText();
    await check("dry-run");
    await button("canvas.editor.runs").click();

    step(`${language}: publish`);
    await button("canvas.editor.publish").click();
    await page.getByRole("dialog", { name: T("canvas.editor.publishDialog") }).waitFor();
    await check("publish-dialog");
    await page.getByLabel(T("canvas.editor.publishNote")).fill(language === "de" ? "Erste Version" : "Первая версия");
    await button("canvas.editor.publishNow").click();
    await page.getByTestId("workflow-state").filter({ hasText: T("canvas.state.published") }).waitFor({ timeout: 30_000 });
    facts.states[language] = await page.getByTestId("workflow-state").innerText();
    await page.locator(".editor-status").filter({ hasText: textPattern(language, "canvas.status.published") }).waitFor();
    await check("published");

    step(`${language}: the published version`);
    await button("canvas.editor.history").click();
    const history = page.getByRole("region", { name: T("canvas.history.title"), exact: true });
    await history.getByRole("button", { name: T("canvas.history.changes"), exact: true }).first().click();
    await history.locator(".diff-lists, .diff p").first().waitFor();
    await check("history");
    await history.getByRole("button", { name: T("canvas.history.viewLabel", { number: 1 }), exact: true }).click();
    await page.getByTestId("version-view").waitFor();
    await check("version");
    await page.getByRole("button", { name: T("canvas.version.back"), exact: true }).click();
    await button("canvas.editor.history").click();
  }
});
