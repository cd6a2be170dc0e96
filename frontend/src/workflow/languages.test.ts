// The canvas's words that are built in code (condition summaries, a dry run's verdict, the
// forms' own checks, counted words) read in German and Russian when chosen.
import { afterEach, expect, it } from "vitest";
import { i18n, t } from "../i18n";
import { TranslatableString } from "@rjsf/utils";
import { jsonObject } from "./dryrun";
import { formString } from "./formStrings";
import { verdictWords } from "./outcomes";
import { conditionWords } from "./summary";
import { parseCaseDraft } from "./testcases";

afterEach(async () => {
  await i18n.changeLanguage("en");
});

const iso = (text: string) => text;

it.each([
  ["en", "plan is one of pro, team", "Would not send: on the do-not-contact list", "Give the case a name.", "Event properties must be JSON", "Copied 5 blocks."],
  ["de", "plan ist einer von pro, team", "Würde nicht senden: auf der Sperrliste", "Geben Sie dem Testfall einen Namen.", "Die Eigenschaften des Ereignisses müssen JSON sein", "5 Blöcke kopiert."],
  ["ru", "plan из списка pro, team", "Не будет отправлено: в стоп-листе", "Дайте тест-кейсу название.", "Свойства события: нужен JSON", "Скопировано 5 блоков."],
])("in %s, the words built in code are in that language", async (language, condition, verdict, noName, notJson, copied) => {
  await i18n.changeLanguage(language);
  expect(conditionWords({ field: "customer.attributes.plan", op: "in", value: ["pro", "team"] })).toBe(condition);
  expect(verdictWords({ channel: "sms", action: "suppress", reason: "suppression_list", until: null }, iso).sentence).toBe(verdict);
  let fields: Record<string, string[]> = {};
  try {
    parseCaseDraft({ name: " ", given: "{}", expect: "{}" });
  } catch (e) {
    fields = (e as { fields: Record<string, string[]> }).fields;
  }
  expect(fields.name).toEqual([noName]);
  expect(() => jsonObject("{", t("canvas.runs.eventProperties"))).toThrow(notJson);
  expect(t("canvas.status.copied", { count: 5 })).toBe(copied);
});

it("gives the settings form's own words in the chosen language, English for developer messages", async () => {
  expect(formString(TranslatableString.AddItemButton)).toBe("Add Item");
  await i18n.changeLanguage("de");
  expect(formString(TranslatableString.AddItemButton)).toBe("Eintrag hinzufügen");
  expect(formString(TranslatableString.TitleOptionPrefix, ["Zweig", "2"])).toBe("Zweig: Option 2");
  expect(formString(TranslatableString.UnsupportedFieldWithId, ["x"])).toBe("Unsupported field schema for field `x`.");
});
