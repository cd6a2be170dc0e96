// The settings form's own checks (ajv, from the block's JSON Schema) in plain words: a
// person reads "Fill this in." or "Use at most 1600 characters.", never a regular
// expression or "must have required property". Pure: tested in formErrors.test.ts.
import type { RJSFValidationError } from "@rjsf/utils";
import { t } from "../i18n";

type Schemaish = { examples?: unknown[]; widget?: string };

/** One ajv error as words; `examples` of the field (from its schema) make a hint. */
export function formErrorWords(error: Pick<RJSFValidationError, "name" | "params">, field: Schemaish = {}): string {
  const params = (error.params ?? {}) as Record<string, unknown>;
  switch (error.name) {
    case "required":
      return t("form.required");
    case "minLength":
      return Number(params.limit) <= 1 ? t("form.required") : t("form.minLength", { count: Number(params.limit) });
    case "maxLength":
      return t("form.maxLength", { count: Number(params.limit) });
    case "minimum":
    case "exclusiveMinimum":
      return t("form.minimum", { limit: params.limit });
    case "maximum":
    case "exclusiveMaximum":
      return t("form.maximum", { limit: params.limit });
    case "type":
      return params.type === "integer" || params.type === "number" ? t("form.number") : t("form.required");
    case "enum":
      return t("form.enum");
    case "pattern":
    case "format": {
      if (field.widget === "duration") return t("form.duration");
      const examples = (field.examples ?? []).slice(0, 2).map(String);
      return examples.length ? t("form.patternExample", { examples: examples.join(", ") }) : t("form.pattern");
    }
    default:
      return t("form.invalid");
  }
}
