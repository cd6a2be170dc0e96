// Formatting helpers: numbers, money, dates and short descriptions of events. Each takes
// the locale and time zone it formats for (tests pin them); the locale defaults to the UI
// language the person chose, so dates and amounts read the way they expect.
import { i18n, t } from "../i18n";

const LOCALES: Record<string, string> = { en: "en-US", de: "de-DE", ru: "ru-RU" };

/** The Intl locale of the current UI language (i18next's language, e.g. "de" -> "de-DE"). */
export function uiLocale(): string {
  const language = i18n.resolvedLanguage ?? i18n.language ?? "en";
  return LOCALES[language] ?? language;
}

/** The catalog language of an Intl locale ("de-DE" -> "de"), so words match the formatting. */
function languageOf(locale: string): string {
  return locale.toLowerCase().split("-")[0];
}

export function formatNumber(value: number, locale = uiLocale()): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** A fraction such as a score with a fixed number of decimals: 0.80, or 0,80 in German. */
export function formatDecimal(value: number, digits = 2, locale = uiLocale()): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** "in 5 days", "3 days ago" always in numbers (no "tomorrow"), e.g. for a contract's end. */
export function formatDays(days: number, locale = uiLocale()): string {
  return new Intl.RelativeTimeFormat(locale, { numeric: "always" }).format(days, "day");
}

export function formatMoney(value: number | string | null | undefined, currency = "EUR", locale = uiLocale()): string {
  if (value === null || value === undefined || value === "") return "—";
  const amount = typeof value === "string" ? Number(value) : value;
  if (!Number.isFinite(amount)) return "—";
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(amount);
}

export function formatDate(iso: string | null | undefined, locale = uiLocale(), timeZone?: string): string {
  if (!iso) return "—";
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    year: "numeric", month: "short", day: "numeric",
    timeZone: iso.length === 10 ? "UTC" : timeZone,
  }).format(date);
}

/** A calendar month from its first day ("2026-03-01"): "Mar 2026", "März 2026". */
export function formatMonth(iso: string, locale = uiLocale()): string {
  return new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", timeZone: "UTC" })
    .format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));
}

/** A share (0..1) as a whole percent: "75%", "75 %" in German; "—" without one. */
export function formatPercent(share: number | null | undefined, locale = uiLocale()): string {
  if (share === null || share === undefined) return "—";
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 }).format(share);
}

export function formatDateTime(iso: string | null | undefined, locale = uiLocale(), timeZone?: string): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone,
  }).format(date);
}

export function formatTime(iso: string, locale = uiLocale(), timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", timeZone }).format(new Date(iso));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** The day number of a moment's calendar date in a time zone (the viewer's by default). */
function calendarDay(moment: Date, timeZone?: string): number {
  const ymd = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).format(moment);
  return Date.parse(`${ymd}T00:00:00Z`) / 86_400_000;
}

/** "3 days ago", "in 2 weeks", "just now": the largest whole unit, rounded down. Within
 * a week, days count calendar days where the viewer is: Saturday afternoon to Monday
 * 09:00 is "in 2 days" (41 hours, not "tomorrow"). */
export function relativeTime(iso: string | null | undefined, now: Date = new Date(), locale = uiLocale(), timeZone?: string): string {
  if (!iso) return t("time.never", { lng: languageOf(locale) });
  const then = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  const seconds = (then.getTime() - now.getTime()) / 1000;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) < size) continue;
    if (unit === "day") return format.format(calendarDay(then, timeZone) - calendarDay(now, timeZone), "day");
    return format.format(Math.trunc(seconds / size), unit);
  }
  return t("time.justNow", { lng: languageOf(locale) });
}

/** Days from `now` to a calendar date (YYYY-MM-DD), negative when it has passed. */
export function daysUntil(day: string, now: Date = new Date()): number {
  const target = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((target - today) / 86_400_000);
}

export function customerName(customer: { first_name: string; last_name: string; external_id: string }): string {
  return `${customer.first_name} ${customer.last_name}`.trim() || customer.external_id;
}

export type NpsGroup = "detractor" | "passive" | "promoter";

export function npsGroup(score: number): NpsGroup {
  if (score <= 6) return "detractor";
  return score <= 8 ? "passive" : "promoter";
}

/** A one-line summary of an event's properties for lists and the timeline. */
export function describeEvent(type: string, properties: Record<string, unknown>, locale = uiLocale()): string {
  const p = properties;
  const lng = languageOf(locale);
  switch (type) {
    case "purchase": {
      const items = typeof p.items === "number" ? t("eventSummary.items", { lng, count: p.items, total: formatNumber(p.items, locale) }) : "";
      const amount = typeof p.amount === "number" ? formatMoney(p.amount, String(p.currency ?? "USD"), locale) : "";
      return [items, amount].filter(Boolean).join(" · ");
    }
    case "feedback.submitted": {
      if (typeof p.score !== "number") return String(p.comment ?? "");
      const head = t("eventSummary.score", { lng, score: p.score, group: t(`eventSummary.nps.${npsGroup(p.score)}`, { lng }) });
      return p.comment ? `${head}: “${p.comment}”` : head;
    }
    case "support.ticket_opened":
      return [p.subject, p.priority ? t("eventSummary.priority", { lng, priority: String(p.priority) }) : ""].filter(Boolean).join(" · ");
    case "session.started":
      return p.platform ? t("eventSummary.platform", { lng, platform: String(p.platform) }) : "";
    case "exit_survey.answered": {
      const reason = String(p.reason_label ?? p.reason_code ?? "");
      return p.free_text ? `${reason}: “${p.free_text}”` : reason;
    }
    default: {
      const pairs = Object.entries(p)
        .filter(([, value]) => value === null || typeof value !== "object")
        .slice(0, 3)
        .map(([key, value]) => `${key}: ${value}`);
      return pairs.join(" · ");
    }
  }
}
