// Response targets (SLA) of agent tasks in words: the inbox badge, the target time as a
// person reads it, a queue's target as number + unit, weekday names and time zones from
// Intl. Pure (locale, time zone and now are arguments), so it is tested without a browser.
import type { Schemas } from "../api/types";
import { t } from "../i18n";
import { relativeTime, uiLocale } from "./format";

export type SlaState = Schemas["SlaEnum"];
export type TargetUnit = "minutes" | "hours";

/** What the inbox shows for a task's standing: a badge (its words and colour) and when
 * the target is or was; null for cancelled tasks and queues without a target. */
export type SlaBadge = { state: SlaState; label: string; tone: "" | "warn" | "danger" | "ok"; when: string; title: string };

const TONES: Record<SlaState, SlaBadge["tone"]> = { on_track: "", at_risk: "warn", overdue: "danger", met: "ok", missed: "danger" };

/** The target moment in short local words: "14:00" today, "Mon 09:00" within a week,
 * else the date and time. */
export function targetTime(iso: string, now: Date, locale = uiLocale(), timeZone?: string): string {
  const moment = new Date(iso);
  const day = (d: Date) => new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone }).format(d);
  const days = Math.abs(Date.parse(day(moment)) - Date.parse(day(now))) / 86_400_000;
  const options: Intl.DateTimeFormatOptions = days === 0
    ? { hour: "2-digit", minute: "2-digit" }
    : days < 7
      ? { weekday: "short", hour: "2-digit", minute: "2-digit" }
      : { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(moment);
}

export function slaBadge(
  task: { sla: SlaState | null | "" ; respond_by: string | null },
  now: Date = new Date(),
  locale = uiLocale(),
  timeZone?: string,
): SlaBadge | null {
  if (!task.sla || !task.respond_by) return null;
  const lng = locale.toLowerCase().split("-")[0];
  const time = targetTime(task.respond_by, now, locale, timeZone);
  const relative = relativeTime(task.respond_by, now, locale, timeZone);
  const open = task.sla === "on_track" || task.sla === "at_risk" || task.sla === "overdue";
  const when = open
    ? t(task.sla === "overdue" ? "sla.wasDue" : "sla.respondBy", { lng, time, relative })
    : t("sla.target", { lng, time });
  return {
    state: task.sla,
    label: t(`sla.state.${task.sla}`, { lng }),
    tone: TONES[task.sla],
    when,
    title: new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short", timeZone }).format(new Date(task.respond_by)),
  };
}

/** A target in minutes as the form shows it: whole hours in hours, else minutes. */
export function targetParts(minutes: number | null | undefined): { value: string; unit: TargetUnit } {
  if (!minutes) return { value: "", unit: "hours" };
  return minutes % 60 === 0 ? { value: String(minutes / 60), unit: "hours" } : { value: String(minutes), unit: "minutes" };
}

/** The form's number + unit as minutes for the API: empty is no target (null); what is
 * not a number goes to the server as is, which names the field in its answer. */
export function targetMinutes(value: string, unit: TargetUnit): number | null | string {
  const text = value.trim().replace(",", ".");
  if (text === "") return null;
  const number = Number(text);
  if (!Number.isFinite(number)) return value;
  return Math.round(unit === "hours" ? number * 60 : number);
}

/** The names of the days 0 = Monday … 6 = Sunday in a language (from Intl). */
export function weekdayNames(locale = uiLocale(), width: "long" | "short" = "long"): string[] {
  const format = new Intl.DateTimeFormat(locale, { weekday: width, timeZone: "UTC" });
  return Array.from({ length: 7 }, (_, day) => format.format(new Date(Date.UTC(2024, 0, 1 + day)))); // 2024-01-01: a Monday
}

/** The IANA time zones to choose from: the browser's list with UTC first, and the
 * current value kept even where the browser does not list it. */
export function timeZones(current?: string, supported: () => string[] = browserZones): string[] {
  const zones = supported().filter((zone) => zone !== "UTC");
  if (current && current !== "UTC" && !zones.includes(current)) zones.push(current);
  return ["UTC", ...zones.sort()];
}

function browserZones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
}

/** The working days in words: "Monday–Friday" for a run of days, else a list. */
export function weekdaysText(days: number[], locale = uiLocale()): string {
  const names = weekdayNames(locale, "short");
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 7) return t("sla.everyDay", { lng: locale.toLowerCase().split("-")[0] });
  const run = sorted.length > 2 && sorted.every((day, index) => index === 0 || day === sorted[index - 1] + 1);
  if (run) return `${names[sorted[0]]}–${names[sorted[sorted.length - 1]]}`;
  return new Intl.ListFormat(locale, { style: "short", type: "conjunction" }).format(sorted.map((day) => names[day]));
}

export type SlaWeek = Schemas["SlaWeek"];
export type QueueWeeks = { queue: string; weeks: SlaWeek[]; met: number; missed: number; share: number | null };

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The report's span: the last `weeks` whole weeks (Monday start, UTC, as the server
 * counts them) up to and including this one; `to` is exclusive. */
export function reportRange(now: Date, weeks = 12): { from: string; to: string } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
  return { from: isoDay(monday - (weeks - 1) * 7 * DAY), to: isoDay(monday + 7 * DAY) };
}

/** The report's rows per queue, every week of the span present (weeks without tasks as
 * zeros with no share), with the queue's share over the whole span. */
export function reportByQueue(rows: SlaWeek[], range: { from: string; to: string }): QueueWeeks[] {
  const mondays: string[] = [];
  for (let day = Date.parse(`${range.from}T00:00:00Z`); day < Date.parse(`${range.to}T00:00:00Z`); day += 7 * DAY) mondays.push(isoDay(day));
  const queues = [...new Set(rows.map((row) => row.queue))].sort();
  return queues.map((queue) => {
    const byWeek = new Map(rows.filter((row) => row.queue === queue).map((row) => [row.week, row]));
    const weeks = mondays.map((week) => byWeek.get(week) ?? { queue, week, met: 0, missed: 0, pending: 0, share_met: null });
    const met = weeks.reduce((sum, w) => sum + w.met, 0);
    const missed = weeks.reduce((sum, w) => sum + w.missed, 0);
    return { queue, weeks, met, missed, share: met + missed ? met / (met + missed) : null };
  });
}

/** A share as a whole percent in the UI language ("83 %" in German); "—" when none. */
export function formatShare(share: number | null, locale = uiLocale()): string {
  return share === null ? "—" : new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 }).format(share);
}
