// Dates and times on the canvas in the language the person chose ("6. Dez. 2026, 17:04"),
// not the formatters' default locale; the viewer's time zone as before.
import { i18n } from "../i18n";
import { formatDateTime as dateTimeIn, formatTime as timeIn } from "../lib/format";

export function formatDateTime(iso: string | null | undefined): string {
  return dateTimeIn(iso, i18n.language);
}

export function formatTime(iso: string): string {
  return timeIn(iso, i18n.language);
}
