// Geometry for the small bar chart: pure, so it is tested without a browser.
import type { DayCount } from "../api/types";

/** A round upper bound for the axis: 1, 2, 5 × 10^n at or above the largest value. */
export function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return 10 * magnitude;
}

export type Bar = { date: string; count: number; x: number; y: number; width: number; height: number };

export function bars(points: DayCount[], width: number, height: number, gap = 2): { bars: Bar[]; max: number } {
  const max = niceMax(Math.max(0, ...points.map((p) => p.count)));
  const slot = points.length ? width / points.length : 0;
  return {
    max,
    bars: points.map((point, index) => {
      const barHeight = (point.count / max) * height;
      return {
        date: point.date,
        count: point.count,
        x: index * slot + gap / 2,
        y: height - barHeight,
        width: Math.max(1, slot - gap),
        height: barHeight,
      };
    }),
  };
}
