import { describe, expect, it } from "vitest";
import { shareBars } from "./chart";
import {
  formatShare, reportByQueue, reportRange, slaBadge, targetMinutes, targetParts, targetTime, timeZones, weekdayNames, weekdaysText,
} from "./sla";

const NOW = new Date("2026-11-23T12:15:00Z"); // a Monday

describe("slaBadge", () => {
  it.each([
    ["at risk: the target today, in words and from now", "at_risk", "2026-11-23T14:00:00Z", "en-US",
      { label: "At risk", tone: "warn", when: "respond by 02:00 PM (in 1 hour)" }],
    ["overdue: when it was due, and how long ago", "overdue", "2026-11-23T10:00:00Z", "en-US",
      { label: "Overdue", tone: "danger", when: "was due 10:00 AM (2 hours ago)" }],
    ["on track over the weekend: the day's name", "on_track", "2026-11-25T09:00:00Z", "en-US",
      { label: "On track", tone: "", when: "respond by Wed 09:00 AM (in 2 days)" }],
    ["done in time", "met", "2026-11-20T09:00:00Z", "en-US", { label: "Done in time", tone: "ok", when: "target Fri 09:00 AM" }],
    ["German", "overdue", "2026-11-23T10:00:00Z", "de-DE", { label: "Überfällig", tone: "danger", when: "fällig seit 10:00 (vor 2 Stunden)" }],
    ["Russian", "at_risk", "2026-11-23T14:00:00Z", "ru-RU", { label: "Под угрозой", tone: "warn", when: "ответить до 14:00 (через 1 час)" }],
  ] as const)("%s", (_case, sla, respondBy, locale, expected) => {
    expect(slaBadge({ sla, respond_by: respondBy }, NOW, locale, "UTC")).toMatchObject({ state: sla, ...expected });
  });

  it("shows nothing for cancelled tasks and queues without a target", () => {
    expect(slaBadge({ sla: null, respond_by: null }, NOW, "en-US", "UTC")).toBeNull();
    expect(slaBadge({ sla: null, respond_by: "2026-11-23T14:00:00Z" }, NOW, "en-US", "UTC")).toBeNull();
  });

  it("tells the time where the viewer is", () => {
    expect(targetTime("2026-11-23T14:00:00Z", NOW, "de-DE", "Europe/Berlin")).toBe("15:00");
    expect(targetTime("2026-12-14T14:00:00Z", NOW, "de-DE", "Europe/Berlin")).toBe("14. Dez. 2026, 15:00");
  });
});

describe("the target as number and unit", () => {
  it.each([
    [240, { value: "4", unit: "hours" }],
    [90, { value: "90", unit: "minutes" }],
    [null, { value: "", unit: "hours" }],
  ] as const)("%s minutes read as %o", (minutes, parts) => {
    expect(targetParts(minutes)).toEqual(parts);
  });

  it.each([
    ["4", "hours", 240],
    ["1,5", "hours", 90],
    ["45", "minutes", 45],
    ["", "hours", null],
    ["  ", "minutes", null],
    ["soon", "hours", "soon"], // sent as is: the server names the field
  ] as const)("%j %s is %j", (value, unit, minutes) => {
    expect(targetMinutes(value, unit)).toBe(minutes);
  });
});

describe("days and zones from Intl", () => {
  it("names the days Monday first, in the language", () => {
    expect(weekdayNames("en-US")).toEqual(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]);
    expect(weekdayNames("de-DE")[0]).toBe("Montag");
    expect(weekdayNames("ru-RU")[6]).toBe("воскресенье");
  });

  it.each([
    ["a run", [0, 1, 2, 3, 4], "en-US", "Mon–Fri"],
    ["separate days", [0, 2, 5], "en-US", "Mon, Wed, & Sat"],
    ["every day", [6, 5, 4, 3, 2, 1, 0], "de-DE", "Täglich"],
  ] as const)("working days: %s", (_case, days, locale, text) => {
    expect(weekdaysText([...days], locale)).toBe(text);
  });

  it("offers UTC first and keeps a zone the browser does not list", () => {
    expect(timeZones("Etc/GMT+5", () => ["Europe/Berlin", "America/New_York"])).toEqual(["UTC", "America/New_York", "Etc/GMT+5", "Europe/Berlin"]);
    expect(timeZones(undefined, () => [])).toEqual(["UTC"]);
  });
});

describe("the weekly report", () => {
  it("spans whole weeks from Monday, up to and including this one", () => {
    expect(reportRange(new Date("2026-11-25T08:00:00Z"), 3)).toEqual({ from: "2026-11-09", to: "2026-11-30" });
    expect(reportRange(new Date("2026-11-29T23:00:00Z"), 1)).toEqual({ from: "2026-11-23", to: "2026-11-30" });
  });

  it("fills the weeks without tasks and sums each queue", () => {
    const rows = [
      { queue: "retention", week: "2026-11-16", met: 3, missed: 1, pending: 0, share_met: 0.75 },
      { queue: "billing", week: "2026-11-23", met: 0, missed: 0, pending: 2, share_met: null },
      { queue: "retention", week: "2026-11-23", met: 1, missed: 1, pending: 1, share_met: 0.5 },
    ];
    const [billing, retention] = reportByQueue(rows, { from: "2026-11-09", to: "2026-11-30" });
    expect(billing).toMatchObject({ queue: "billing", met: 0, missed: 0, share: null });
    expect(retention.weeks.map((w) => [w.week, w.share_met])).toEqual([["2026-11-09", null], ["2026-11-16", 0.75], ["2026-11-23", 0.5]]);
    expect(retention).toMatchObject({ met: 4, missed: 2, share: 4 / 6 });
  });
});

describe("shareBars", () => {
  it("draws shares on a 0–100 % axis and leaves undecided weeks empty", () => {
    expect(shareBars([{ label: "a", share: 0.5 }, { label: "b", share: null }], 100, 40, 4)).toEqual([
      { label: "a", share: 0.5, x: 2, width: 46, y: 20, height: 20 },
      { label: "b", share: null, x: 52, width: 46, y: 40, height: 0 },
    ]);
  });
});

it("writes shares as whole percents in the language", () => {
  expect(formatShare(0.834, "en-US")).toBe("83%");
  expect(formatShare(0.834, "de-DE")).toBe("83\u00a0%"); // a no-break space
  expect(formatShare(null, "de-DE")).toBe("—");
});
