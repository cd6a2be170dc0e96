// A condition ({"all"|"any": [rules]}, rule = {field, op, value}) edited as rows, used by
// filters, triggers and segments. Nested groups or "not" are edited as JSON instead.
import { useId, useState } from "react";
import { t } from "../i18n";
import { fieldFor, fieldGroups, useConditionFields, valueWidget, type FieldInfo } from "../lib/conditionFields";

export type Rule = { field: string; op: string; value?: unknown };
export type Condition = Record<string, unknown>;

// Operators in words come from the catalog (condition.op.<op>); comparisons show a symbol.
export const OPERATORS: { op: string; symbol?: string; takesValue: boolean }[] = [
  { op: "eq", takesValue: true },
  { op: "ne", takesValue: true },
  { op: "lt", symbol: "<", takesValue: true },
  { op: "lte", symbol: "≤", takesValue: true },
  { op: "gt", symbol: ">", takesValue: true },
  { op: "gte", symbol: "≥", takesValue: true },
  { op: "in", takesValue: true },
  { op: "not_in", takesValue: true },
  { op: "contains", takesValue: true },
  { op: "exists", takesValue: false },
  { op: "not_exists", takesValue: false },
  { op: "within_last", takesValue: true },
  { op: "before", takesValue: true },
];

export function operatorLabel(operator: { op: string; symbol?: string }): string {
  return operator.symbol ?? t(`condition.op.${operator.op}`);
}

export const FIELD_SUGGESTIONS = [
  "customer.tier", "customer.churn_score", "customer.clv", "customer.p_alive", "customer.tags", "customer.email",
  "customer.phone", "customer.locale", "customer.attributes.plan", "customer.attributes.country",
  "customer.attributes.contract_end", "customer.consent.sms.status", "customer.consent.email.status",
  "event.type", "event.properties.score", "event.properties.reason",
];

/** Flat rows, or null when the condition has a shape the rows cannot show. */
export function conditionRows(condition: unknown): { mode: "all" | "any"; rules: Rule[] } | null {
  if (condition === undefined || condition === null) return { mode: "all", rules: [] };
  if (typeof condition !== "object" || Array.isArray(condition)) return null;
  const c = condition as Condition;
  const keys = Object.keys(c);
  if (keys.length === 0) return { mode: "all", rules: [] };
  if (keys.length !== 1 || !(keys[0] === "all" || keys[0] === "any")) return null;
  const items = c[keys[0]];
  if (!Array.isArray(items)) return null;
  if (!items.every((r) => r && typeof r === "object" && typeof (r as Rule).field === "string" && typeof (r as Rule).op === "string")) return null;
  return { mode: keys[0] as "all" | "any", rules: items as Rule[] };
}

/** A typed value from what was typed: numbers, true/false, lists after "in", else text. */
export function parseValue(text: string, op: string): unknown {
  const trimmed = text.trim();
  if (op === "in" || op === "not_in") return trimmed ? trimmed.split(",").map((part) => parseValue(part.trim(), "eq")) : [];
  // Only text that reads back the same becomes a number, so "6." and "007" stay typeable.
  if (trimmed !== "" && String(Number(trimmed)) === trimmed) return Number(trimmed);
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  return text;
}

export function showValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(showValue).join(", ");
  if (value === undefined || value === null) return "";
  return String(value);
}

type Props = {
  value: unknown;
  onChange: (value: Condition) => void;
  label?: string;
  disabled?: boolean;
  idPrefix?: string;
};

