// A Liquid template input: a variable picker that inserts {{ path }} at the cursor, and a
// live preview rendered by the server against the chosen customer (with the SMS size).
import { useEffect, useId, useRef, useState } from "react";
import { api } from "../api/client";
import type { TemplatePreview, TemplateVariable } from "../api/types";
import { t } from "../i18n";

export type LiquidContext = {
  channel: "sms" | "email" | "text";
  customerId: string;
  variables: TemplateVariable[];
  readOnly: boolean;
  /** Format as for this locale (a language variant's tab); else the customer's own. */
  locale?: string;
};

type Props = {
  id: string;
  label: string;
  value: string;
  multiline: boolean;
  required?: boolean;
  onChange: (value: string) => void;
  context: LiquidContext;
  invalid?: boolean;
};

export function LiquidField({ id, label, value, multiline, required, onChange, context, invalid }: Props) {
  const ref = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const pickerId = useId();
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [previewError, setPreviewError] = useState("");

  useEffect(() => {
    if (!context.customerId || !value) {
      setPreview(null);
      setPreviewError("");
      return;
    }
    let cancelled = false;
    const timer = setTimeout(() => {
      api.post<TemplatePreview>("templates/preview", { template: value, customer_id: context.customerId, channel: context.channel, ...(context.locale ? { locale: context.locale } : {}) })
        .then((result) => { if (!cancelled) { setPreview(result); setPreviewError(""); } })
        .catch((error: Error) => { if (!cancelled) { setPreview(null); setPreviewError(error.message); } });
    }, 350);
    return () => { cancelled = true; clearTimeout(timer); };
  }, [value, context.customerId, context.channel, context.locale]);

  const insert = (path: string) => {
    if (!path) return;
    const text = `{{ ${path} }}`;
    const input = ref.current;
    const start = input?.selectionStart ?? value.length;
    const end = input?.selectionEnd ?? value.length;
    const next = value.slice(0, start) + text + value.slice(end);
    onChange(next);
    requestAnimationFrame(() => {
      input?.focus();
      input?.setSelectionRange(start + text.length, start + text.length);
    });
  };

  const common = {
    id,
    ref,
    value,
    required,
    readOnly: context.readOnly,
    "aria-invalid": invalid || undefined,
    "aria-describedby": `${id}-preview`,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value),
    spellCheck: true,
  };

  return (
    <div className="liquid">
      {multiline ? <textarea rows={5} {...common} /> : <input type="text" {...common} />}
      <div className="liquid-tools">
        <label htmlFor={pickerId}>{t("canvas.liquid.insert")}</label>
        <select id={pickerId} value="" disabled={context.readOnly} onChange={(e) => insert(e.target.value)}>
          <option value="">{t("canvas.liquid.choose")}</option>
          {context.variables.map((v) => (
            <option key={v.path} value={v.path}>{v.path} — {v.description}</option>
          ))}
        </select>
      </div>
      <div id={`${id}-preview`} className="liquid-preview" aria-live="polite" aria-label={t("canvas.liquid.preview", { label })}>
        {!context.customerId ? (
          <p className="muted">{t("canvas.liquid.chooseCustomer")}</p>
        ) : previewError ? (
          <p className="field-error">{t("canvas.liquid.failed", { error: previewError })}</p>
        ) : preview ? (
          <>
            {preview.errors.map((e, i) => (
              <p key={`e${i}`} className="field-error">{e.line ? t("canvas.liquid.atLine", { message: e.message, line: e.line }) : e.message}</p>
            ))}
            {preview.warnings.map((w, i) => (
              <p key={`w${i}`} className="field-warning">{w.message}</p>
            ))}
            {preview.rendered !== null && <div className="liquid-rendered">{preview.rendered}</div>}
            {preview.sms && (
              <p className="muted sms-size" data-testid="sms-size">
                {t("canvas.liquid.smsSize", { characters: preview.sms.characters, encoding: preview.sms.encoding, count: preview.sms.segments })}
              </p>
            )}
          </>
        ) : (
          <p className="muted">{t("canvas.liquid.loading")}</p>
        )}
      </div>
    </div>
  );
}
