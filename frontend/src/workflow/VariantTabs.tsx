// A message block's texts per language: a "Default" tab (the fields above, for every
// customer whose language has no tab) and one tab per added language (de, ru, de-AT …),
// each editing that variant's fields with a live preview formatted for its language. For
// SMS each tab shows its segment count and what it costs against the default: Cyrillic
// falls to UCS-2, 70 characters a segment. The customer's locale picks the tab at run
// time, de-AT falling back to de, then to the default (blocks/variants.py).
import type { FieldProps } from "@rjsf/utils";
import { useEffect, useId, useState } from "react";
import { api } from "../api/client";
import type { TemplatePreview } from "../api/types";
import { t } from "../i18n";
import { LiquidField, type LiquidContext } from "./LiquidField";

export type Variant = Record<string, string | undefined>;
export type Variants = Record<string, Variant>;
export type VariantField = { name: string; label: string; liquid: boolean; multiline: boolean; required: boolean; maxLength?: number };

/** The same pattern as the server's (blocks/variants.py LOCALE_PATTERN). */
export const LOCALE_PATTERN = /^[a-z]{2,3}(-([A-Z]{2}|[0-9]{3}|[A-Z][a-z]{3}))?$/;
/** Languages offered first when adding a tab; any other tag can be typed. */
export const SUGGESTED_LOCALES = ["de", "ru", "en", "fr", "it", "es", "pl", "tr", "uk", "de-AT", "de-CH"];
const LIQUID_FIELDS = new Set(["subject", "body"]);
const LONG_FIELDS = new Set(["body", "intro", "text"]);

/** "de_at" / "DE-at" → "de-AT", as the server writes tags. */
export function normalizeLocale(tag: string): string {
  const [language = "", ...rest] = tag.trim().replace(/_/g, "-").split("-").filter(Boolean);
  return [language.toLowerCase(), ...rest.map((part) => (part.length === 2 ? part.toUpperCase() : part))].join("-");
}

