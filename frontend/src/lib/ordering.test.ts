import { describe, expect, it } from "vitest";
import { ariaSort, nextOrdering, sortState } from "./ordering";

describe("ordering", () => {
  it.each([
    ["", "churn_score", "-churn_score"],
    ["-churn_score", "churn_score", "churn_score"],
    ["churn_score", "churn_score", "-churn_score"],
    ["-clv", "churn_score", "-churn_score"],
  ])("from %j a click on %s orders by %s", (current, field, expected) => {
    expect(nextOrdering(current, field)).toBe(expected);
  });

  it("reads the state for aria-sort", () => {
    expect(sortState("-clv")).toEqual({ field: "clv", descending: true });
    expect(sortState("")).toBeNull();
    expect([ariaSort("-clv", "clv"), ariaSort("clv", "clv"), ariaSort("clv", "p_alive")])
      .toEqual(["descending", "ascending", "none"]);
  });
});
