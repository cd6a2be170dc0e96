import { describe, expect, it } from "vitest";
import { diffValueWords } from "./diffWords";

describe("diffValueWords", () => {
  it("says a condition in words, not JSON", () => {
    expect(diffValueWords({ all: [{ field: "event.properties.score", op: "lte", value: 6 }] })).toBe("score ≤ 6");
    expect(diffValueWords({ all: [] })).toBe("no rules");
  });

  it("says durations, texts, empties and flags plainly", () => {
    expect(diffValueWords("3d")).toBe("3 days");
    expect(diffValueWords("Sorry,\n  Lea")).toBe("“Sorry, Lea”");
    expect(diffValueWords(null)).toBe("(empty)");
    expect(diffValueWords("")).toBe("(empty)");
    expect(diffValueWords(true)).toBe("yes");
    expect(diffValueWords(12)).toBe("12");
    expect(diffValueWords("once_per_period")).toBe("“once per period”");
  });

  it("clips long texts and lists mappings as key: value", () => {
    expect(diffValueWords("x".repeat(300))).toHaveLength(122);
    expect(diffValueWords({ plan: "pro", seats: 3 })).toBe("plan: “pro”; seats: 3");
    expect(diffValueWords(["vip", "high"])).toBe("“vip”, “high”");
  });
});
