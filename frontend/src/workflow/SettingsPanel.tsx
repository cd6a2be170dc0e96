// The workflow's settings (re-entry, active runs per customer, goal, throttle, costs),
// edited with the draft and saved with it (PUT /workflows/{id} `settings`). Server errors
// name `settings.<field>`: each is shown under the field it names.
import type { ApiFieldError, WorkflowDetail } from "../api/types";
import { ConditionBuilder } from "../components/ConditionBuilder";
import { t } from "../i18n";

export type WorkflowSettings = WorkflowDetail["settings"];
type Costs = NonNullable<WorkflowSettings["costs"]>;
type Throttle = NonNullable<WorkflowSettings["throttle"]>;

/** The cost fields, in order; each one's label is `canvas.settings.cost.<key>`. */
export const COST_FIELDS: { key: Exclude<keyof Costs, "currency" | "use_clv"> }[] = [
  { key: "email" },
  { key: "sms" },
  { key: "call_task" },
  { key: "agent_minute" },
  { key: "task_minutes" },
  { key: "free_shipping" },
  { key: "retained_customer_value" },
];

/** The messages of the errors on `path` (e.g. "re_entry.period_days") or inside it. */
export function settingsErrorsAt(errors: ApiFieldError[], path: string): string[] {
  const field = `settings.${path}`;
  return errors.filter((e) => e.field === field || e.field.startsWith(`${field}.`)).map((e) => e.message);
}

/** A refused save's errors: those about the settings (shown in this panel) and the rest
 * (graph, nodes: shown on the canvas). */
export function saveErrorsSplit(errors: ApiFieldError[]): { settings: ApiFieldError[]; rest: ApiFieldError[] } {
  const isSettings = (e: ApiFieldError) => e.field === "settings" || e.field.startsWith("settings.");
  return { settings: errors.filter(isSettings), rest: errors.filter((e) => !isSettings(e)) };
}

/** Errors that name no field this panel shows (listed at its top). */
export function settingsErrorsElsewhere(errors: ApiFieldError[], shown: string[]): ApiFieldError[] {
  return errors.filter((e) => !shown.some((path) => e.field === `settings.${path}` || e.field.startsWith(`settings.${path}.`)));
}

// An example property name in the empty field: a name of data, the same in every language.
const VALUE_PROPERTY_EXAMPLE = "amount";

const SHOWN = ["re_entry.policy", "re_entry.period_days", "re_entry", "max_active_runs_per_customer",
  "control_percent", "goal.event_type", "goal.condition", "goal.value_property", "goal.within_days", "goal", "throttle.runs_per_minute",
  "throttle.max_concurrent_runs", "costs.currency", ...COST_FIELDS.map((f) => `costs.${f.key}`)];

/** "" -> null, else a whole number (NaN stays as typed so the server names it). */
function intOrNull(text: string): number | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : (text as unknown as number);
}

function Errors({ messages, id }: { messages: string[]; id: string }) {
  if (!messages.length) return null;
  return <>{messages.map((m, i) => <p key={i} id={i === 0 ? id : undefined} className="field-error" role="alert">{m}</p>)}</>;
}

type Props = {
  settings: WorkflowSettings;
  errors: ApiFieldError[];
  readOnly: boolean;
  onChange: (next: WorkflowSettings) => void;
  onClose: () => void;
};

