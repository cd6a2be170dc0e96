import type { RJSFSchema } from "@rjsf/utils";
import { describe, expect, it } from "vitest";
import { formUiSchema } from "./NodePanel";

const WAIT: RJSFSchema = {
  type: "object",
  properties: {
    mode: { type: "string", enum: ["duration", "until_date", "until_time"], "x-enum-labels": { duration: "For a while", until_date: "Until a date on their profile" } },
    duration: { type: "string", "x-shown-when": { mode: ["duration"] } },
    attribute: { type: "string", "x-shown-when": { mode: ["until_date"] } },
    at_local_time: { type: "string", "x-shown-when": { mode: ["until_date", "until_time"] } },
  },
} as RJSFSchema;

describe("the block form shows only the chosen mode's fields", () => {
  it("hides the date fields of a wait for a while, and names the choices in words", () => {
    const ui = formUiSchema(undefined, WAIT, { mode: "duration" });
    expect(ui.mode).toEqual({ "ui:enumNames": ["For a while", "Until a date on their profile", "until_time"] });
    expect(ui.duration).toBeUndefined();
    expect(ui.attribute).toEqual({ "ui:widget": "hidden" });
    expect(ui.at_local_time).toEqual({ "ui:widget": "hidden" });
  });

  it("shows the date fields until a date", () => {
    const ui = formUiSchema(undefined, WAIT, { mode: "until_date" });
    expect(ui.duration).toEqual({ "ui:widget": "hidden" });
    expect(ui.attribute).toBeUndefined();
    expect(ui.at_local_time).toBeUndefined();
  });
});
