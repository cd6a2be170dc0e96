import { describe, expect, it } from "vitest";
import { fieldFor, fieldGroups, valueWidget, type FieldInfo } from "./conditionFields";

const field = (path: string, group: string, type: FieldInfo["type"], choices: string[] = []): FieldInfo =>
  ({ path, label: path.split(".").pop() ?? path, group, event_type: group.startsWith("Event: ") ? group.slice(7) : null, type, choices, examples: [] });

const FIELDS = [
  field("customer.tier", "Customer", "choice", ["vip", "low"]),
  field("event.properties.score", "Event: feedback.submitted", "number"),
  field("event.properties.score", "Event: nps.answered", "number"),
  field("event.properties.score", "Event: feedback.submitted", "text"),
  field("customer.attributes.contract_end", "Customer details", "date"),
  field("event.properties.paid", "Event: order.completed", "boolean"),
];

describe("the condition builder's field picker", () => {
  it("groups fields in the server's order, a path once per group", () => {
    expect(fieldGroups(FIELDS).map((g) => [g.group, g.fields.length])).toEqual([
      ["Customer", 1], ["Event: feedback.submitted", 1], ["Event: nps.answered", 1], ["Customer details", 1], ["Event: order.completed", 1],
    ]);
    expect(fieldFor(FIELDS, "event.properties.score")?.type).toBe("number");
    expect(fieldFor(FIELDS, "customer.nope")).toBeUndefined();
  });

  it("edits a value as its type wants", () => {
    expect(valueWidget(FIELDS[0], "eq")).toBe("choice");
    expect(valueWidget(FIELDS[0], "in")).toBe("text"); // a list of several: typed, comma-separated
    expect(valueWidget(FIELDS[1], "lte")).toBe("number");
    expect(valueWidget(FIELDS[4], "before")).toBe("date");
    expect(valueWidget(FIELDS[4], "within_last")).toBe("text"); // "30d"
    expect(valueWidget(FIELDS[5], "eq")).toBe("boolean");
    expect(valueWidget(undefined, "eq")).toBe("text");
  });
});