export function SettingsPanel({ settings, errors, readOnly, onChange, onClose }: Props) {
  const reEntry = settings.re_entry ?? { policy: "once" as const };
  // Settings saved before the report named the goal's window `window_days`.
  const savedGoal = settings.goal as (NonNullable<WorkflowSettings["goal"]> & { window_days?: number | null }) | null | undefined;
  const goal = savedGoal ? { ...savedGoal, within_days: savedGoal.within_days ?? savedGoal.window_days ?? null } : null;
  if (goal) delete goal.window_days;
  const throttle: Throttle = settings.throttle ?? {};
  const costs: Costs = settings.costs ?? { currency: "EUR" };
  const at = (path: string) => settingsErrorsAt(errors, path);
  // A field's own errors (not those of fields inside it, which are shown on those).
  const own = (path: string) => errors.filter((e) => e.field === `settings.${path}`).map((e) => e.message);
  const other = settingsErrorsElsewhere(errors, SHOWN);
  const described = (path: string, messages: string[]) => (messages.length ? `err-${path}` : undefined);

  const periodErrors = [...at("re_entry.period_days"), ...own("re_entry")];
  const activeErrors = at("max_active_runs_per_customer");
  const goalTypeErrors = [...at("goal.event_type"), ...own("goal")];
  const controlErrors = at("control_percent");

  return (
    <section className="drawer settings-panel" aria-label={t("canvas.settings.title")}>
      <header>
        <h2>{t("canvas.settings.title")}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t("canvas.settings.close")}>×</button>
      </header>
      <p className="muted">{t("canvas.settings.intro")}</p>
      {other.length > 0 && (
        <ul className="issues" role="alert">
          {other.map((e, i) => <li key={i}><code>{e.field}</code>: {e.message}</li>)}
        </ul>
      )}
      <fieldset disabled={readOnly} className="settings-grid">
        <fieldset>
          <legend>{t("canvas.settings.entering")}</legend>
          <div className="form-row">
            <label htmlFor="settings-re-entry">{t("canvas.settings.mayEnter")}</label>
            <select id="settings-re-entry" value={reEntry.policy}
              onChange={(e) => {
                const policy = e.target.value as typeof reEntry.policy;
                onChange({ ...settings, re_entry: { policy, period_days: policy === "once_per_period" ? reEntry.period_days ?? 30 : null } });
              }}>
              <option value="once">{t("canvas.settings.once")}</option>
              <option value="once_per_period">{t("canvas.settings.oncePerPeriod")}</option>
              <option value="always">{t("canvas.settings.always")}</option>
            </select>
            <Errors messages={at("re_entry.policy")} id="err-re_entry.policy" />
          </div>
          {reEntry.policy === "once_per_period" && (
            <div className="form-row">
              <label htmlFor="settings-period-days">{t("canvas.settings.periodDays")}</label>
              <input id="settings-period-days" type="number" min={1} max={3650} value={reEntry.period_days ?? ""}
                aria-invalid={periodErrors.length > 0} aria-describedby={described("re_entry.period_days", periodErrors)}
                onChange={(e) => onChange({ ...settings, re_entry: { ...reEntry, period_days: intOrNull(e.target.value) } })} />
              <Errors messages={periodErrors} id="err-re_entry.period_days" />
            </div>
          )}
          <div className="form-row">
            <label htmlFor="settings-max-active">{t("canvas.settings.maxActive")}</label>
            <input id="settings-max-active" type="number" min={1} max={100} value={settings.max_active_runs_per_customer ?? 1}
              aria-invalid={activeErrors.length > 0} aria-describedby={described("max_active_runs_per_customer", activeErrors)}
              onChange={(e) => onChange({ ...settings, max_active_runs_per_customer: intOrNull(e.target.value) ?? (e.target.value as unknown as number) })} />
            <Errors messages={activeErrors} id="err-max_active_runs_per_customer" />
          </div>
        </fieldset>

        <fieldset>
          <legend>{t("settingsReport.legend")}</legend>
          <div className="form-row">
            <label htmlFor="settings-control-percent">{t("settingsReport.controlPercent")}</label>
            <input id="settings-control-percent" type="number" min={0} max={50} value={settings.control_percent ?? 0}
              aria-invalid={controlErrors.length > 0} aria-describedby={described("control_percent", controlErrors) ?? "settings-control-hint"}
              onChange={(e) => onChange({ ...settings, control_percent: intOrNull(e.target.value) ?? 0 })} />
            <p className="muted" id="settings-control-hint">{t("settingsReport.controlHint")}</p>
            <Errors messages={controlErrors} id="err-control_percent" />
          </div>
        </fieldset>

        <fieldset>
          <legend>{t("canvas.settings.goal")}</legend>
          <p className="muted">{t("canvas.settings.goalIntro")}</p>
          <div className="form-row">
            <label htmlFor="settings-goal-event">{t("canvas.settings.goalEvent")}</label>
            <input id="settings-goal-event" type="text" value={goal?.event_type ?? ""} placeholder={t("canvas.settings.goalPlaceholder")}
              aria-invalid={goalTypeErrors.length > 0} aria-describedby={described("goal.event_type", goalTypeErrors)}
              onChange={(e) => {
                const eventType = e.target.value.trim();
                onChange({ ...settings, goal: eventType ? { condition: null, value_property: null, within_days: null, ...goal, event_type: eventType } : null });
              }} />
            <Errors messages={goalTypeErrors} id="err-goal.event_type" />
          </div>
          {goal && (
            <>
              <ConditionBuilder idPrefix="settings-goal-condition" label={t("canvas.settings.onlyWhen")} value={goal.condition ?? undefined}
                disabled={readOnly}
                onChange={(value) => {
                  const empty = !value || Object.keys(value).length === 0 || (Array.isArray((value as { all?: unknown[] }).all) && !(value as { all: unknown[] }).all.length && Object.keys(value).length === 1);
                  onChange({ ...settings, goal: { ...goal, condition: empty ? null : (value as Record<string, unknown>) } });
                }} />
              <Errors messages={at("goal.condition")} id="err-goal.condition" />
              <div className="form-row">
                <label htmlFor="settings-goal-window">{t("settingsReport.goalWithin")}</label>
                <input id="settings-goal-window" type="number" min={1} max={3650} value={goal.within_days ?? ""}
                  aria-invalid={at("goal.within_days").length > 0} aria-describedby={described("goal.within_days", at("goal.within_days"))}
                  onChange={(e) => onChange({ ...settings, goal: { ...goal, within_days: intOrNull(e.target.value) } })} />
                <Errors messages={at("goal.within_days")} id="err-goal.within_days" />
              </div>
              <div className="form-row">
                <label htmlFor="settings-goal-value">{t("settingsReport.goalValue")}</label>
                <input id="settings-goal-value" type="text" maxLength={64} value={goal.value_property ?? ""} placeholder={VALUE_PROPERTY_EXAMPLE}
                  aria-invalid={at("goal.value_property").length > 0} aria-describedby={described("goal.value_property", at("goal.value_property"))}
                  onChange={(e) => onChange({ ...settings, goal: { ...goal, value_property: e.target.value.trim() || null } })} />
                <Errors messages={at("goal.value_property")} id="err-goal.value_property" />
              </div>
            </>
          )}
        </fieldset>

        <fieldset>
          <legend>{t("canvas.settings.throttle")}</legend>
          <div className="form-row">
            <label htmlFor="settings-runs-per-minute">{t("canvas.settings.runsPerMinute")}</label>
            <input id="settings-runs-per-minute" type="number" min={1} value={throttle.runs_per_minute ?? ""}
              onChange={(e) => onChange({ ...settings, throttle: { ...throttle, runs_per_minute: intOrNull(e.target.value) } })} />
            <Errors messages={at("throttle.runs_per_minute")} id="err-throttle.runs_per_minute" />
          </div>
          <div className="form-row">
            <label htmlFor="settings-max-concurrent">{t("canvas.settings.maxConcurrent")}</label>
            <input id="settings-max-concurrent" type="number" min={1} value={throttle.max_concurrent_runs ?? ""}
              onChange={(e) => onChange({ ...settings, throttle: { ...throttle, max_concurrent_runs: intOrNull(e.target.value) } })} />
            <Errors messages={at("throttle.max_concurrent_runs")} id="err-throttle.max_concurrent_runs" />
          </div>
        </fieldset>

        <fieldset>
          <legend>{t("canvas.settings.costs")}</legend>
          <div className="form-row">
            <label htmlFor="settings-currency">{t("canvas.settings.currency")}</label>
            <input id="settings-currency" type="text" maxLength={3} value={costs.currency ?? "EUR"}
              onChange={(e) => onChange({ ...settings, costs: { ...costs, currency: e.target.value.toUpperCase() } })} />
            <Errors messages={at("costs.currency")} id="err-costs.currency" />
          </div>
          {COST_FIELDS.map((f) => (
            <div className="form-row" key={f.key}>
              <label htmlFor={`settings-cost-${f.key}`}>{t(`canvas.settings.cost.${f.key}`)}</label>
              <input id={`settings-cost-${f.key}`} type="text" inputMode="decimal" value={costs[f.key] ?? ""} placeholder="0.00"
                onChange={(e) => {
                  const next: Costs = { ...costs, [f.key]: e.target.value.trim() };
                  if (!next[f.key]) delete next[f.key]; // empty: the default, 0
                  onChange({ ...settings, costs: next });
                }} />
              <Errors messages={at(`costs.${f.key}`)} id={`err-costs.${f.key}`} />
            </div>
          ))}
          <div className="form-row">
            <label>
              <input type="checkbox" checked={costs.use_clv ?? true}
                onChange={(e) => onChange({ ...settings, costs: { ...costs, use_clv: e.target.checked } })} />
              {" "}{t("canvas.settings.cost.use_clv")}
            </label>
          </div>
        </fieldset>
      </fieldset>
    </section>
  );
}
