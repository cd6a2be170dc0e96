import { describe, expect, it } from "vitest";
import type { CatalogEntry } from "../api/types";
import { blockSummary, conditionWords, durationWords, missingSettings } from "./summary";

const schema = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ config_schema: { properties, required } }) as unknown as CatalogEntry;
const WAIT = schema({ mode: { default: "duration" }, duration: { default: "1d" } });
const SMS = schema({ body: { title: "Text" }, category: { default: "marketing" } }, ["body"]);

describe("block summaries", () => {
  it.each([
    ["trigger.event", schema({}), { event_type: "feedback.submitted", condition: { all: [{ field: "event.properties.score", op: "lte", value: 6 }] } },
      ["When feedback.submitted", "score ≤ 6"]],
    ["flow.wait", WAIT, { duration: "3d" }, ["Wait 3 days"]],
    ["flow.wait", WAIT, {}, ["Wait 1 day"]],
    ["flow.wait", WAIT, { mode: "until_time", at_local_time: "09:00" }, ["Until 09:00 their time"]],
    ["action.send_sms", SMS, { body: "Sorry {{ customer.first_name }}, we will make it right with a voucher." },
      ["Sorry {{ customer.first_name }}, we will make…"]],
    ["action.create_task", schema({ due_in: { default: "1d" } }), { title: "Call Ada", due_in: "2d" }, ["Call Ada", "due in 2 days"]],
    ["action.call", schema({ mode: { default: "bridge" } }), { agent_number: "+4930123456" }, ["Connects to +4930123456"]],
    ["action.call", schema({}), { mode: "message", text: "Hello Ada", menu: "Press 1" }, ["Hello Ada", "With a key menu"]],
    ["flow.split", schema({}), { branches: [{ name: "A", percent: 50 }, { name: "B", percent: 50 }], holdout_percent: 10 }, ["A 50 % · B 50 %", "10 % held out"]],
    ["trigger.date", schema({}), { attribute: "contract_end", offset_days: -30 }, ["30 days before their contract_end"]],
    ["action.exit_survey", schema({ channel: { default: "email" }, reasons: { default: [] } }), { body: "{{ survey.url }}" },
      ["Asks why they left, by e-mail", "All active reasons offered"]],
    ["action.exit_survey", schema({ channel: { default: "email" } }), { channel: "sms", reasons: ["other", "too_expensive"] },
      ["Asks why they left, by SMS", "2 reasons offered"]],
  ])("%s %j", (type, entry, config, lines) => {
    expect(blockSummary(type, entry, config)).toEqual(lines);
  });

  it("words conditions and durations", () => {
    expect(conditionWords({ any: [{ field: "customer.tier", op: "eq", value: "vip" }, { field: "customer.attributes.plan", op: "in", value: ["pro", "team"] }] }))
      .toBe("tier = vip or plan is one of pro, team");
    expect(durationWords("1d12h")).toBe("36 hours");
    expect(durationWords("1w")).toBe("1 week");
  });

  it("knows a block that still needs setting up", () => {
    expect(missingSettings(SMS, {})).toEqual(["body"]);
    expect(missingSettings(SMS, { body: "" })).toEqual(["body"]);
    expect(missingSettings(SMS, { body: "Hi" })).toEqual([]);
    expect(missingSettings(WAIT, {})).toEqual([]);
    const FILTER = schema({ condition: { title: "Condition" } }, ["condition"]);
    expect(missingSettings(FILTER, { condition: { all: [] } })).toEqual(["condition"]);
    expect(missingSettings(FILTER, { condition: { all: [{ field: "customer.tier", op: "eq", value: "vip" }] } })).toEqual([]);
  });
});
