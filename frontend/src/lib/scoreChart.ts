// Geometry for the score-history chart: pure, so it is tested without a browser.
import type { ScoreHistory } from "../api/types";

type Point = ScoreHistory["points"][number];

export type PlottedPoint = {
  at: string;
  x: number;
  churnY: number;
  aliveY: number;
  churn: number;
  alive: number;
  tier: string;
};

export type ScoreChart = {
  points: PlottedPoint[];
  /** Step lines: a point is stored only when the scores moved, so each value holds until
   * the next point, and the last one until now. */
  churnPath: string;
  alivePath: string;
  churnThresholdY: number;
  aliveThresholdY: number;
  /** The x axis's ends: the first point and now (or the last point, if later). */
  start: string;
  end: string;
};

const round = (value: number) => Math.round(value * 100) / 100;

/** Scores (0..1) over time on a `width` × `height` plot, y growing downwards. */
export function scoreChart(history: ScoreHistory, width: number, height: number, now: Date = new Date()): ScoreChart {
  const times = history.points.map((p) => new Date(p.at).getTime());
  const first = times.length ? times[0] : now.getTime();
  const last = Math.max(now.getTime(), ...times);
  const span = last - first;
  // One point alone (or all at one time) sits in the middle.
  const xOf = (time: number) => round(span > 0 ? ((time - first) / span) * width : width / 2);
  const yOf = (score: number) => round((1 - Math.min(1, Math.max(0, score))) * height);
  const points = history.points.map((p: Point, index) => ({
    at: p.at, x: xOf(times[index]), churnY: yOf(p.churn_score), aliveY: yOf(p.p_alive),
    churn: p.churn_score, alive: p.p_alive, tier: p.tier,
  }));
  const step = (key: "churnY" | "aliveY") => {
    if (!points.length) return "";
    const parts = [`M${points[0].x} ${points[0][key]}`];
    for (const point of points.slice(1)) parts.push(`H${point.x}`, `V${point[key]}`);
    if (span > 0) parts.push(`H${width}`);
    return parts.join(" ");
  };
  return {
    points,
    churnPath: step("churnY"),
    alivePath: step("aliveY"),
    churnThresholdY: yOf(history.thresholds.churn_score),
    aliveThresholdY: yOf(history.thresholds.p_alive),
    start: new Date(first).toISOString(),
    end: new Date(last).toISOString(),
  };
}
