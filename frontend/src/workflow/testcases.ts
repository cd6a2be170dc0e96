// Test cases edited as text: a case <-> the form's strings, and the server's field errors
// (name, given.event.type, expect.path…) grouped by the form field they belong to.
import type { ApiFieldError } from "../api/types";
import { t } from "../i18n";

export type CaseDraft = { name: string; given: string; expect: string };
export type CaseBody = { name: string; given: Record<string, unknown>; expect: Record<string, unknown> };

/** The form's text for a case (or a starting point for a new one). */
export function caseDraft(c: { name: string; given: unknown; expect: unknown } | null, customer: string): CaseDraft {
  if (c) return { name: c.name, given: JSON.stringify(c.given, null, 2), expect: JSON.stringify(c.expect, null, 2) };
  const given = { customer: customer ? customer : { first_name: "Ada", attributes: {} }, event: { type: "", properties: {} } };
  return { name: "", given: JSON.stringify(given, null, 2), expect: JSON.stringify({ path: [], outcome: "completed" }, null, 2) };
}

/** The body to send; throws an Error with `fields` (form field -> messages) if the text is
 * not what the API takes. */
export function parseCaseDraft(draft: CaseDraft): CaseBody {
  const fields: Record<string, string[]> = {};
  const object = (key: "given" | "expect"): Record<string, unknown> => {
    try {
      const value: unknown = JSON.parse(draft[key]);
      if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
      fields[key] = [t("canvas.tests.notObject")];
    } catch (e) {
      fields[key] = [t("canvas.tests.notJson", { error: (e as Error).message })];
    }
    return {};
  };
  const given = object("given");
  const expect = object("expect");
  if (!draft.name.trim()) fields.name = [t("canvas.tests.noName")];
  if (Object.keys(fields).length) throw Object.assign(new Error(t("canvas.tests.invalid")), { fields });
  return { name: draft.name.trim(), given, expect };
}

/** Server errors by form field: `given.event.type` goes under "given" as "event.type: …". */
export function caseFieldErrors(errors: ApiFieldError[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of errors) {
    const [head, ...rest] = e.field.split(".");
    const key = head === "given" || head === "expect" || head === "name" ? head : "name";
    const where = head === key ? rest.join(".") : e.field;
    (out[key] ??= []).push(where ? `${where}: ${e.message}` : e.message);
  }
  return out;
}
