import { useEffect, useState } from "react";
import { api, ApiError } from "../api/client";
import type { InsightsSettings, SettingsPreview } from "../api/types";
import { ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { formatDateTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

const SIGNALS = ["contract_end", "feedback", "complaints", "inactivity", "cancellation"] as const;
type Signal = (typeof SIGNALS)[number];
type Form = Omit<InsightsSettings, "updated_at" | "updated_by">;
type NumberField = { [K in keyof Form]: Form[K] extends number ? K : never }[keyof Form];
type TextField = { [K in keyof Form]: Form[K] extends string ? K : never }[keyof Form];

/** Where each signal's own settings are, shown under its weight. */
const SIGNAL_FIELDS: Record<Signal, { field: NumberField | TextField; label: string; kind: "number" | "text"; step?: "any" }[]> = {
  contract_end: [{ field: "contract_horizon_days", label: "horizonDays", kind: "number" }],
  feedback: [
    { field: "feedback_event", label: "feedbackEvent", kind: "text" },
    { field: "feedback_field", label: "feedbackField", kind: "text" },
    { field: "feedback_scale", label: "feedbackScale", kind: "number" },
  ],
  complaints: [
    { field: "complaint_event", label: "complaintEvent", kind: "text" },
    { field: "complaint_window_days", label: "complaintWindow", kind: "number" },
    { field: "complaints_full", label: "complaintsFull", kind: "number" },
  ],
  inactivity: [
    { field: "inactivity_full_ratio", label: "inactivityRatio", kind: "number", step: "any" },
    { field: "default_rhythm_days", label: "defaultRhythm", kind: "number" },
  ],
  cancellation: [
    { field: "cancellation_event", label: "cancellationEvent", kind: "text" },
    { field: "cancellation_window_days", label: "cancellationWindow", kind: "number" },
  ],
};

function formOf(settings: InsightsSettings): Form {
  const { updated_at: _at, updated_by: _by, ...form } = settings;
  return { ...form, weights: { ...form.weights }, tiers: form.tiers.map((tier) => ({ ...tier })) };
}

/** The churn score settings: the contract customers' rule score (which attribute, each
 * signal's weight and source), the crossing thresholds and the value tiers. Admins edit;
 * everyone else reads. A preview counts the contract customers the weights put at risk. */
export function ChurnSettings() {
  const me = useMe();
  const editable = can(me, "insights.manage");
  const loaded = useApi((signal) => api.get<InsightsSettings>("insights/settings", signal), []);
  const [form, setForm] = useState<Form | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<InsightsSettings | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const preview = usePreview(form);

  useEffect(() => { if (loaded.data) setForm(formOf(loaded.data)); }, [loaded.data]);

  if (loaded.error) return <><h1>{t("churnSettings.title")}</h1><ErrorMessage error={loaded.error} onRetry={loaded.reload} /></>;
  if (!form || !loaded.data) return <><h1>{t("churnSettings.title")}</h1><Loading /></>;
  const current = saved ?? loaded.data;

  const set = <K extends keyof Form>(field: K, value: Form[K]) => { setSaved(null); setForm({ ...form, [field]: value }); };
  const fieldErrors = (name: string) =>
    error instanceof ApiError ? error.errors.filter((e) => e.field === name || e.field.startsWith(`${name}.`)) : [];
  const errorsOf = (name: string) => fieldErrors(name).map((e) => <p key={e.field + e.message} className="field-error">{e.message}</p>);
  const totalWeight = SIGNALS.reduce((sum, s) => sum + (Number(form.weights[s]) || 0), 0);

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const result = await api.put<InsightsSettings>("insights/settings", form);
      setSaved(result);
      setForm(formOf(result));
    } catch (e) {
      setError(e as Error);
    } finally {
      setSaving(false);
    }
  };

  const numberInput = (field: NumberField, label: string, step: number | "any" = 1, min = 0, max?: number) => (
    <div className="form-row" key={field}>
      <label htmlFor={`s-${field}`}>{label}</label>
      <input id={`s-${field}`} type="number" step={step} min={min} max={max} value={form[field]} disabled={!editable}
        onChange={(e) => set(field, e.target.value === "" ? (NaN as never) : (Number(e.target.value) as never))} />
      {errorsOf(field)}
    </div>
  );
  const textInput = (field: TextField, label: string, help?: string) => (
    <div className="form-row" key={field}>
      <label htmlFor={`s-${field}`}>{label}</label>
      <input id={`s-${field}`} value={form[field]} disabled={!editable} onChange={(e) => set(field, e.target.value as never)} className="mono" />
      {help && <p className="muted small">{help}</p>}
      {errorsOf(field)}
    </div>
  );

  return (
    <>
      <div className="page-head">
        <h1>{t("churnSettings.title")}</h1>
        <p className="muted">{t("churnSettings.intro")}</p>
        {!editable && <p className="state notice">{t("churnSettings.readOnly")}</p>}
      </div>
      <form onSubmit={(e) => { e.preventDefault(); void save(); }} aria-label={t("churnSettings.title")} className="stack settings-form">
        <section className="card" aria-labelledby="rules">
          <h2 id="rules">{t("churnSettings.rulesTitle")}</h2>
          <p>{t("churnSettings.rulesIntro", { attribute: form.contract_attribute || "…" })}</p>
          {textInput("contract_attribute", t("churnSettings.contractAttribute"), t("churnSettings.contractAttributeHelp"))}
          <h3>{t("churnSettings.weightsTitle")}</h3>
          <p className="muted">{t("churnSettings.weightsHelp")}</p>
          {fieldErrors("weights").filter((e) => e.field === "weights").map((e) => <p key={e.message} className="field-error">{e.message}</p>)}
          <div className="weights">
            {SIGNALS.map((signal) => {
              const weight = Number(form.weights[signal]) || 0;
              const percent = totalWeight > 0 ? Math.round((weight / totalWeight) * 100) : 0;
              const setWeight = (value: string) => set("weights", { ...form.weights, [signal]: value === "" ? NaN : Number(value) });
              return (
                <fieldset key={signal} className="weight">
                  <legend>{t(`churnSettings.signal.${signal}`)}</legend>
                  <p className="muted small">{t(`churnSettings.signalHelp.${signal}`)}</p>
                  <div className="weight-inputs">
                    <input type="range" min={0} max={1} step={0.05} value={Math.min(weight, 1)} disabled={!editable}
                      aria-label={t("churnSettings.weightLabel", { signal: t(`churnSettings.signal.${signal}`) })}
                      onChange={(e) => setWeight(e.target.value)} />
                    <input type="number" min={0} max={100} step="any" value={Number.isNaN(form.weights[signal]) ? "" : form.weights[signal]} disabled={!editable}
                      aria-label={t("churnSettings.weightLabel", { signal: t(`churnSettings.signal.${signal}`) })}
                      onChange={(e) => setWeight(e.target.value)} className="narrow" />
                    <span className="muted">{t("churnSettings.share", { percent })}</span>
                  </div>
                  {fieldErrors(`weights.${signal}`).map((e) => <p key={e.message} className="field-error">{e.message}</p>)}
                  <div className="signal-fields">
                    {SIGNAL_FIELDS[signal].map(({ field, label, kind, step }) =>
                      kind === "number"
                        ? numberInput(field as NumberField, t(`churnSettings.${label}`), step ?? 1, 1)
                        : textInput(field as TextField, t(`churnSettings.${label}`)))}
                  </div>
                </fieldset>
              );
            })}
          </div>
        </section>

        <section className="card" aria-labelledby="alerts">
          <h2 id="alerts">{t("churnSettings.alertsTitle")}</h2>
          <p className="muted">{t("churnSettings.alertsIntro")}</p>
          <div className="signal-fields">
            {numberInput("churn_score_threshold", t("churnSettings.churnThreshold"), "any", 0, 1)}
            {numberInput("p_alive_threshold", t("churnSettings.pAliveThreshold"), "any", 0, 1)}
          </div>
          <div className="state notice" aria-live="polite">
            <p className="state-title">{t("churnSettings.previewTitle")}</p>
            {preview && preview.contract_customers > 0 ? (
              <p>
                {t("churnSettings.preview", {
                  atRisk: preview.at_risk, total: preview.contract_customers,
                  threshold: preview.threshold.toFixed(2), now: preview.currently_at_risk,
                })}{" "}
                <span className="muted">{t("churnSettings.previewNote")}</span>
              </p>
            ) : preview ? <p>{t("churnSettings.previewEmpty")}</p> : null}
          </div>
        </section>

        <section className="card" aria-labelledby="tiers">
          <h2 id="tiers">{t("churnSettings.tiersTitle")}</h2>
          <p className="muted">{t("churnSettings.tiersIntro")}</p>
          {errorsOf("tiers")}
          <table className="list compact">
            <thead><tr><th scope="col">{t("churnSettings.tierName")}</th><th scope="col">{t("churnSettings.tierPercentile")}</th><th scope="col" /></tr></thead>
            <tbody>
              {form.tiers.map((tier, index) => (
                <tr key={index}>
                  <td><input aria-label={t("churnSettings.tierName")} value={tier.name} disabled={!editable} className="mono"
                    onChange={(e) => set("tiers", form.tiers.map((x, i) => (i === index ? { ...x, name: e.target.value } : x)))} /></td>
                  <td><input aria-label={t("churnSettings.tierPercentile")} type="number" min={0} max={1} step="any" value={tier.percentile} disabled={!editable} className="narrow"
                    onChange={(e) => set("tiers", form.tiers.map((x, i) => (i === index ? { ...x, percentile: Number(e.target.value) } : x)))} /></td>
                  <td>{editable && form.tiers.length > 1 && (
                    <button type="button" className="link-button" onClick={() => set("tiers", form.tiers.filter((_, i) => i !== index))}>
                      {t("churnSettings.removeTier", { name: tier.name })}
                    </button>
                  )}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {editable && (
            <button type="button" className="button secondary" onClick={() => set("tiers", [...form.tiers, { name: "", percentile: 0 }])}>
              {t("churnSettings.addTier")}
            </button>
          )}
        </section>

        {error && <ErrorMessage error={error} />}
        {saved && <p className="state notice" role="status">{t("churnSettings.saved")}</p>}
        <p className="muted">
          {current.updated_at
            ? t("churnSettings.updated", { when: formatDateTime(current.updated_at), who: current.updated_by ?? "—" })
            : t("churnSettings.neverSaved")}
        </p>
        {editable && (
          <p><button type="submit" className="button" disabled={saving}>{saving ? t("churnSettings.saving") : t("churnSettings.save")}</button></p>
        )}
      </form>
    </>
  );
}

/** The preview for the weights and threshold being edited, asked for 300 ms after the
 * last change; while they are invalid, the last valid preview stays (with its threshold). */
function usePreview(form: Form | null): (SettingsPreview & { threshold: number }) | null {
  const [preview, setPreview] = useState<(SettingsPreview & { threshold: number }) | null>(null);
  const key = form ? JSON.stringify([form.weights, form.churn_score_threshold]) : "";
  useEffect(() => {
    if (!form) return;
    let live = true;
    const timer = setTimeout(() => {
      api.post<SettingsPreview>("insights/settings/preview", { weights: form.weights, churn_score_threshold: form.churn_score_threshold })
        .then((result) => { if (live) setPreview({ ...result, threshold: form.churn_score_threshold }); },
          () => { /* invalid while typing: keep the last one */ });
    }, 300);
    return () => { live = false; clearTimeout(timer); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return preview;
}
