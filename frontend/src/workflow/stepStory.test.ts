import { describe, expect, it } from "vitest";
import { localTimes, stepSentence } from "./stepStory";

const format = (iso: string) => `<${iso.slice(0, 16)}>`;

describe("stepSentence", () => {
  it("tells a live run's steps in words", () => {
    expect(stepSentence({ node: "t1", type: "trigger.event", outcome: "continue", port: "out" }, format)).toBe("started the run");
    expect(stepSentence({ node: "b1", type: "flow.branch", outcome: "continue", port: "sms" }, format)).toBe("done, on to “sms”");
    expect(stepSentence({ node: "s1", type: "action.send_sms", outcome: "continue", port: "out", detail: { status: "sent" } }, format)).toBe("done");
    expect(stepSentence({ node: "w1", type: "flow.wait_for_event", outcome: "wait_event", detail: { event_type: "message.replied", timeout_at: "2026-12-08T09:14:00+00:00" } }, format))
      .toBe("waits for message.replied until <2026-12-08T09:14>");
    expect(stepSentence({ node: "w1", type: "flow.wait_for_event", outcome: "resume", port: "timeout", detail: { waited_since: "x" } }, format)).toBe("time was up, on to “timed out”");
    expect(stepSentence({ node: "w2", type: "flow.wait", outcome: "wait", detail: { until: "2026-12-07T08:00:00Z" } }, format)).toBe("waits until <2026-12-07T08:00>");
    expect(stepSentence({ node: "x1", type: "flow.exit", outcome: "exit", detail: { reason: "no_consent" } }, format)).toBe("left the workflow: no consent");
    expect(stepSentence({ node: "c1", type: "action.call", outcome: "continue", port: "not_called", detail: { reason: "no_consent" } }, format))
      .toBe("not called: no consent to calls");
    expect(stepSentence({ node: "c1", type: "action.call", outcome: "resume", port: "no_answer", detail: { event_id: 4 } }, format)).toBe("it happened, on to “no answer”");
    expect(stepSentence({ node: "h1", type: "action.http_request", outcome: "retry", detail: { retry_at: "2026-12-07T08:00:00Z" } }, format)).toBe("will try again at <2026-12-07T08:00>");
  });

  it("tells a dry run's steps in words, its times local", () => {
    expect(stepSentence({ node: "w1", type: "flow.wait_for_event", outcome: "WaitForEvent", port: "timeout", detail: "no message.replied until 2026-12-08T09:14:00+00:00" }, format))
      .toBe("no message.replied until <2026-12-08T09:14>, on to “timed out”");
    expect(stepSentence({ node: "w2", type: "flow.wait", outcome: "WaitUntil", port: "out", detail: "waited until 2026-12-07T08:00:00+00:00" }, format))
      .toBe("waited until <2026-12-07T08:00>");
    expect(stepSentence({ node: "a1", type: "action.http_request", outcome: "Fail", detail: "url: host not allowed" }, format)).toBe("failed: url: host not allowed");
    expect(stepSentence({ node: "x1", type: "flow.exit", outcome: "Exit", detail: "exit" }, format)).toBe("left the workflow");
  });
});

describe("localTimes", () => {
  it("rewrites every ISO time in a text", () => {
    expect(localTimes("from 2026-12-07T08:00:00Z to 2026-12-08T09:14:00.5+01:00", format)).toBe("from <2026-12-07T08:00> to <2026-12-08T09:14>");
  });
});
