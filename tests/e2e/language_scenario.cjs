// The UI language: a person picks Deutsch, then Русский, in the header; each choice is
// sent to the server, kept in this browser and reloads the page in that language (words,
// dates and numbers). Started by tests/e2e/test_language.py; prints one JSON line of facts.
//   BASE_URL, VIEWER, PASSWORD_<USER>, CUSTOMER, CHROMIUM, ARTIFACTS
"use strict";
const { base, scenario, shot, signIn } = require("./browser.cjs");

/** What the customer page shows once loaded in a language. */
async function customerPage(page, heading) {
  await page.getByRole("heading", { name: heading, level: 2, exact: true }).waitFor();
  return {
    nav: await page.getByRole("navigation").first().getByRole("link").allInnerTexts(),
    lang: await page.evaluate(() => document.documentElement.lang),
    stored: await page.evaluate(() => localStorage.getItem("keepflow.language")),
    facts: await page.locator("dl.facts").first().innerText(),
    picker: await page.locator("#ui-language").inputValue(),
  };
}

scenario(async (page, facts, step) => {
  const patches = [];
  page.on("request", (request) => {
    if (request.method() === "PATCH" && request.url().endsWith("/api/v1/me")) patches.push(request.postDataJSON());
  });

  step("sign in and open a customer");
  await signIn(page, process.env.VIEWER, `/customers/${process.env.CUSTOMER}`);
  facts.english = await customerPage(page, "Profile");
  facts.options = await page.locator("#ui-language option").allInnerTexts();

  step("pick Deutsch");
  await page.locator("#ui-language").selectOption("de");
  facts.german = await customerPage(page, "Profil");
  await shot(page, "customer-in-german");

  step("pick Русский");
  await page.locator("#ui-language").selectOption("ru");
  facts.russian = await customerPage(page, "Профиль");
  await shot(page, "customer-in-russian");

  step("open the dashboard in Russian");
  await page.getByRole("navigation").first().getByRole("link", { name: "Обзор" }).click();
  await page.getByRole("heading", { name: "Обзор", level: 1, exact: true }).waitFor();

  step("back to English");
  await page.locator("#ui-language").selectOption("en");
  await page.getByRole("heading", { name: "Dashboard", level: 1, exact: true }).waitFor();
  facts.patches = patches;
});
