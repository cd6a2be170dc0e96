import { describe, expect, it } from "vitest";
import type { CatalogEntry } from "../api/types";
import { paletteGroups } from "./Palette";

const entry = (key: string, group: string, source: string, version = 1, latest = 1) =>
  ({ key, type: key.split("@")[0], group, source, label: key, description: "", version,
     latest_version: latest }) as unknown as CatalogEntry;

describe("paletteGroups", () => {
  const entries = [
    entry("trigger.event", "Triggers", "core"),
    entry("action.send_sms", "Messages", "core"),
    entry("action.loyalty_points", "Loyalty", "package"),
    entry("action.offer@1", "Offers", "core", 1, 2),
    entry("template:7@2", "Team blocks", "template"),
  ];

  it("puts team blocks first, then core and package blocks in catalog order", () => {
    expect(paletteGroups(entries, "").map(([group]) => group))
      .toEqual(["Team blocks", "Triggers", "Messages", "Loyalty"]);
  });

  it("hides older versions and filters by the search words", () => {
    const keys = paletteGroups(entries, "").flatMap(([, items]) => items.map((e) => e.key));
    expect(keys).not.toContain("action.offer@1");
    expect(paletteGroups(entries, "loyalty").map(([group]) => group)).toEqual(["Loyalty"]);
  });
});
