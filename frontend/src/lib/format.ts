// Pure formatting helpers: numbers, money, dates and short descriptions of events.
// Every function takes the locale and time zone it formats for, so tests pin them.

const DEFAULT_LOCALE = "en-US";

export function formatNumber(value: number, locale = DEFAULT_LOCALE): string {
  return new Intl.NumberFormat(locale).format(value);
}

export function formatMoney(value: number | string | null | undefined, currency = "EUR", locale = DEFAULT_LOCALE): string {
  if (value === null || value === undefined || value === "") return "—";
  const amount = typeof value === "string" ? Number(value) : value;
  if (!Number.isFinite(amount)) return "—";
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(amount);
}

export function formatDate(iso: string | null | undefined, locale = DEFAULT_LOCALE, timeZone?: string): string {
  if (!iso) return "—";
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    year: "numeric", month: "short", day: "numeric",
    timeZone: iso.length === 10 ? "UTC" : timeZone,
  }).format(date);
}

export function formatDateTime(iso: string | null | undefined, locale = DEFAULT_LOCALE, timeZone?: string): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone,
  }).format(date);
}

export function formatTime(iso: string, locale = DEFAULT_LOCALE, timeZone?: string): string {
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
export function relativeTime(iso: string | null | undefined, now: Date = new Date(), locale = DEFAULT_LOCALE, timeZone?: string): string {
  if (!iso) return "never";
  const then = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  const seconds = (then.getTime() - now.getTime()) / 1000;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) < size) continue;
    if (unit === "day") return format.format(calendarDay(then, timeZone) - calendarDay(now, timeZone), "day");
    return format.format(Math.trunc(seconds / size), unit);
  }
  return "just now";
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
export function describeEvent(type: string, properties: Record<string, unknown>, locale = DEFAULT_LOCALE): string {
  const p = properties;
  switch (type) {
    case "purchase": {
      const items = typeof p.items === "number" ? `${p.items} item${p.items === 1 ? "" : "s"}` : "";
      const amount = typeof p.amount === "number" ? formatMoney(p.amount, String(p.currency ?? "USD"), locale) : "";
      return [items, amount].filter(Boolean).join(" · ");
    }
    case "feedback.submitted": {
      if (typeof p.score !== "number") return String(p.comment ?? "");
      const head = `Score ${p.score} (${npsGroup(p.score)})`;
      return p.comment ? `${head}: “${p.comment}”` : head;
    }
    case "support.ticket_opened":
      return [p.subject, p.priority ? `${p.priority} priority` : ""].filter(Boolean).join(" · ");
    case "session.started":
      return p.platform ? `on ${p.platform}` : "";
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
