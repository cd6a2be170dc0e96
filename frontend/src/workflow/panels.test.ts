import { describe, expect, it } from "vitest";
import { awaitedEventTypes, dryRunBody, jsonObject, triggerEventType } from "./dryrun";
import type { Catalog } from "./graph";
import { saveErrorsSplit, settingsErrorsAt, settingsErrorsElsewhere } from "./SettingsPanel";
import { caseDraft, caseFieldErrors, parseCaseDraft } from "./testcases";

describe("settings errors", () => {
  const errors = [
    { field: "settings.re_entry", code: "value_error", message: "period_days is required" },
    { field: "settings.re_entry.period_days", code: "greater_than_equal", message: "≥ 1" },
    { field: "settings.goal.condition.all.0.op", code: "invalid", message: "unknown operator" },
    { field: "settings.unknown_key", code: "extra_forbidden", message: "not allowed" },
  ];

  it("puts each error on the field it names, or inside it", () => {
    expect(settingsErrorsAt(errors, "re_entry.period_days")).toEqual(["≥ 1"]);
    expect(settingsErrorsAt(errors, "re_entry")).toEqual(["period_days is required", "≥ 1"]);
    expect(settingsErrorsAt(errors, "goal.condition")).toEqual(["unknown operator"]);
    expect(settingsErrorsAt(errors, "throttle")).toEqual([]);
  });

  it("splits a refused save into settings problems and graph problems", () => {
    const refused = [
      { field: "settings.throttle.runs_per_minute", code: "greater_than_equal", message: "≥ 1" },
      { field: "graph.nodes.2.config.body", code: "missing", message: "required" },
      { field: "settings", code: "type_error", message: "expected a JSON object" },
      { field: "settingsx", code: "odd", message: "not a settings field" },
    ];
    const { settings, rest } = saveErrorsSplit(refused);
    expect(settings.map((e) => e.field)).toEqual(["settings.throttle.runs_per_minute", "settings"]);
    expect(rest.map((e) => e.field)).toEqual(["graph.nodes.2.config.body", "settingsx"]);
  });

  it("lists the errors no field shows", () => {
    expect(settingsErrorsElsewhere(errors, ["re_entry", "goal.condition"]).map((e) => e.field)).toEqual(["settings.unknown_key"]);
  });
});

describe("test case drafts", () => {
  it("round-trips a case through the form's text", () => {
    const c = { name: "low score", given: { customer: "c1", event: { type: "feedback.submitted", properties: { score: 2 } } }, expect: { path: ["t1", "a1"] } };
    expect(parseCaseDraft(caseDraft(c, "x"))).toEqual(c);
  });

  it("starts a new case with the preview customer", () => {
    const draft = caseDraft(null, "c42");
    expect(JSON.parse(draft.given).customer).toBe("c42");
    expect(JSON.parse(draft.expect)).toEqual({ path: [], outcome: "completed" });
  });

  it("names the fields whose text is wrong", () => {
    try {
      parseCaseDraft({ name: " ", given: "{", expect: "[1]" });
      expect.unreachable();
    } catch (e) {
      const fields = (e as { fields: Record<string, string[]> }).fields;
      expect(Object.keys(fields).sort()).toEqual(["expect", "given", "name"]);
      expect(fields.expect[0]).toMatch(/JSON object/);
    }
  });

  it("groups server errors by form field", () => {
    expect(caseFieldErrors([
      { field: "given.event.type", code: "missing", message: "Field required" },
      { field: "name", code: "unique", message: "taken" },
      { field: "body", code: "x", message: "odd" },
    ])).toEqual({ given: ["event.type: Field required"], name: ["taken", "body: odd"] });
  });
});

describe("dry run body", () => {
  it("sends the event, the later events in order and the time", () => {
    const body = dryRunBody({
      customer: "c1", eventType: "feedback.submitted", properties: '{"score": 2}',
      later: [{ type: "purchase", properties: "" }, { type: " ", properties: "{}" }, { type: "message.replied", properties: '{"n": 1}' }],
      asOf: "2026-03-01T08:00",
    });
    expect(body.customer_id).toBe("c1");
    expect(body.event).toEqual({ type: "feedback.submitted", properties: { score: 2 } });
    expect(body.later_events).toEqual([{ type: "purchase", properties: {} }, { type: "message.replied", properties: { n: 1 } }]);
    expect(body.now).toBe(new Date("2026-03-01T08:00").toISOString());
  });

  it("leaves out what is not given", () => {
    expect(dryRunBody({ customer: "c1", eventType: "", properties: "nonsense", later: [], asOf: "" })).toEqual({ customer_id: "c1" });
  });

  it("names the JSON that is wrong", () => {
    expect(() => jsonObject("[1]", "Properties of later event 2")).toThrow(/later event 2 must be a JSON object/);
    expect(() => dryRunBody({ customer: "c1", eventType: "x", properties: "{", later: [], asOf: "" })).toThrow(/Event properties must be JSON/);
  });

  it("suggests the event types the graph waits for", () => {
    // The waiting block declares the setting that names the event (`awaits`).
    const catalog = new Map([["wait_for", { awaits: "event_type" }], ["pause", { awaits: "" }]]) as unknown as Catalog;
    const n = (type: string, config: Record<string, unknown>) => ({ data: { type, config } });
    expect(awaitedEventTypes([n("wait_for", { event_type: "sms.replied" }), n("pause", { event_type: "x" }), n("wait_for", { event_type: "purchase" }), n("wait_for", { event_type: "purchase" })], catalog))
      .toEqual(["purchase", "sms.replied"]);
  });

  it("starts a dry run with the event of the first event trigger", () => {
    const catalog = new Map([
      ["on_date", { trigger: { kind: "scan", listens_to: "" } }],
      ["on_segment", { trigger: { kind: "event", listens_to: "segment.{on}" } }],
      ["on_event", { trigger: { kind: "event", listens_to: "{event_type}" } }],
    ]) as unknown as Catalog;
    const n = (type: string, config: Record<string, unknown>) => ({ data: { type, config } });
    expect(triggerEventType([n("on_date", {}), n("on_event", { event_type: "feedback.submitted" })], catalog)).toBe("feedback.submitted");
    expect(triggerEventType([n("on_segment", { on: "exited" })], catalog)).toBe("segment.exited");
    expect(triggerEventType([n("on_segment", {}), n("on_date", {})], catalog)).toBe("");
  });
});
