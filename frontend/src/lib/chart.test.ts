import { describe, expect, it } from "vitest";
import { bars, niceMax } from "./chart";

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