export function ConditionBuilder({ value, onChange, label = t("condition.label"), disabled, idPrefix }: Props) {
  const auto = useId();
  const base = idPrefix ?? auto;
  const rows = conditionRows(value);
  const catalog = useConditionFields();
  const [typedRows, setTypedRows] = useState<Set<number>>(new Set());  // "Other field…" picked
  const [json, setJson] = useState<string | null>(rows ? null : JSON.stringify(value ?? {}, null, 2));
  const [jsonError, setJsonError] = useState("");

  if (json !== null || !rows) {
    const text = json ?? JSON.stringify(value ?? {}, null, 2);
    return (
      <fieldset className="condition" disabled={disabled}>
        <legend>{t("condition.jsonLegend", { label })}</legend>
        <label htmlFor={`${base}-json`} className="visually-hidden">{t("condition.jsonLabel", { label })}</label>
        <textarea
          id={`${base}-json`}
          rows={6}
          value={text}
          spellCheck={false}
          onChange={(e) => {
            setJson(e.target.value);
            try {
              const parsed = JSON.parse(e.target.value);
              setJsonError("");
              onChange(parsed);
            } catch {
              setJsonError(t("condition.invalidJson"));
            }
          }}
          aria-invalid={jsonError ? true : undefined}
        />
        {jsonError && <p className="field-error">{jsonError}</p>}
        {conditionRows(safeParse(text)) && (
          <button type="button" className="link-button" onClick={() => setJson(null)}>{t("condition.editRules")}</button>
        )}
      </fieldset>
    );
  }

  const emit = (mode: "all" | "any", rules: Rule[]) => onChange({ [mode]: rules });
  const update = (index: number, patch: Partial<Rule>) =>
    emit(rows.mode, rows.rules.map((r, i) => (i === index ? { ...r, ...patch } : r)));

  return (
    <fieldset className="condition" disabled={disabled}>
      <legend>{label}</legend>
      <div className="condition-mode">
        <label htmlFor={`${base}-mode`}>{t("condition.match")}</label>
        <select id={`${base}-mode`} value={rows.mode} onChange={(e) => emit(e.target.value as "all" | "any", rows.rules)}>
          <option value="all">{t("condition.all")}</option>
          <option value="any">{t("condition.any")}</option>
        </select>
      </div>
      <datalist id={`${base}-fields`}>
        {FIELD_SUGGESTIONS.map((f) => <option key={f} value={f} />)}
      </datalist>
      {rows.rules.length === 0 && <p className="muted">{t("condition.noRules")}</p>}
      <ol className="condition-rules">
        {rows.rules.map((rule, index) => {
          const op = OPERATORS.find((o) => o.op === rule.op);
          return (
            <li key={index} className="condition-rule">
              <label className="visually-hidden" htmlFor={`${base}-f${index}`}>{t("condition.ruleField", { number: index + 1 })}</label>
              {catalog && !typedRows.has(index) && (rule.field === "" || fieldFor(catalog.fields, rule.field)) ? (
                <FieldPicker id={`${base}-f${index}`} fields={catalog.fields} value={rule.field}
                  onPick={(path) => path === OTHER ? setTypedRows(new Set(typedRows).add(index)) : update(index, { field: path, value: "" })} />
              ) : (
                <input id={`${base}-f${index}`} list={`${base}-fields`} value={rule.field} placeholder={FIELD_PLACEHOLDER}
                  onChange={(e) => update(index, { field: e.target.value })} />
              )}
              <label className="visually-hidden" htmlFor={`${base}-o${index}`}>{t("condition.ruleOperator", { number: index + 1 })}</label>
              <select id={`${base}-o${index}`} value={rule.op} onChange={(e) => {
                const next = OPERATORS.find((o) => o.op === e.target.value);
                const patch: Partial<Rule> = { op: e.target.value };
                if (next && !next.takesValue) patch.value = undefined;
                update(index, patch);
              }}>
                {OPERATORS.map((o) => <option key={o.op} value={o.op}>{operatorLabel(o)}</option>)}
              </select>
              {(op?.takesValue ?? true) && (
                <>
                  <label className="visually-hidden" htmlFor={`${base}-v${index}`}>{t("condition.ruleValue", { number: index + 1 })}</label>
                  <ValueInput id={`${base}-v${index}`} field={fieldFor(catalog?.fields, rule.field)} op={rule.op} value={rule.value}
                    onChange={(next) => update(index, { value: next })} />
                </>
              )}
              <button type="button" className="icon-button" aria-label={t("condition.removeRule", { number: index + 1 })}
                onClick={() => emit(rows.mode, rows.rules.filter((_, i) => i !== index))}>×</button>
            </li>
          );
        })}
      </ol>
      <div className="condition-actions">
        <button type="button" className="button secondary small"
          onClick={() => emit(rows.mode, [...rows.rules, { field: "", op: "eq", value: "" }])}>{t("condition.addRule")}</button>
        <button type="button" className="link-button" onClick={() => setJson(JSON.stringify(value ?? {}, null, 2))}>{t("condition.editJson")}</button>
      </div>
    </fieldset>
  );
}

const OTHER = "\u0000other";
/** A field path as typed (a code, the same in every language). */
const FIELD_PLACEHOLDER = "customer.attributes.plan";

/** The fields in words, grouped (Customer, Customer details, Event: <type>), and a way
 * out to type any other field. */
function FieldPicker({ id, fields, value, onPick }: { id: string; fields: FieldInfo[]; value: string; onPick: (path: string) => void }) {
  return (
    <select id={id} value={value} onChange={(e) => onPick(e.target.value)}>
      <option value="" disabled>{t("condition.chooseField")}</option>
      {fieldGroups(fields).map((group) => (
        <optgroup key={group.group} label={group.group}>
          {group.fields.map((f) => <option key={f.path} value={f.path}>{f.label}</option>)}
        </optgroup>
      ))}
      <option value={OTHER}>{t("condition.otherField")}</option>
    </select>
  );
}

/** The value as the field's type wants it: a list, a number, a calendar, yes/no or text. */
function ValueInput({ id, field, op, value, onChange }: { id: string; field: FieldInfo | undefined; op: string; value: unknown; onChange: (value: unknown) => void }) {
  const widget = valueWidget(field, op);
  if (widget === "choice" && field) {
    const current = showValue(value);
    const choices = current && !field.choices.includes(current) ? [current, ...field.choices] : field.choices;
    return (
      <select id={id} value={current} onChange={(e) => onChange(parseValue(e.target.value, "eq"))}>
        <option value="" disabled>{t("condition.choose")}</option>
        {choices.map((c) => <option key={c} value={c}>{c.replace(/_/g, " ")}</option>)}
      </select>
    );
  }
  if (widget === "boolean") {
    return (
      <select id={id} value={value === true ? "true" : value === false ? "false" : ""} onChange={(e) => onChange(e.target.value === "true")}>
        <option value="" disabled>{t("condition.choose")}</option>
        <option value="true">{t("condition.yes")}</option>
        <option value="false">{t("condition.no")}</option>
      </select>
    );
  }
  if (widget === "date") {
    return <input id={id} type="date" value={showValue(value).slice(0, 10)} onChange={(e) => onChange(e.target.value)} />;
  }
  const example = field?.examples[0];
  return (
    <input id={id} inputMode={widget === "number" ? "decimal" : undefined} value={showValue(value)}
      placeholder={op === "within_last" ? "30d" : example ? t("condition.example", { example }) : t("condition.value")}
      onChange={(e) => onChange(parseValue(e.target.value, op))} />
  );
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
