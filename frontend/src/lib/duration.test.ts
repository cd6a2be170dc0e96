import { describe, expect, it } from "vitest";
import { durationJoin, durationSplit } from "./duration";

describe("durations as a number and a unit", () => {
  it.each([
    ["2d", 2, "d"], ["30m", 30, "m"], ["1w", 1, "w"], ["14d", 2, "w"], ["1d12h", 36, "h"], ["90m", 90, "m"],
  ])("%s reads as %d %s", (text, amount, unit) => {
    expect(durationSplit(text)).toEqual({ amount, unit });
  });

  it("leaves empty or unreadable text empty, keeping the unit", () => {
    expect(durationSplit(undefined, "h")).toEqual({ amount: null, unit: "h" });
    expect(durationSplit("2 days")).toEqual({ amount: null, unit: "d" });
  });

  it("writes the stored form", () => {
    expect(durationJoin(2, "d")).toBe("2d");
    expect(durationJoin(null, "d")).toBeUndefined();
    expect(durationJoin(2.6, "h")).toBe("3h");
  });
});
