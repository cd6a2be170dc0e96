// Screenshots of the signed-in app for docs/screenshots/, taken with the system's
// Chromium (playwright-core never downloads a browser).
//   BASE_URL=http://127.0.0.1:8000 CUSTOMER=demo-00130 npm run screenshots
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const base = process.env.BASE_URL ?? "http://127.0.0.1:8000";
const username = process.env.KEEPFLOW_USERNAME ?? "admin";
const password = process.env.KEEPFLOW_DEMO_PASSWORD ?? "keepflow-demo";
const customer = process.env.CUSTOMER ?? "demo-00130";
const out = resolve(dirname(fileURLToPath(import.meta.url)), "../../docs/screenshots");
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(`${base}/login/`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
  await page.locator(".chart svg").waitFor();
  await page.waitForFunction(() => !document.querySelector(".state-loading"));
  // The first steps appear once the workflows are read (until one is published).
  await page.locator(".first-steps").waitFor({ timeout: 5000 }).catch(() => undefined);
  await page.screenshot({ path: `${out}/dashboard.png`, fullPage: true });
  await page.goto(`${base}/customers/${encodeURIComponent(customer)}`);
  await page.locator(".timeline").waitFor();
  await page.waitForFunction(() => !document.querySelector(".state-loading"));
  await page.screenshot({ path: `${out}/customer.png`, fullPage: true });
  // The workflow list, and the editor on a starter workflow with the SMS block selected
  // (its form, the Liquid preview and the SMS size).
  await page.goto(`${base}/workflows`);
  await page.locator(".workflows-table").waitFor();
  await page.screenshot({ path: `${out}/workflows.png`, fullPage: true });
  await page.getByRole("link", { name: process.env.WORKFLOW ?? "Negative-feedback apology" }).click();
  await page.locator(".react-flow__node").first().waitFor();
  await page.waitForTimeout(500);
  const sms = page.locator('.react-flow__node[data-block-type="action.send_sms"], .react-flow__node:has([data-block-type="action.send_sms"])').first();
  if (await sms.count()) {
    await sms.locator(".block-head").click();
    await page.locator(".liquid-rendered").first().waitFor({ timeout: 10_000 }).catch(() => undefined);
  }
  await page.screenshot({ path: `${out}/editor.png` });
  // The SMS block's texts per language (its Languages tabs), then the same editor in German
  const variants = page.locator(".variant-tabs").first();
  if (await variants.count()) await variants.scrollIntoViewIfNeeded();
  const editorUrl = page.url();
  await page.evaluate(() => localStorage.setItem("keepflow.language", "de"));
  await page.goto(editorUrl);
  await page.locator(".react-flow__node").first().waitFor();
  await page.waitForTimeout(500);
  if (await sms.count()) await sms.locator(".block-head").click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${out}/editor-de.png` });
  // The dashboard in Russian
  await page.evaluate(() => localStorage.setItem("keepflow.language", "ru"));
  await page.goto(`${base}/`);
  await page.locator(".chart svg").first().waitFor();
  await page.waitForFunction(() => !document.querySelector(".state-loading"));
  await page.screenshot({ path: `${out}/dashboard-ru.png`, fullPage: true });
  await page.evaluate(() => localStorage.setItem("keepflow.language", "en"));
  console.log(`saved ${out}/dashboard.png, customer.png, workflows.png, editor.png, editor-de.png and dashboard-ru.png`);
} finally {
  await browser.close();
}
