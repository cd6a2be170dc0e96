// A composer upgrades a block on an older version from the canvas: the card carries a
// marker, the overview offers "Upgrade 1 block" as soon as the draft opens, with what the
// new version brings, the block's panel explains in words (also what is new) and has an
// Upgrade button; after it the notice and marker are gone and the form shows the
// new field. Started by tests/e2e/test_block_upgrade.py; prints one JSON line of facts.
//   BASE_URL, COMPOSER, PASSWORD_<USER>, WORKFLOW_ID, OFFER_NODE, CHROMIUM, ARTIFACTS,
//   SCREENSHOTS (optional)
"use strict";
const { base, scenario, signIn, shot } = require("./browser.cjs");

scenario(async (page, facts, step) => {
  step("sign in");
  await signIn(page, process.env.COMPOSER);
  await page.goto(`${base}/workflows/${process.env.WORKFLOW_ID}`);
  const offer = page.locator(`.react-flow__node[data-id="${process.env.OFFER_NODE}"]`);
  await offer.waitFor();

  step("the card and the overview say an upgrade is available");
  const marker = offer.locator(".block-upgrade");
  await marker.waitFor();
  facts.card_marker = await marker.getAttribute("aria-label");
  // The overview knows from the catalog, on opening: no save or validation needed.
  const all = page.getByTestId("upgrade-all");
  await all.waitFor({ timeout: 5000 });
  facts.overview_on_open = await all.count();
  facts.overview_notice = await all.innerText();
  facts.overview_news = await all.getByTestId("upgrade-news").locator("li").allInnerTexts();
  facts.overview_buttons = await all.getByRole("button").allInnerTexts();
  // A validation adds the server's warning, with its own Upgrade link; the box stays one.
  await page.locator(".toolbar-more > summary").click();
  await page.getByRole("group", { name: "More actions" }).getByRole("button", { name: "Validate" }).click();
  await page.locator(".workflow-summary .issues.warnings li").first().waitFor();
  facts.overview_boxes_validated = await page.getByTestId("upgrade-all").count();
  facts.overview_warnings = await page.locator(".workflow-summary .issues.warnings li").allInnerTexts();
  await shot(page, "block-upgrade-overview");

  step("the block's panel explains it and offers Upgrade");
  await offer.locator(".block-head").click();
  const notice = page.getByTestId("upgrade-notice");
  await notice.waitFor();
  facts.panel_notice = await notice.innerText();
  facts.form_labels_before = await page.locator(".node-panel form label").allInnerTexts();
  facts.page_text_before = await page.locator("body").innerText();
  await shot(page, "block-upgrade-panel");

  step("upgrade");
  await notice.getByRole("button", { name: "Upgrade", exact: true }).click();
  await page.getByText(/Upgraded 1 block to its newest version/).first().waitFor();
  await notice.waitFor({ state: "detached" });
  facts.status = await page.getByText(/Upgraded 1 block to its newest version/).first().innerText();
  facts.markers_after = await page.locator(".block-upgrade").count();

  step("the form shows the new field");
  const amount = page.getByLabel("Valid for: number");
  await amount.waitFor();
  facts.valid_for_shown = [await amount.inputValue(), await page.getByLabel("Valid for: unit").inputValue()];
  facts.form_labels_after = await page.locator(".node-panel form label").allInnerTexts();
  facts.header_after = await page.locator(".editor-toolbar").innerText();
  facts.page_text_after = await page.locator("body").innerText();
  await shot(page, "block-upgrade-done");

  step("the overview offers no upgrade any more");
  await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
  await page.locator(".workflow-summary").waitFor();
  facts.overview_left = await page.getByTestId("upgrade-all").count();
  facts.overview_text_after = await page.locator(".workflow-summary").innerText();
});
