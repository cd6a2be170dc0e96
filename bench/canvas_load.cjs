// Opens the editor on a big workflow in headless Chromium LOADS times (the first with an
// empty cache) and prints JSON: per load, ms from navigation start until every block is in
// the editor (the minimap draws all of them) and until a click on a block opened its form.
//   BASE_URL USERNAME PASSWORD WORKFLOW LOADS CHROMIUM; run by bench/canvas.py.
"use strict";
const { chromium } = require("playwright-core");

/** The renderer's main-thread time so far (ms): scripts, layout, style, all tasks. */
async function mainThread(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  const pick = (name) => Math.round(1000 * (metrics.find((m) => m.name === name)?.value ?? 0));
  return { script: pick("ScriptDuration"), layout: pick("LayoutDuration"), style: pick("RecalcStyleDuration"), tasks: pick("TaskDuration") };
}

async function main() {
  const base = process.env.BASE_URL;
  const loads = Number(process.env.LOADS || 5);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login/`);
  await page.getByLabel("Username").fill(process.env.USERNAME);
  await page.getByLabel("Password").fill(process.env.PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
  // The first measured load should find an empty cache: only the sign-in page ran so far
  // (the dashboard's bundle is the same as the editor's main chunk, so clear the cache).
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.clearBrowserCache");
  await cdp.send("Performance.enable");
  const url = `${base}/workflows/${process.env.WORKFLOW}`;
  const expected = await (await page.request.get(`${base}/api/v1/workflows/${process.env.WORKFLOW}/`)).json();
  const total = expected.graph.nodes.length;
  const results = [];
  for (let i = 0; i < loads; i++) {
    await page.goto("about:blank");
    const before = await mainThread(cdp);
    const started = Date.now();
    await page.goto(url, { waitUntil: "commit" });
    await page.locator(".editor-toolbar").waitFor({ timeout: 30_000 });
    const editor = Date.now() - started;
    await page.waitForFunction(
      (n) => document.querySelectorAll(".react-flow__minimap-node").length === n && document.querySelector(".react-flow__node"),
      total,
      { polling: "raf", timeout: 30_000 },
    );
    const loaded = Date.now() - started;
    const node = page.locator(".react-flow__node .block-head").first();
    const clicked = Date.now();
    await node.click();
    await page.locator(".node-panel form").waitFor({ timeout: 30_000 });
    const interactive = Date.now() - started;
    const rendered = await page.locator(".react-flow__node").count();
    const nav = await page.evaluate(() => {
      const entry = performance.getEntriesByType("navigation")[0];
      return entry ? Math.round(entry.domContentLoadedEventEnd) : null;
    });
    // Where the time went: each request's start and end (ms from navigation start).
    const requests = await page.evaluate(() => performance.getEntriesByType("resource").map((r) => ({
      name: r.name.replace(location.origin, "").replace(/-[A-Za-z0-9_-]{8}\.(js|css)$/, ".$1"),
      start: Math.round(r.startTime),
      end: Math.round(r.responseEnd),
    })));
    const selectMs = Date.now() - clicked;
    const after = await mainThread(cdp);
    const busy = Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));
    results.push({ cache: i === 0 ? "cold" : "warm", editor_ms: editor, loaded_ms: loaded, select_ms: selectMs, interactive_ms: interactive, dom_content_loaded_ms: nav, nodes_in_dom: rendered, main_thread_ms: busy, requests });
    process.stderr.write(`load ${i + 1}: all ${total} blocks in ${loaded} ms, interactive in ${interactive} ms\n`);
  }
  process.stdout.write(JSON.stringify({ browser: browser.version(), loads: results }) + "\n");
  await browser.close();
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(1);
});
