// The dashboard's retention chart and cohort table: geometry and shading, pure, so they
// are tested without a browser.
import type { RetentionDashboard } from "../api/types";

type Month = RetentionDashboard["series"][number];

export type RetentionPoint = {
  from: string;
  to: string;
  x: number;
  retention: number | null;
  churn: number | null;
  retentionY: number | null;
  churnY: number | null;
  /** The current month, cut at yesterday. */
  partial: boolean;
};

export type RetentionChart = { points: RetentionPoint[]; retentionPath: string; churnPath: string };

const round = (value: number) => Math.round(value * 100) / 100;

/** A month that does not end on the first of the next: the current one, so far. */
export function isPartial(month: Pick<Month, "to">): boolean {
  return !month.to.endsWith("-01");
}

/** Whether any month has a rate: without customers at a month's start there is none. */
export function hasHistory(report: Pick<RetentionDashboard, "series">): boolean {
  return report.series.some((month) => month.retention !== null);
}

/** Retention and churn (0..1) per month as lines on a 0–100 % axis of `width` ×
 * `height`, y growing downwards, one point in the middle of each month's slot; a month
 * without a rate breaks the lines. */
export function retentionChart(series: Month[], width: number, height: number): RetentionChart {
  const slot = series.length ? width / series.length : 0;
  const yOf = (share: number | null) => (share === null ? null : round((1 - Math.min(1, Math.max(0, share))) * height));
  const points = series.map((month, index) => ({
    from: month.from,
    to: month.to,
    x: round(index * slot + slot / 2),
    retention: month.retention,
    churn: month.churn,
    retentionY: yOf(month.retention),
    churnY: yOf(month.churn),
    partial: isPartial(month),
  }));
  const path = (key: "retentionY" | "churnY") => {
    const parts: string[] = [];
    let drawing = false;
    for (const point of points) {
      const y = point[key];
      if (y === null) {
        drawing = false;
        continue;
      }
      parts.push(`${drawing ? "L" : "M"}${point.x} ${y}`);
      drawing = true;
    }
    return parts.join(" ");
  };
  return { points, retentionPath: path("retentionY"), churnPath: path("churnY") };
}

/** The background of a cohort cell: a light sky blue that deepens with the share kept
 * (lightness 97 % at none to 70 % at all), light enough for dark text throughout. */
export function cohortShade(share: number): string {
  const clamped = Math.min(1, Math.max(0, share));
  return `hsl(199 80% ${Math.round(97 - clamped * 27)}%)`;
}
