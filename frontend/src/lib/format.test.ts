import { describe, expect, it } from "vitest";
import { i18n } from "../i18n";
import { daysUntil, describeEvent, formatDays, formatDecimal, formatMoney, formatMonth, formatNumber, formatPercent, npsGroup, relativeTime } from "./format";

const NOW = new Date("2026-03-10T12:00:00Z");

describe("relativeTime", () => {
  it.each([
    ["just now", "2026-03-10T11:59:30Z", "just now"],
    ["minutes", "2026-03-10T11:55:00Z", "5 minutes ago"],
    ["yesterday", "2026-03-09T10:00:00Z", "yesterday"],
    ["weeks", "2026-02-20T12:00:00Z", "2 weeks ago"],
    ["future", "2026-03-13T12:00:00Z", "in 3 days"],
    ["never", null, "never"],
  ])("%s", (_case, iso, expected) => {
    expect(relativeTime(iso, NOW, "en-US", "UTC")).toBe(expected);
  });

  it("counts calendar days where the viewer is, not 24-hour blocks", () => {
    const saturday = new Date("2026-12-05T16:00:00Z"); // Saturday 17:00 in Berlin
    expect(relativeTime("2026-12-07T08:00:00Z", saturday, "en-US", "Europe/Berlin")).toBe("in 2 days"); // Monday 09:00, 40 h
    expect(relativeTime("2026-12-06T20:00:00Z", saturday, "en-US", "Europe/Berlin")).toBe("tomorrow"); // 28 h
    expect(relativeTime("2026-12-04T10:00:00Z", saturday, "en-US", "Europe/Berlin")).toBe("yesterday"); // 30 h ago
    expect(relativeTime("2026-12-03T22:30:00Z", saturday, "en-US", "Europe/Berlin")).toBe("2 days ago"); // Thursday 23:30, 41.5 h
  });
});

describe("daysUntil", () => {
  it.each([
    ["today", "2026-03-10", 0],
    ["next month", "2026-04-09", 30],
    ["passed", "2026-03-01", -9],
  ])("%s", (_case, day, expected) => {
    expect(daysUntil(day, NOW)).toBe(expected);
  });
});

describe("npsGroup", () => {
  it.each([
    [0, "detractor"], [6, "detractor"], [7, "passive"], [8, "passive"], [9, "promoter"], [10, "promoter"],
  ])("score %i is a %s", (score, group) => {
    expect(npsGroup(score)).toBe(group);
  });
});

describe("describeEvent", () => {
  it.each([
    ["purchase", "purchase", { items: 3, amount: 29.5, currency: "USD" }, "3 items · $29.50"],
    ["one item", "purchase", { items: 1, amount: 12, currency: "EUR" }, "1 item · €12.00"],
    ["feedback", "feedback.submitted", { score: 3, comment: "Late" }, "Score 3 (detractor): “Late”"],
    ["ticket", "support.ticket_opened", { subject: "Charged twice", priority: "high" }, "Charged twice · high priority"],
    ["unknown type", "plan.changed", { from: "basic", to: "plus", meta: { a: 1 } }, "from: basic · to: plus"],
    ["exit survey", "exit_survey.answered", { reason_code: "too_expensive", reason_label: "Too expensive", free_text: "Zu teuer" }, "Too expensive: “Zu teuer”"],
    ["exit survey, no text", "exit_survey.answered", { reason_code: "other", reason_label: "Other", free_text: "" }, "Other"],
  ])("%s", (_case, type, properties, expected) => {
    expect(describeEvent(type, properties, "en-US")).toBe(expected);
  });
});

describe("formatMoney", () => {
  it.each([
    ["decimal string", "1234.5", "$1,234.50"],
    ["missing", null, "—"],
    ["not a number", "abc", "—"],
  ])("%s", (_case, value, expected) => {
    expect(formatMoney(value, "USD", "en-US")).toBe(expected);
  });
});

describe("in the UI language", () => {
  it.each([
    ["German", "de-DE", "vor 5 Minuten", "3 Artikel · 29,50 $", "gerade eben"],
    ["Russian", "ru-RU", "5 минут назад", "3 товара · 29,50 $", "только что"],
  ])("%s words and numbers", (_case, locale, minutes, purchase, justNow) => {
    expect(relativeTime("2026-03-10T11:55:00Z", NOW, locale, "UTC")).toBe(minutes);
    expect(relativeTime("2026-03-10T11:59:30Z", NOW, locale, "UTC")).toBe(justNow);
    expect(describeEvent("purchase", { items: 3, amount: 29.5, currency: "USD" }, locale).replace(/\u00a0/g, " ")).toBe(purchase);
  });

  it("follows a change of language when no locale is given", async () => {
    await i18n.changeLanguage("de");
    try {
      expect(formatNumber(1234.5)).toBe("1.234,5");
      expect(formatDecimal(0.8)).toBe("0,80");
      expect(formatDays(3)).toBe("in 3 Tagen");
    } finally {
      await i18n.changeLanguage("en");
    }
    expect(formatNumber(1234.5)).toBe("1,234.5");
  });
});

describe("formatMonth and formatPercent", () => {
  it.each([
    ["en-US", "Mar 2026", "75%"],
    ["de-DE", "März 2026", "75 %"],
    ["ru-RU", "март 2026 г.", "75 %"],
  ])("%s", (locale, month, percent) => {
    expect(formatMonth("2026-03-01", locale)).toBe(month);
    expect(formatPercent(0.754, locale).replace(/\u00a0/g, " ")).toBe(percent);
  });

  it("shows a dash without a share", () => {
    expect(formatPercent(null)).toBe("—");
  });
});
