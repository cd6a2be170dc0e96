import { describe, expect, it } from "vitest";
import { formErrorWords } from "./formErrors";

describe("form errors in plain words", () => {
  it.each([
    [{ name: "required", params: {} }, {}, "Fill this in."],
    [{ name: "minLength", params: { limit: 1 } }, {}, "Fill this in."],
    [{ name: "maxLength", params: { limit: 1600 } }, {}, "Use at most 1600 characters."],
    [{ name: "minimum", params: { limit: 0 } }, {}, "Use a number of at least 0."],
    [{ name: "type", params: { type: "integer" } }, {}, "Enter a whole number."],
    [{ name: "pattern", params: { pattern: "^(?:[0-9]{1,4}[wdhm]){1,4}$" } }, { widget: "duration" }, "Enter a number and pick a unit."],
    [{ name: "pattern", params: { pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" } }, { examples: ["09:00", "18:30"] }, "Write it like this: 09:00, 18:30."],
  ])("%o reads as words", (error, field, words) => {
    const text = formErrorWords(error, field);
    expect(text).toBe(words);
    expect(text).not.toMatch(/\^|\$|\\|\[|must /);
  });
});
