import { describe, expect, it } from "vitest";
import type { ScoreHistory } from "../api/types";
import { scoreChart } from "./scoreChart";

const point = (at: string, churn: number, alive: number, tier = "high") => ({
  at, as_of: at.slice(0, 10), fit_id: 1, churn_score: churn, p_alive: alive, clv: "10.00", tier,
});
const history = (points: ScoreHistory["points"]): ScoreHistory => ({
  customer_id: "ada", thresholds: { churn_score: 0.7, p_alive: 0.3 }, points,
});

describe("scoreChart", () => {
  it("places points by time and score, with step lines held until now", () => {
    const chart = scoreChart(history([
      point("2026-03-01T12:00:00Z", 0.2, 0.8),
      point("2026-03-05T12:00:00Z", 0.6, 0.4, "low"),
    ]), 100, 50, new Date("2026-03-11T12:00:00Z"));

    expect(chart.points).toEqual([
      { at: "2026-03-01T12:00:00Z", x: 0, churnY: 40, aliveY: 10, churn: 0.2, alive: 0.8, tier: "high" },
      { at: "2026-03-05T12:00:00Z", x: 40, churnY: 20, aliveY: 30, churn: 0.6, alive: 0.4, tier: "low" },
    ]);
    expect(chart.churnPath).toBe("M0 40 H40 V20 H100");
    expect(chart.alivePath).toBe("M0 10 H40 V30 H100");
    expect([chart.churnThresholdY, chart.aliveThresholdY]).toEqual([15, 35]);
    expect([chart.start, chart.end]).toEqual(["2026-03-01T12:00:00.000Z", "2026-03-11T12:00:00.000Z"]);
  });

  it("puts a single point of now in the middle", () => {
    const chart = scoreChart(history([point("2026-03-01T12:00:00Z", 0.5, 1)]), 100, 50,
      new Date("2026-03-01T12:00:00Z"));

    expect(chart.points.map((p) => [p.x, p.churnY, p.aliveY])).toEqual([[50, 25, 0]]);
    expect(chart.churnPath).toBe("M50 25");
  });

  it("keeps scores outside 0..1 on the plot and has no lines without points", () => {
    const chart = scoreChart(history([point("2026-03-01T12:00:00Z", 1.2, -0.1)]), 100, 50,
      new Date("2026-03-02T12:00:00Z"));
    expect([chart.points[0].churnY, chart.points[0].aliveY]).toEqual([0, 50]);

    const empty = scoreChart(history([]), 100, 50, new Date("2026-03-02T12:00:00Z"));
    expect([empty.points, empty.churnPath, empty.alivePath]).toEqual([[], "", ""]);
  });
});
