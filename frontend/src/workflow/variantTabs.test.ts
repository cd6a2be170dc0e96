import { describe, expect, it } from "vitest";
import { i18n } from "../i18n";
import { LOCALE_PATTERN, normalizeLocale, smsCostWords, variantFields } from "./VariantTabs";

describe("language tabs", () => {
  it("writes locale tags as the server does", () => {
    expect(normalizeLocale("de_at")).toBe("de-AT");
    expect(normalizeLocale(" RU ")).toBe("ru");
    expect(["de", "ru", "de-AT", "es-419"].every((tag) => LOCALE_PATTERN.test(tag))).toBe(true);
    expect(["DE", "de_AT", "deutsch", ""].some((tag) => LOCALE_PATTERN.test(tag))).toBe(false);
  });

  it("reads a variant's fields from the schema, templates marked", () => {
    const schema = {
      type: "object",
      patternProperties: {
        [LOCALE_PATTERN.source]: {
          properties: { subject: { title: "Subject", maxLength: 200 }, body: { title: "Body" }, from_name: { title: "Sender name" } },
          required: ["subject", "body"],
        },
      },
    };
    expect(variantFields(schema)).toEqual([
      { name: "subject", label: "Subject", liquid: true, multiline: false, required: true, maxLength: 200 },
      { name: "body", label: "Body", liquid: true, multiline: true, required: true, maxLength: undefined },
      { name: "from_name", label: "Sender name", liquid: false, multiline: false, required: false, maxLength: undefined },
    ]);
  });

  it("says what an SMS variant costs against the default", async () => {
    await i18n.changeLanguage("en");
    expect(smsCostWords(2, 1)).toBe("2 SMS segments · 1 segment more than the default: about 100 % more per message");
    expect(smsCostWords(1, 1)).toBe("1 SMS segment · costs the same as the default");
    expect(smsCostWords(1, null)).toBe("1 SMS segment");
    await i18n.changeLanguage("ru");
    expect(smsCostWords(3, 1)).toBe("3 SMS-сегмента · на 2 сегмента больше, чем текст по умолчанию: каждое сообщение примерно на 200 % дороже");
    await i18n.changeLanguage("de");
    expect(smsCostWords(1, 2)).toBe("1 SMS-Segment · 1 Segment weniger als der Standardtext: etwa 50 % geringere Kosten pro Nachricht");
    await i18n.changeLanguage("en");
  });
});
