import { describe, expect, it } from "vitest";
import type { CatalogEntry } from "../api/types";
import { blockSummary, conditionWords, durationWords, missingSettings } from "./summary";

type Line = CatalogEntry["summary"][number];
type When = Line["when"][number];
const line = (text: string, when: [string, When["op"], unknown?][] = [], more: Partial<Line> = {}): Line =>
  ({ text, parts: [], when: when.map(([field, op, value]) => ({ field, op, value: value ?? null })), count: "", forms: null, values: {}, ...more });
const plural = (one: string, other: string, count: string, when: [string, When["op"], unknown?][]): Line =>
  line(one, when, { count, forms: { one, few: other, many: other, other } });
// An entry as GET /api/v1/blocks serves it: the schema's defaults and the block's declared
// summary (blocks/<category>/<name>.py SPEC.summary; English).
const block = (properties: Record<string, unknown>, summary: Line[], required: string[] = []) =>
  ({ config_schema: { properties, required }, summary }) as unknown as CatalogEntry;
const schema = (properties: Record<string, unknown>, required: string[] = []) => block(properties, [], required);

const EVENT = block({}, [line("When {event_type}"), line("{condition|condition}")]);
const WAIT = block({ mode: { default: "duration" }, duration: { default: "1d" } }, [
  line("Until their {attribute}", [["mode", "eq", "until_date"]]),
  line("at {at_local_time} their time", [["mode", "eq", "until_date"]]),
  line("Until {at_local_time} their time", [["mode", "eq", "until_time"]]),
  line("Wait {duration|duration}", [["mode", "ne", "until_date"], ["mode", "ne", "until_time"]]),
]);
const SMS = block({ body: { title: "Text" }, category: { default: "marketing" } }, [line("{body}")], ["body"]);
const TASK = block({ due_in: { default: "1d" } }, [line("{title}"), line("due in {due_in|duration}")]);
const CALL = block({ mode: { default: "bridge" } }, [
  line("{text}", [["mode", "eq", "message"]]), line("With a key menu", [["mode", "eq", "message"], ["menu", "set"]]),
  line("Connects to {agent_number}", [["mode", "ne", "message"]]),
]);
const SPLIT = block({}, [line("{branches|branches}"), line("{holdout_percent} % held out")]);
const DATE = block({ offset_days: { default: 0 } }, [
  line("On their {attribute}", [["offset_days", "eq", 0]]),
  plural("{offset_days|abs} day before their {attribute}", "{offset_days|abs} days before their {attribute}", "offset_days", [["offset_days", "lt", 0]]),
  line("at {at_local_time} their time"),
]);
const SURVEY_LINES = [
  line("Asks why they left, by {channel|channel}"),
  plural("{reasons|count} reason offered", "{reasons|count} reasons offered", "reasons", [["reasons", "set"]]),
  line("All active reasons offered", [["reasons", "unset"]]),
];
const WEBHOOK = block({ preset: { default: "custom" }, event_type: { default: "webhook.received" } }, [
  line("Arrives as {event_type}", [["preset", "eq", "zendesk_ticket_solved"]], { values: { event_type: "helpdesk.ticket_solved" } }),
  line("Arrives as {event_type}", [["preset", "eq", "custom"]]),
]);
const PROFILE = block({}, [line("", [], { parts: ["{add_tags|list:+}", "{remove_tags|list:−}", "{set_attributes|keys}"] })]);
const HTTP = block({ method: { default: "POST" } }, [line("{method} {url|host}")]);

describe("block summaries", () => {
  it.each([
    ["event", EVENT, { event_type: "feedback.submitted", condition: { all: [{ field: "event.properties.score", op: "lte", value: 6 }] } },
      ["When feedback.submitted", "score ≤ 6"]],
    ["event without settings", EVENT, {}, []],
    ["wait", WAIT, { duration: "3d" }, ["Wait 3 days"]],
    ["wait default", WAIT, {}, ["Wait 1 day"]],
    ["wait until a time", WAIT, { mode: "until_time", at_local_time: "09:00" }, ["Until 09:00 their time"]],
    ["sms", SMS, { body: "Sorry {{ customer.first_name }}, we will make it right with a voucher." },
      ["Sorry {{ customer.first_name }}, we will make…"]],
    ["task", TASK, { title: "Call Ada", due_in: "2d" }, ["Call Ada", "due in 2 days"]],
    ["call bridge", CALL, { agent_number: "+4930123456" }, ["Connects to +4930123456"]],
    ["call message", CALL, { mode: "message", text: "Hello Ada", menu: "Press 1" }, ["Hello Ada", "With a key menu"]],
    ["split", SPLIT, { branches: [{ name: "A", percent: 50 }, { name: "B", percent: 50 }], holdout_percent: 10 }, ["A 50 % · B 50 %", "10 % held out"]],
    ["split without holdout", SPLIT, { branches: [{ name: "A", percent: 100 }], holdout_percent: 0 }, ["A 100 %"]],
    ["date before", DATE, { attribute: "contract_end", offset_days: -30, at_local_time: "09:00" }, ["30 days before their contract_end", "at 09:00 their time"]],
    ["date one day before", DATE, { attribute: "contract_end", offset_days: -1 }, ["1 day before their contract_end"]],
    ["date on", DATE, { attribute: "contract_end" }, ["On their contract_end"]],
    ["survey", block({ channel: { default: "email" }, reasons: { default: [] } }, SURVEY_LINES), { body: "{{ survey.url }}" },
      ["Asks why they left, by e-mail", "All active reasons offered"]],
    ["survey by sms", block({ channel: { default: "email" } }, SURVEY_LINES), { channel: "sms", reasons: ["other", "too_expensive"] },
      ["Asks why they left, by SMS", "2 reasons offered"]],
    ["webhook preset", WEBHOOK, { preset: "zendesk_ticket_solved" }, ["Arrives as helpdesk.ticket_solved"]],
    ["webhook custom", WEBHOOK, {}, ["Arrives as webhook.received"]],
    ["profile", PROFILE, { add_tags: ["vip"], remove_tags: ["trial"], set_attributes: { plan: "pro" } }, ["+vip, −trial, plan"]],
    ["profile tags only", PROFILE, { add_tags: ["vip", "gold"] }, ["+vip, +gold"]],
    ["http", HTTP, { url: "https://crm.example/hooks/1" }, ["POST crm.example"]],
    ["no summary", schema({}), { anything: 1 }, []],
  ])("%s %j", (_case, entry, config, lines) => {
    expect(blockSummary(entry, config)).toEqual(lines);
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
