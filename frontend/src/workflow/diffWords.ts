// How a version diff's values read: a condition in words ("score ≤ 6"), a duration in
// words ("3 days"), a text in quotes, never raw JSON. Pure: tested in diffWords.test.ts.
import { t } from "../i18n";
import { conditionWords, durationWords } from "./summary";

const MAX_TEXT = 120;
const DURATION = /^(\d+[wdhm])+$/;

function isCondition(value: Record<string, unknown>): boolean {
  return ["all", "any", "not", "field"].some((key) => key in value);
}

export function diffValueWords(value: unknown): string {
  if (value === null || value === undefined || value === "") return t("diff.empty");
  if (typeof value === "boolean") return value ? t("diff.yes") : t("diff.no");
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    if (DURATION.test(value)) return durationWords(value);
    const text = (/^[a-z]+(_[a-z]+)+$/.test(value) ? value.replace(/_/g, " ") : value).replace(/\s+/g, " ").trim();
    return t("canvas.quoted", { text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text });
  }
  if (Array.isArray(value)) return value.length ? value.map(diffValueWords).join(", ") : t("diff.none");
  if (typeof value === "object") {
    const object = value as Record<string, unknown>;
    if (isCondition(object)) return conditionWords(object) || t("diff.noRules");
    const entries = Object.entries(object);
    if (!entries.length) return t("diff.none");
    return entries.map(([key, item]) => `${key.replace(/_/g, " ")}: ${diffValueWords(item)}`).join("; ");
  }
  return String(value);
}

// The settings panel's words for a setting's choices (the stored "once_per_period" reads
// "once per N days", as the panel shows it).
const SETTING_CHOICES: Record<string, Record<string, string>> = {
  "re_entry.policy": { once: "canvas.settings.once", once_per_period: "canvas.settings.oncePerPeriod", always: "canvas.settings.always" },
};

/** A setting's value in a diff: a choice by the panel's word for it, else as any value. */
export function settingValueWords(key: string, value: unknown): string {
  const choice = typeof value === "string" ? SETTING_CHOICES[key]?.[value] : undefined;
  return choice ? t("canvas.quoted", { text: t(choice) }) : diffValueWords(value);
}
