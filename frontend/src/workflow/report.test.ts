import { describe, expect, it } from "vitest";
import type { ReportComparison } from "../api/types";
import { pp, pValueText, roundUp, verdictText } from "./report";

const group = (customers: number, converted: number | null) => ({
  customers, converted, rate: converted === null || !customers ? null : converted / customers,
  rate_ci: null, value: null, value_per_customer: null,
});

function comparison(kind: ReportComparison["verdict"]["kind"], extra: Partial<ReportComparison> = {}): ReportComparison {
  return {
    groups: { treatment: group(900, 180), control: { ...group(100, 15), held_out_at_entry: 100, split_holdout: 0 } },
    lift: {
      absolute: 0.05, absolute_ci: { low: -0.0365, high: 0.1132 }, relative: 0.333, p_value: 0.231, test: "z_test",
      needed_customers: 5193, more_customers: 4193,
    },
    value: null,
    verdict: { kind, text: "" },
    ...extra,
  };
}

describe("the report's verdict in words", () => {
  it("says how many more customers it needs, rounded up", () => {
    expect(verdictText(comparison("not_enough_data"))).toBe("Not enough data yet (need about 4,200 more customers for this effect).");
  });

  it("states a lift with its range", () => {
    const report = comparison("lift", { lift: { ...comparison("lift").lift!, absolute: 0.2, absolute_ci: { low: 0.0524, high: 0.3339 } } });
    expect(verdictText(report)).toBe("Lifts conversions by 20.0 pp (95 % range 5.2 to 33.4 pp).");
  });

  it("states a drop as a drop", () => {
    const report = comparison("drop", { lift: { ...comparison("drop").lift!, absolute: -0.031, absolute_ci: { low: -0.05, high: -0.012 } } });
    expect(verdictText(report)).toBe("Lowers conversions by 3.1 pp (95 % range -5.0 to -1.2 pp).");
  });

  it("asks for a control group when there is none", () => {
    expect(verdictText(comparison("no_control", { lift: null }))).toBe("No control group: set one in settings to measure the effect.");
  });

  it("says so when nothing converted yet", () => {
    const report = comparison("not_enough_data", {
      groups: { treatment: group(10, 0), control: { ...group(3, 0), held_out_at_entry: 3, split_holdout: 0 } },
      lift: { ...comparison("x" as never).lift!, more_customers: null, needed_customers: null },
    });
    expect(verdictText(report)).toBe("Not enough data yet: no conversions so far.");
  });
});

describe("numbers", () => {
  it.each([[0.0523, "5.2"], [-0.0004, "0.0"], [null, "–"], [Number.NaN, "–"]])("%s as pp is %s", (share, text) => {
    expect(pp(share)).toBe(text);
  });
  it.each([[37, 37], [4193, 4200], [5193, 5200], [12001, 13000]])("%i rounds up to %i", (n, expected) => {
    expect(roundUp(n)).toBe(expected);
  });
  it("writes tiny p-values plainly", () => {
    expect(pValueText(1.2e-7)).toBe("< 0.001");
    expect(pValueText(0.0312)).toBe("0.031");
  });
});
