import { describe, expect, it } from "vitest";
import { cohortShade, hasHistory, isPartial, retentionChart } from "./retention";

const month = (from: string, to: string, retention: number | null) => ({
  from, to, start: 10, end: 10, new: 0, retention, churn: retention === null ? null : 1 - retention,
});

describe("retentionChart", () => {
  it("puts each month in the middle of its slot on a 0–100 % axis", () => {
    const chart = retentionChart([month("2026-01-01", "2026-02-01", 0.75), month("2026-02-01", "2026-03-01", 1)], 200, 100);
    expect(chart.points.map((p) => [p.x, p.retentionY, p.churnY])).toEqual([[50, 25, 75], [150, 0, 100]]);
    expect(chart.retentionPath).toBe("M50 25 L150 0");
    expect(chart.churnPath).toBe("M50 75 L150 100");
  });

  it("breaks the lines at a month without a rate", () => {
    const chart = retentionChart([
      month("2026-01-01", "2026-02-01", 0.5), month("2026-02-01", "2026-03-01", null),
      month("2026-03-01", "2026-04-01", 0.5), month("2026-04-01", "2026-04-15", 0.9),
    ], 400, 100);
    expect(chart.retentionPath).toBe("M50 50 M250 50 L350 10");
    expect(chart.points[1].retentionY).toBeNull();
    expect(chart.points.map((p) => p.partial)).toEqual([false, false, false, true]);
  });

  it("draws nothing without months", () => {
    expect(retentionChart([], 100, 100)).toEqual({ points: [], retentionPath: "", churnPath: "" });
  });
});

describe("the helpers", () => {
  it("tells the current month so far", () => {
    expect(isPartial({ to: "2026-12-06" })).toBe(true);
    expect(isPartial({ to: "2027-01-01" })).toBe(false);
  });

  it("has history once a month has a rate", () => {
    expect(hasHistory({ series: [month("2026-01-01", "2026-02-01", null)] })).toBe(false);
    expect(hasHistory({ series: [month("2026-01-01", "2026-02-01", null), month("2026-02-01", "2026-03-01", 0)] })).toBe(true);
  });

  it("shades cohort cells deeper the more were kept, within bounds", () => {
    expect([cohortShade(0), cohortShade(0.5), cohortShade(1), cohortShade(2)]).toEqual([
      "hsl(199 80% 97%)", "hsl(199 80% 84%)", "hsl(199 80% 70%)", "hsl(199 80% 70%)"]);
  });
});
