import { describe, expect, it } from "vitest";
import { diffValueWords, settingValueWords } from "./diffWords";
import { portLabel } from "./ports";

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

describe("settingValueWords", () => {
  it("says a setting's choice by the settings panel's word for it", () => {
    expect(settingValueWords("re_entry.policy", "once_per_period")).toBe("“once per N days”");
    expect(settingValueWords("re_entry.policy", "always")).toBe("“every time the trigger fires”");
    expect(settingValueWords("max_active_runs_per_customer", 2)).toBe("2");
  });
});

describe("portLabel", () => {
  it("reads a block's fixed outputs as words, and a branch's own name as written", () => {
    expect(portLabel("timeout")).toBe("timed out");
    expect(portLabel("yes")).toBe("yes");
    expect(portLabel("vip_customers")).toBe("vip customers");
  });
});
