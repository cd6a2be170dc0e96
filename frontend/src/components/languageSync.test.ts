// On load the server's language wins over this browser's: the UI switches to it once.
import { afterEach, expect, it } from "vitest";
import { i18n } from "../i18n";
import { languageSync } from "./LanguagePicker";

afterEach(async () => {
  await i18n.changeLanguage("en");
});

it.each([
  ["no language from the server yet", undefined, false, "en"],
  ["a language the UI does not have", "fr", false, "en"],
  ["the language already shown", "en", false, "en"],
  ["another language", "de", true, "de"],
])("%s", (_case, server, switched, shown) => {
  expect(languageSync(server)).toBe(switched);
  expect(i18n.resolvedLanguage).toBe(shown);
});
