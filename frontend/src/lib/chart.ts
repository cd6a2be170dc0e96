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

export type StackPart = { key: string; value: number; y: number; height: number };
export type Stack = { label: string; total: number; x: number; width: number; parts: StackPart[] };
export type StackInput = { label: string; values: { key: string; value: number }[] };

/** Columns of stacked parts (e.g. exit reasons per week): the first part sits at the
 * bottom; zero parts are left out; the axis tops out at a nice maximum of the totals. */
export function stackedBars(columns: StackInput[], width: number, height: number, gap = 2): { stacks: Stack[]; max: number } {
  const totals = columns.map((column) => column.values.reduce((sum, v) => sum + v.value, 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = columns.length ? width / columns.length : 0;
  return {
    max,
    stacks: columns.map((column, index) => {
      let top = height;
      const parts = column.values.filter((v) => v.value > 0).map((v) => {
        const partHeight = (v.value / max) * height;
        top -= partHeight;
        return { key: v.key, value: v.value, y: top, height: partHeight };
      });
      return { label: column.label, total: totals[index], x: index * slot + gap / 2, width: Math.max(1, slot - gap), parts };
    }),
  };
}

export type RateBar = {
  label: string;
  rate: number; // 0..1
  low: number;
  high: number;
  x: number;
  width: number;
  y: number; // top of the bar
  height: number;
  whiskerTop: number; // y of the interval's upper end
  whiskerBottom: number; // y of its lower end
};

/** Conversion rates as bars with their 95 % interval as whiskers, on a percent axis that
 * reaches a round value at or above the highest upper end (at most 100 %). */
export function rateBars(
  groups: { label: string; rate: number; low: number; high: number }[],
  width: number,
  height: number,
  gap = 24,
): { bars: RateBar[]; maxPercent: number } {
  const maxPercent = Math.min(100, niceMax(Math.max(0, ...groups.map((g) => g.high * 100))));
  const y = (share: number) => height - (Math.min(share * 100, maxPercent) / maxPercent) * height;
  const slot = groups.length ? width / groups.length : 0;
  return {
    maxPercent,
    bars: groups.map((g, index) => ({
      ...g,
      x: index * slot + gap / 2,
      width: Math.max(1, slot - gap),
      y: y(g.rate),
      height: height - y(g.rate),
      whiskerTop: y(g.high),
      whiskerBottom: y(g.low),
    })),
  };
}

export type ShareBar = { label: string; share: number | null; x: number; width: number; y: number; height: number };

/** Shares (0..1) as bars on a 0–100 % axis, e.g. tasks done within target per week; a
 * column without a share (nothing decided yet) keeps its place with no bar. */
export function shareBars(columns: { label: string; share: number | null }[], width: number, height: number, gap = 6): ShareBar[] {
  const slot = columns.length ? width / columns.length : 0;
  return columns.map((column, index) => {
    const share = column.share === null ? null : Math.min(1, Math.max(0, column.share));
    const barHeight = share === null ? 0 : share * height;
    return { label: column.label, share, x: index * slot + gap / 2, width: Math.max(1, slot - gap), y: height - barHeight, height: barHeight };
  });
}
