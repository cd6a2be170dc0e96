import { describe, expect, it } from "vitest";
import type { FieldInfo } from "../lib/conditionFields";
import { knownProperties } from "./PropertiesEditor";

const property = (key: string, eventType: string, group: string): FieldInfo =>
  ({ path: `event.properties.${key}`, label: key, group, event_type: eventType, type: "number", choices: [], examples: [] });

describe("knownProperties", () => {
  it("picks an event type's properties by the type, whatever language the group is in", () => {
    const fields = [
      { path: "customer.clv", label: "Kundenwert", group: "Kunde", event_type: null, type: "number", choices: [], examples: [] } satisfies FieldInfo,
      property("score", "feedback.submitted", "Ereignis: feedback.submitted"),
      property("amount", "order.completed", "Событие: order.completed"),
    ];
    expect(knownProperties(fields, "feedback.submitted").map((p) => p.key)).toEqual(["score"]);
    expect(knownProperties(fields, "order.completed").map((p) => p.key)).toEqual(["amount"]);
    expect(knownProperties(fields, "nps.answered")).toEqual([]);
  });
});
