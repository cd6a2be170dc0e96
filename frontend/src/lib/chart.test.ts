import { describe, expect, it } from "vitest";
import { bars, niceMax, rateBars, stackedBars } from "./chart";

describe("niceMax", () => {
  it.each([
    [0, 1], [1, 1], [3, 5], [7, 10], [12, 20], [48, 50], [51, 100], [250, 500],
  ])("%i rounds up to %i", (value, expected) => {
    expect(niceMax(value)).toBe(expected);
  });
});

describe("bars", () => {
  it("scales counts to the nice maximum and places bars side by side", () => {
    const result = bars([{ date: "2026-03-01", count: 5 }, { date: "2026-03-02", count: 0 }], 100, 50, 2);
    expect(result.max).toBe(5);
    expect(result.bars).toEqual([
      { date: "2026-03-01", count: 5, x: 1, y: 0, width: 48, height: 50 },
      { date: "2026-03-02", count: 0, x: 51, y: 50, width: 48, height: 0 },
    ]);
  });
});

describe("stackedBars", () => {
  it("stacks each column's parts from the bottom and skips zeros", () => {
    const result = stackedBars([
      { label: "w1", values: [{ key: "a", value: 2 }, { key: "b", value: 0 }, { key: "c", value: 3 }] },
      { label: "w2", values: [{ key: "a", value: 0 }] },
    ], 100, 50, 2);
    expect(result.max).toBe(5);
    expect(result.stacks).toEqual([
      { label: "w1", total: 5, x: 1, width: 48, parts: [
        { key: "a", value: 2, y: 30, height: 20 },
        { key: "c", value: 3, y: 0, height: 30 },
      ] },
      { label: "w2", total: 0, x: 51, width: 48, parts: [] },
    ]);
  });

  it("has an axis of 1 when there is nothing to show", () => {
    expect(stackedBars([], 100, 50).max).toBe(1);
  });
});

describe("rateBars", () => {
  it("puts rates and their intervals on a round percent axis", () => {
    const result = rateBars([
      { label: "Treated", rate: 0.16, low: 0.14, high: 0.18 },
      { label: "Control", rate: 0.1, low: 0.08, high: 0.125 },
    ], 200, 100, 20);
    // the highest upper end is 18 %: the axis reaches 20 %
    expect(result.maxPercent).toBe(20);
    const round = (n: number) => Math.round(n * 1e6) / 1e6;
    expect(result.bars.map((b) => [b.x, b.width, b.y, b.height, b.whiskerTop, b.whiskerBottom].map(round))).toEqual([
      [10, 80, 20, 80, 10, 30],
      [110, 80, 50, 50, 37.5, 60],
    ]);
  });

  it("keeps an empty chart finite", () => {
    const result = rateBars([{ label: "Treated", rate: 0, low: 0, high: 0 }], 100, 50);
    expect(result.maxPercent).toBe(1);
    expect(result.bars[0].height).toBe(0);
  });
});