/** The language's name in the user's language ("Deutsch", "German", "немецкий"). */
export function localeName(tag: string, uiLanguage: string): string {
  try {
    const names = new Intl.DisplayNames([uiLanguage], { type: "language" });
    return names.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

type VariantSchema = { properties?: Record<string, { title?: string; maxLength?: number }>; required?: string[] };

/** The fields of one variant, from the `variants` schema (its patternProperties, keyed by
 * the locale pattern, or additionalProperties). */
export function variantFields(schema: unknown): VariantField[] {
  const map = schema as { patternProperties?: Record<string, VariantSchema>; additionalProperties?: VariantSchema } | undefined;
  const item = Object.values(map?.patternProperties ?? {})[0] ?? map?.additionalProperties;
  const required = new Set(item?.required ?? []);
  return Object.entries(item?.properties ?? {}).map(([name, property]) => ({
    name,
    label: property.title ?? name,
    liquid: LIQUID_FIELDS.has(name),
    multiline: LONG_FIELDS.has(name),
    required: required.has(name),
    maxLength: property.maxLength,
  }));
}

/** A variant without its empty fields; undefined when nothing is left. */
function cleaned(variant: Variant): Variant {
  return Object.fromEntries(Object.entries(variant).filter(([, value]) => value !== undefined && value !== ""));
}

/** Segments of a rendered SMS, from the server's preview (null until known). */
function useSmsSegments(template: string, customerId: string, locale: string | undefined, enabled: boolean): number | null {
  const [segments, setSegments] = useState<number | null>(null);
  useEffect(() => {
    if (!enabled || !customerId || !template) {
      setSegments(null);
      return;
    }
    let cancelled = false;
    const timer = setTimeout(() => {
      api.post<TemplatePreview>("templates/preview", { template, customer_id: customerId, channel: "sms", ...(locale ? { locale } : {}) })
        .then((result) => { if (!cancelled) setSegments(result.sms?.segments ?? null); })
        .catch(() => { if (!cancelled) setSegments(null); });
    }, 350);
    return () => { cancelled = true; clearTimeout(timer); };
  }, [template, customerId, locale, enabled]);
  return segments;
}

/** "2 segments: 1 more than the default, about twice the cost" in words. */
export function smsCostWords(segments: number, defaultSegments: number | null): string {
  const size = t("variants.smsSegments", { count: segments });
  if (defaultSegments === null || defaultSegments === 0) return size;
  const difference = segments - defaultSegments;
  if (difference === 0) return `${size} · ${t("variants.smsSameCost")}`;
  const percent = Math.round((Math.abs(difference) / defaultSegments) * 100);
  const key = difference > 0 ? "variants.smsMore" : "variants.smsFewer";
  return `${size} · ${t(key, { count: Math.abs(difference), percent })}`;
}

type Props = {
  idPrefix: string;
  value: Variants;
  fields: VariantField[];
  /** The block's own (default) texts, for the SMS comparison. */
  defaults: Variant;
  context: LiquidContext;
  uiLanguage: string;
  onChange: (value: Variants | undefined) => void;
  errors?: Record<string, string[]>;
};

export function VariantTabs({ idPrefix, value, fields, defaults, context, uiLanguage, onChange, errors }: Props) {
  const locales = Object.keys(value);
  const [active, setActive] = useState<string>("");
  const [adding, setAdding] = useState("");
  const [addError, setAddError] = useState("");
  const listId = useId();
  const current = locales.includes(active) ? active : "";
  const sms = context.channel === "sms";
  const defaultSegments = useSmsSegments(defaults.body ?? "", context.customerId, undefined, sms);
  const variantSegments = useSmsSegments(current ? value[current]?.body ?? "" : "", context.customerId, current || undefined, sms && !!current);

  const update = (next: Variants) => onChange(Object.keys(next).length ? next : undefined);
  const add = () => {
    const tag = normalizeLocale(adding);
    if (!LOCALE_PATTERN.test(tag)) return setAddError(t("variants.badLocale"));
    if (tag in value) return setAddError(t("variants.duplicate", { language: localeName(tag, uiLanguage) }));
    // A new tab starts from the default texts: translating beats a blank page.
    const start = cleaned(Object.fromEntries(fields.map((f) => [f.name, defaults[f.name]])));
    update({ ...value, [tag]: start });
    setActive(tag);
    setAdding("");
    setAddError("");
  };
  const remove = (tag: string) => {
    const next = { ...value };
    delete next[tag];
    update(next);
    setActive("");
  };
  const setField = (name: string, text: string) =>
    update({ ...value, [current]: cleaned({ ...value[current], [name]: text }) });

  return (
    <fieldset className="variant-tabs form-group field" id={idPrefix}>
      <legend>{t("variants.title")}</legend>
      <div role="tablist" aria-label={t("variants.title")} className="variant-tablist">
        <button type="button" role="tab" id={`${idPrefix}-tab-default`} aria-selected={current === ""} aria-controls={`${idPrefix}-panel`} onClick={() => setActive("")}>
          {t("variants.default")}
        </button>
        {locales.map((tag) => (
          <button key={tag} type="button" role="tab" id={`${idPrefix}-tab-${tag}`} aria-selected={current === tag} aria-controls={`${idPrefix}-panel`}
            title={localeName(tag, uiLanguage)} onClick={() => setActive(tag)}>
            {tag}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${idPrefix}-panel`} aria-labelledby={`${idPrefix}-tab-${current || "default"}`} className="variant-panel">
        {current === "" ? (
          <>
            <p className="field-description">{t("variants.defaultHint")}</p>
            {sms && defaultSegments !== null && <p className="muted" data-testid="variant-sms-default">{t("variants.smsSegments", { count: defaultSegments })}</p>}
            {!context.readOnly && (
              <div className="variant-add">
                <label htmlFor={`${idPrefix}-add`}>{t("variants.addLabel")}</label>
                <input id={`${idPrefix}-add`} list={listId} value={adding} placeholder={t("variants.addPlaceholder")} aria-invalid={addError ? true : undefined}
                  onChange={(e) => { setAdding(e.target.value); setAddError(""); }}
                  onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); add(); } }} />
                <datalist id={listId}>
                  {SUGGESTED_LOCALES.filter((tag) => !(tag in value)).map((tag) => <option key={tag} value={tag}>{localeName(tag, uiLanguage)}</option>)}
                </datalist>
                <button type="button" className="button secondary" onClick={add}>{t("variants.add")}</button>
                {addError && <p className="field-error" role="alert">{addError}</p>}
              </div>
            )}
          </>
        ) : (
          <>
            <p className="field-description">{t("variants.languageHint", { language: localeName(current, uiLanguage), tag: current })}</p>
            {fields.map((field) => {
              const id = `${idPrefix}-${current}-${field.name}`;
              const text = value[current]?.[field.name] ?? "";
              const fieldErrors = errors?.[`${current}.${field.name}`] ?? [];
              return (
                <div key={field.name} className="form-group field">
                  <label htmlFor={id}>{field.label}{field.required ? "*" : ""}</label>
                  {field.liquid ? (
                    <LiquidField id={id} label={`${field.label} (${current})`} value={text} multiline={field.multiline} required={field.required}
                      invalid={fieldErrors.length > 0} onChange={(next) => setField(field.name, next)} context={{ ...context, locale: current }} />
                  ) : field.multiline ? (
                    <textarea id={id} rows={3} value={text} maxLength={field.maxLength} readOnly={context.readOnly}
                      placeholder={defaults[field.name] ?? ""} onChange={(e) => setField(field.name, e.target.value)} />
                  ) : (
                    <input id={id} type="text" value={text} maxLength={field.maxLength} readOnly={context.readOnly}
                      placeholder={defaults[field.name] ?? ""} onChange={(e) => setField(field.name, e.target.value)} />
                  )}
                  {fieldErrors.map((error) => <p key={error} className="field-error">{error}</p>)}
                </div>
              );
            })}
            {sms && variantSegments !== null && (
              <p className="muted" data-testid="variant-sms-cost">{smsCostWords(variantSegments, defaultSegments)}</p>
            )}
            {!context.readOnly && (
              <button type="button" className="button danger secondary" onClick={() => remove(current)}>
                {t("variants.remove", { language: localeName(current, uiLanguage) })}
              </button>
            )}
          </>
        )}
      </div>
    </fieldset>
  );
}

/** Nested errors of the variants field ({de: {body: {__errors}}}) as {"de.body": [...]}. */
function flatErrors(errorSchema: unknown, prefix = ""): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries((errorSchema ?? {}) as Record<string, unknown>)) {
    if (key === "__errors") {
      if (prefix) out[prefix] = value as string[];
      continue;
    }
    Object.assign(out, flatErrors(value, prefix ? `${prefix}.${key}` : key));
  }
  return out;
}

/** The block form's `variants` field (ui:field "variants"); the form context carries the
 * block's config, whose own texts are the default. */
export function VariantsField(props: FieldProps) {
  const context = props.registry.formContext as LiquidContext & { config?: Variant };
  const value = (props.formData && typeof props.formData === "object" ? props.formData : {}) as Variants;
  // An SMS has no subject: the exit survey's variant drops it when it goes by SMS.
  const fields = variantFields(props.schema).filter((f) => !(context.channel === "sms" && f.name === "subject"));
  const config = context.config ?? {};
  const defaults = Object.fromEntries(fields.map((f) => [f.name, typeof config[f.name] === "string" ? config[f.name] : undefined]));
  const uiLanguage = document.documentElement.lang || "en";
  return (
    <VariantTabs idPrefix={props.fieldPathId.$id} value={value} fields={fields} defaults={defaults} uiLanguage={uiLanguage}
      context={{ ...context, readOnly: context.readOnly || !!props.readonly || !!props.disabled }}
      errors={flatErrors(props.errorSchema)}
      onChange={(next) => props.onChange(next, props.fieldPathId.path)} />
  );
}
