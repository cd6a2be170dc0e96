import { describe, expect, it } from "vitest";
import { effectWords, messageChannel, outcomeLines, reasonWords, stepMessageStatus, verdictWords } from "./outcomes";

const time = (iso: string) => iso.slice(11, 16);

// What the catalog declares of these blocks (blocks/base.py BlockSpec.channel).
const SMS = { channel: "sms", config_schema: {} };
const TASK = { channel: "", config_schema: {} };
const SURVEY = { channel: "field:channel", config_schema: { properties: { channel: { default: "email" } } } };

describe("message outcomes in words", () => {
  it("lists sent first and every suppression with its reason", () => {
    expect(outcomeLines([
      { outcome: "suppressed", reason: "no_consent", count: 3 },
      { outcome: "sent", reason: "", count: 2 },
      { outcome: "deferred", reason: "quiet_hours", count: 1 },
      { outcome: "suppressed", reason: "no_address", count: 1 },
      { outcome: "failed", reason: "", count: 0 },
    ], "sms").map((l) => l.text)).toEqual([
      "2 sent", "1 held back: quiet hours", "1 not sent: no phone number", "3 not sent: no SMS consent",
    ]);
  });

  it("names the channel of the consent", () => {
    expect(reasonWords("no_consent", "email")).toBe("no e-mail consent");
    expect(reasonWords("frequency_cap", "sms")).toBe("too many messages lately");
    expect(reasonWords("something_new", "sms")).toBe("something new");
  });

  it("says what a dry run would really do", () => {
    const stop = verdictWords({ customer: "Lea", channel: "sms", action: "suppress", reason: "no_consent", until: null }, time);
    expect(stop.sentence).toBe("Would not send: Lea has no SMS consent");
    expect(stop.text).toBe("not sent: no SMS consent");
    expect(stop.tone).toBe("not-sent");
    const quiet = verdictWords({ customer: "Lea", channel: "sms", action: "defer", reason: "quiet_hours", until: "2026-03-03T07:00:00Z" }, time);
    expect(quiet.sentence).toBe("Would wait for the end of quiet hours and send at 07:00");
    expect(verdictWords({ customer: "Lea", channel: "email", action: "send", reason: "", until: null }, time).sentence)
      .toBe("Would send the e-mail to Lea");
  });

  it("says whether a dry run would call, and when", () => {
    const stop = verdictWords({ customer: "Lea", channel: "call", action: "suppress", reason: "no_consent", until: null }, time);
    expect([stop.tone, stop.text, stop.sentence]).toEqual(["not-sent", "not called: no consent to calls", "Would not call Lea: no consent to calls"]);
    const later = verdictWords({ customer: "Lea", channel: "call", action: "defer", reason: "business_hours", until: "2026-03-03T09:00:00Z" }, time);
    expect([later.tone, later.text]).toEqual(["held", "calls at 09:00"]);
    expect(verdictWords({ customer: "Lea", channel: "call", action: "send", reason: "", until: null }, time).sentence).toBe("Would call Lea");
  });

  it("marks a suppressed live step as not sent", () => {
    expect(stepMessageStatus(SMS, { message_id: 4, status: "suppressed", reason: "no_consent" }))
      .toEqual({ tone: "not-sent", text: "not sent: no SMS consent" });
    expect(stepMessageStatus(SMS, { status: "delivered" })).toEqual({ tone: "sent", text: "sent" });
    expect(stepMessageStatus(TASK, { status: "open" })).toBeNull();
  });
});

describe("dry-run effects in words", () => {
  it.each([
    [{ type: "send_sms", body: "Sorry Lea!", node: "a1" }, "Send the SMS “Sorry Lea!”"],
    [{ type: "send_email", subject: "We are sorry" }, "Send the e-mail “We are sorry”"],
    [{ type: "create_task", title: "Call Lea" }, "Create the task “Call Lea”"],
    [{ type: "http_request", method: "POST", url: "https://crm.example/hook" }, "Call POST https://crm.example/hook"],
    [{ type: "create_exit_survey", channel: "email" }, "Create an exit survey link"],
  ])("%j", (effect, words) => {
    expect(effectWords(effect)).toBe(words);
  });
});

describe("the exit survey's channel", () => {
  it("follows its config on the canvas and its output in a run", () => {
    expect(messageChannel(SURVEY, {})).toBe("email");
    expect(messageChannel(SURVEY, { channel: "sms" })).toBe("sms");
    expect(stepMessageStatus(SURVEY, { status: "suppressed", reason: "no_consent", sms: { segments: 1 } }))
      .toEqual({ tone: "not-sent", text: "not sent: no SMS consent" });
    expect(stepMessageStatus(SURVEY, { status: "suppressed", reason: "no_consent" }))
      .toEqual({ tone: "not-sent", text: "not sent: no e-mail consent" });
  });
});
