import { describe, expect, it } from "vitest";
import type { TimelineItem } from "../api/types";
import { dayKey, dayLabel, groupByDay } from "./timeline";

const item = (at: string, title = "purchase"): TimelineItem => ({ kind: "event", at, title, data: {} });

describe("groupByDay", () => {
  it("groups newest day first and newest item first within a day", () => {
    const items = [
      item("2026-03-09T08:00:00Z", "a"),
      item("2026-03-10T09:00:00Z", "b"),
      item("2026-03-09T20:00:00Z", "c"),
    ];
    const days = groupByDay(items, "UTC");
    expect(days.map((d) => [d.day, d.items.map((i) => i.title)])).toEqual([
      ["2026-03-10", ["b"]],
      ["2026-03-09", ["c", "a"]],
    ]);
  });

  it("uses the customer's time zone for the day boundary", () => {
    // 23:30 UTC on the 9th is already the 10th in Berlin and still the 9th in New York.
    const items = [item("2026-03-09T23:30:00Z")];
    expect(groupByDay(items, "Europe/Berlin")[0].day).toBe("2026-03-10");
    expect(groupByDay(items, "America/New_York")[0].day).toBe("2026-03-09");
  });

  it("gives nothing for no items", () => {
    expect(groupByDay([], "UTC")).toEqual([]);
  });
});

describe("dayLabel", () => {
  const now = new Date("2026-03-10T12:00:00Z");
  it.each([
    ["today", "2026-03-10", "Today"],
    ["yesterday", "2026-03-09", "Yesterday"],
    ["older", "2026-02-28", "Sat, Feb 28, 2026"],
  ])("%s", (_case, day, expected) => {
    expect(dayLabel(day, now, "UTC", "en-US")).toBe(expected);
  });

  it.each([
    ["de-DE", "Heute", "Gestern"],
    ["ru-RU", "Сегодня", "Вчера"],
  ])("today and yesterday in %s", (locale, today, yesterday) => {
    expect([dayLabel("2026-03-10", now, "UTC", locale), dayLabel("2026-03-09", now, "UTC", locale)]).toEqual([today, yesterday]);
  });

  it("dayKey is a calendar date", () => {
    expect(dayKey("2026-01-05T00:00:00Z", "UTC")).toBe("2026-01-05");
  });
});
