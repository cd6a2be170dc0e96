// An event's properties as labelled inputs, not typed JSON: the properties seen on this
// event type in the last 30 days (with their value types) first, then any other key a
// person adds. The value stays a JSON object text, which the dry run body is built from.
import { useState } from "react";
import { parseValue, showValue } from "../components/ConditionBuilder";
import { useConditionFields, type FieldInfo } from "../lib/conditionFields";
import { t } from "../i18n";

type Props = { idPrefix: string; eventType: string; value: string; onChange: (json: string) => void; label: string };

function parsed(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The properties the catalog knows for an event type: key and field info (by the field's
 * event type, not its group, whose words are in the reader's language). */
export function knownProperties(fields: FieldInfo[] | undefined, eventType: string): { key: string; field: FieldInfo }[] {
  return (fields ?? [])
    .filter((f) => f.event_type === eventType && f.path.startsWith("event.properties."))
    .map((field) => ({ key: field.path.slice("event.properties.".length), field }));
}

export function PropertiesEditor({ idPrefix, eventType, value, onChange, label }: Props) {
  const catalog = useConditionFields();
  const values = parsed(value);
  const known = knownProperties(catalog?.fields, eventType);
  const knownKeys = new Set(known.map((k) => k.key));
  const [extra, setExtra] = useState<string[]>(() => Object.keys(values).filter((k) => !knownKeys.has(k)));
  const set = (key: string, next: unknown) => {
    const copy = { ...values };
    if (next === "" || next === undefined) delete copy[key];
    else copy[key] = next;
    onChange(JSON.stringify(copy));
  };
  const rename = (index: number, key: string) => {
    const old = extra[index];
    const copy = { ...values };
    const kept = copy[old];
    delete copy[old];
    if (key && kept !== undefined) copy[key] = kept;
    setExtra(extra.map((k, i) => (i === index ? key : k)));
    onChange(JSON.stringify(copy));
  };
  return (
    <fieldset className="event-properties">
      <legend>{label}</legend>
      {known.length === 0 && extra.length === 0 && <p className="muted">{t("canvas.properties.none")}</p>}
      {known.map(({ key, field }) => (
        <div className="form-row" key={key}>
          <label htmlFor={`${idPrefix}-${key}`}>{field.label}</label>
          {field.type === "choice" ? (
            <select id={`${idPrefix}-${key}`} value={showValue(values[key])} onChange={(e) => set(key, e.target.value)}>
              <option value="">{t("canvas.properties.notSet")}</option>
              {field.choices.map((c) => <option key={c} value={c}>{c}</option>)}
            </select>
          ) : field.type === "boolean" ? (
            <select id={`${idPrefix}-${key}`} value={values[key] === undefined ? "" : String(values[key])} onChange={(e) => set(key, e.target.value === "" ? "" : e.target.value === "true")}>
              <option value="">{t("canvas.properties.notSet")}</option>
              <option value="true">{t("canvas.properties.yes")}</option>
              <option value="false">{t("canvas.properties.no")}</option>
            </select>
          ) : (
            <input id={`${idPrefix}-${key}`} type={field.type === "date" ? "date" : "text"} inputMode={field.type === "number" ? "decimal" : undefined}
              value={showValue(values[key])} placeholder={field.examples[0] ? t("canvas.example", { example: field.examples[0] }) : ""}
              onChange={(e) => set(key, field.type === "number" ? parseValue(e.target.value, "eq") : e.target.value)} />
          )}
        </div>
      ))}
      {extra.map((key, index) => (
        <div className="form-row property-extra" key={index}>
          <label htmlFor={`${idPrefix}-extra-${index}-key`}>{t("canvas.properties.name")}</label>
          <input id={`${idPrefix}-extra-${index}-key`} value={key} onChange={(e) => rename(index, e.target.value.trim())} />
          <label htmlFor={`${idPrefix}-extra-${index}-value`}>{t("canvas.properties.value")}</label>
          <input id={`${idPrefix}-extra-${index}-value`} value={showValue(values[key])} disabled={!key}
            onChange={(e) => set(key, parseValue(e.target.value, "eq"))} />
        </div>
      ))}
      <button type="button" className="link-button" onClick={() => setExtra([...extra, ""])}>{t("canvas.properties.add")}</button>
    </fieldset>
  );
}
