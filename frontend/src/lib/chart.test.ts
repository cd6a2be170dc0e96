import { describe, expect, it } from "vitest";
import { bars, niceMax, stackedBars } from "./chart";

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
