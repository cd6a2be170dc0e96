// The 360 timeline: items grouped by calendar day in the viewer's (or the customer's)
// time zone, newest day first, newest item first within a day.
import type { TimelineItem } from "../api/types";
import { uiLocale } from "./format";

export type TimelineDay = { day: string; items: TimelineItem[] };

/** YYYY-MM-DD of an instant in a time zone. */
export function dayKey(iso: string, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    year: "numeric", month: "2-digit", day: "2-digit", timeZone,
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

export function groupByDay(items: TimelineItem[], timeZone?: string): TimelineDay[] {
  const sorted = [...items].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const days: TimelineDay[] = [];
  for (const item of sorted) {
    const day = dayKey(item.at, timeZone);
    const last = days[days.length - 1];
    if (last && last.day === day) last.items.push(item);
    else days.push({ day, items: [item] });
  }
  return days;
}

/** "Today", "Yesterday" (in the locale's words, from Intl) or the date, for a day heading. */
export function dayLabel(day: string, now: Date = new Date(), timeZone?: string, locale = uiLocale()): string {
  const today = dayKey(now.toISOString(), timeZone);
  const yesterday = dayKey(new Date(now.getTime() - 86_400_000).toISOString(), timeZone);
  if (day === today || day === yesterday) {
    const word = new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(day === today ? 0 : -1, "day");
    return word.charAt(0).toLocaleUpperCase(locale) + word.slice(1);
  }
  return new Intl.DateTimeFormat(locale, {
    weekday: "short", year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
  }).format(new Date(`${day}T00:00:00Z`));
}
