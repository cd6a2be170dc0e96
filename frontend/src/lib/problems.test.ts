import { describe, expect, it } from "vitest";
import type { CatalogEntry } from "../api/types";
import { describeIssue, fieldLabel, humanize } from "./problems";

const sms = { config_schema: { properties: { body: { title: "Text" }, category: { title: "Category" } } } } as unknown as CatalogEntry;

describe("problems in words", () => {
  it("names the field by its form label", () => {
    expect(fieldLabel("config.body", sms)).toBe("Text");
    expect(fieldLabel("config.unknown_thing", sms)).toBe("Unknown thing");
    expect(humanize("settings.re_entry.period_days")).toBe("Period days");
  });

  it("names the block by its title and says how to fix it", () => {
    const text = describeIssue({ node: "a1", field: "config.body", code: "missing", message: "Field required", path: "graph.nodes.1.config.body" },
      { title: "Sorry SMS", entry: sms });
    expect(text).toBe("“Sorry SMS” · Text: Fill this in.");
    expect(text).not.toMatch(/graph\.nodes|a1|config\./);
  });

  it("speaks of the graph in words", () => {
    expect(describeIssue({ node: null, field: "nodes", code: "no_trigger", message: "x", path: "" }))
      .toBe("Add a trigger block: it decides when the workflow starts.");
    expect(describeIssue({ node: "f1", field: "", code: "unreachable", message: "x", path: "" }, { title: "Filter" }))
      .toBe("“Filter”: Connect this block: no trigger leads to it.");
  });
});
