import { describe, expect, it } from "vitest";
import { conditionRows, parseValue, showValue } from "./ConditionBuilder";

describe("condition rows", () => {
  it("show flat all/any conditions as rows", () => {
    expect(conditionRows({ any: [{ field: "customer.tier", op: "eq", value: "gold" }] })).toEqual({
      mode: "any",
      rules: [{ field: "customer.tier", op: "eq", value: "gold" }],
    });
    expect(conditionRows(undefined)).toEqual({ mode: "all", rules: [] });
    expect(conditionRows({})).toEqual({ mode: "all", rules: [] });
  });
  it("leave nested groups and not to the JSON editor", () => {
    expect(conditionRows({ not: { field: "a", op: "exists" } })).toBeNull();
    expect(conditionRows({ all: [{ any: [] }] })).toBeNull();
    expect(conditionRows("x")).toBeNull();
  });
  it("type what was typed", () => {
    expect(parseValue("6", "lte")).toBe(6);
    expect(parseValue("-1.5", "eq")).toBe(-1.5);
    expect(parseValue("true", "eq")).toBe(true);
    expect(parseValue("gold", "eq")).toBe("gold");
    expect(parseValue("30d", "within_last")).toBe("30d");
    expect(parseValue("gold, 3", "in")).toEqual(["gold", 3]);
    expect(parseValue("3, gold", "in")).toEqual([3, "gold"]);
    expect(parseValue("6.", "eq")).toBe("6.");
    expect(showValue(["gold", 3])).toBe("gold, 3");
    expect(showValue(undefined)).toBe("");
  });
});
