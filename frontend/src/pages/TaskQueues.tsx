import { useMemo, useState } from "react";
import { api, ApiError, optional, query } from "../api/client";
import type { SlaWeek, TaskQueue } from "../api/types";
import { SlaChart } from "../components/SlaChart";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { formatDate, formatNumber } from "../lib/format";
import {
  formatShare, reportByQueue, reportRange, targetMinutes, targetParts, timeZones, weekdayNames, weekdaysText,
  type TargetUnit,
} from "../lib/sla";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

const WEEKS = 12;

/** Task queues: each queue's open hours and response target (admins edit, everyone
 * else reads), and how many tasks each queue did within its target, week by week. */
export function TaskQueues() {
  const me = useMe();
  const editable = can(me, "queues.manage");
  const queues = useApi((signal) => optional(api.get<TaskQueue[]>("task-queues/", signal)), []);
  const title = t("taskQueues.title");

  return (
    <>
      <div className="page-head">
        <h1>{title}</h1>
        <p className="muted">{t("taskQueues.intro")}</p>
        {!editable && <p className="state notice">{t("taskQueues.readOnly")}</p>}
      </div>
      {queues.error ? (
        <ErrorMessage error={queues.error} onRetry={queues.reload} />
      ) : queues.data === undefined ? (
        <Loading />
      ) : queues.data === null ? (
        <EmptyState title={t("taskQueues.unavailable")} />
      ) : (
        <div className="stack">
          {queues.data.length === 0 && <EmptyState title={t("taskQueues.none")}>{t("taskQueues.noneBody")}</EmptyState>}
          {queues.data.map((queue, index) => (
            <QueueCard key={queue.name} queue={queue} id={`queue-${index}`} editable={editable} />
          ))}
          {editable && <NewQueue onCreated={queues.reload} />}
        </div>
      )}
      <SlaReport />
    </>
  );
}

type Form = { timezone: string; weekdays: number[]; opens: string; closes: string; target: string; unit: TargetUnit };

function formOf(queue: TaskQueue): Form {
  const { value, unit } = targetParts(queue.response_target_minutes);
  return {
    timezone: queue.timezone ?? "UTC", weekdays: queue.weekdays ?? [0, 1, 2, 3, 4],
    opens: queue.opens ?? "09:00", closes: queue.closes ?? "17:00", target: value, unit,
  };
}

/** Errors the API named for a field (`errors[].field`, e.g. `weekdays` or `weekdays.0`). */
function errorsFor(error: Error | null, ...names: string[]) {
  if (!(error instanceof ApiError)) return null;
  const found = error.errors.filter((e) => names.some((name) => e.field === name || e.field.startsWith(`${name}.`)));
  return found.map((e) => <p key={e.field + e.message} className="field-error">{e.message}</p>);
}

/** What a target reads as: "4 hours", "90 minutes". */
function targetText(minutes: number | null | undefined): string {
  if (!minutes) return t("taskQueues.noTarget");
  const { value, unit } = targetParts(minutes);
  return t(`taskQueues.within.${unit}`, { count: Number(value) });
}

function QueueCard({ queue, id, editable }: { queue: TaskQueue; id: string; editable: boolean }) {
  const [current, setCurrent] = useState(queue);
  const [form, setForm] = useState<Form>(() => formOf(queue));
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const zones = useMemo(() => timeZones(queue.timezone), [queue.timezone]);
  const days = weekdayNames();
  const set = <K extends keyof Form>(field: K, value: Form[K]) => { setSaved(false); setForm({ ...form, [field]: value }); };
  const other = error instanceof ApiError
    ? error.errors.filter((e) => !["timezone", "weekdays", "opens", "closes", "response_target_minutes"].some((f) => e.field === f || e.field.startsWith(`${f}.`)))
    : [];

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const body = {
        timezone: form.timezone, weekdays: form.weekdays, opens: form.opens, closes: form.closes,
        response_target_minutes: targetMinutes(form.target, form.unit),
      };
      const result = await api.patch<TaskQueue>(`task-queues/${encodeURIComponent(queue.name)}/`, body);
      setCurrent(result);
      setForm(formOf(result));
      setSaved(true);
    } catch (e) {
      setError(e as Error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card queue" aria-labelledby={`${id}-name`}>
      <h2 id={`${id}-name`}>{queue.name}</h2>
      <p className="muted">
        {t("taskQueues.summary", {
          days: weekdaysText(current.weekdays ?? []), opens: current.opens, closes: current.closes,
          zone: current.timezone, target: targetText(current.response_target_minutes),
        })}
      </p>
      <form onSubmit={(e) => { e.preventDefault(); void save(); }} aria-label={t("taskQueues.formLabel", { queue: queue.name })} className="queue-form">
        <div className="form-row">
          <label htmlFor={`${id}-zone`}>{t("taskQueues.timezone")}</label>
          <select id={`${id}-zone`} value={form.timezone} disabled={!editable} onChange={(e) => set("timezone", e.target.value)}>
            {zones.map((zone) => <option key={zone} value={zone}>{zone.replace(/_/g, " ")}</option>)}
          </select>
          {errorsFor(error, "timezone")}
        </div>
        <fieldset className="form-row weekdays">
          <legend>{t("taskQueues.weekdays")}</legend>
          <div className="checkboxes">
            {days.map((name, day) => (
              <label key={day} className="checkbox">
                <input type="checkbox" checked={form.weekdays.includes(day)} disabled={!editable}
                  onChange={(e) => set("weekdays", e.target.checked ? [...form.weekdays, day].sort((a, b) => a - b) : form.weekdays.filter((d) => d !== day))} />
                {name}
              </label>
            ))}
          </div>
          {errorsFor(error, "weekdays")}
        </fieldset>
        <div className="hours">
          <div className="form-row">
            <label htmlFor={`${id}-opens`}>{t("taskQueues.opens")}</label>
            <input id={`${id}-opens`} type="time" value={form.opens} disabled={!editable} onChange={(e) => set("opens", e.target.value)} />
            {errorsFor(error, "opens")}
          </div>
          <div className="form-row">
            <label htmlFor={`${id}-closes`}>{t("taskQueues.closes")}</label>
            <input id={`${id}-closes`} type="time" value={form.closes} disabled={!editable} onChange={(e) => set("closes", e.target.value)} />
            {errorsFor(error, "closes")}
          </div>
        </div>
        <div className="form-row">
          <label htmlFor={`${id}-target`}>{t("taskQueues.target")}</label>
          <div className="target-inputs">
            <input id={`${id}-target`} type="number" min={1} step="any" className="narrow" value={form.target} disabled={!editable}
              aria-describedby={`${id}-target-help`} onChange={(e) => set("target", e.target.value)} />
            <select aria-label={t("taskQueues.unit")} value={form.unit} disabled={!editable} onChange={(e) => set("unit", e.target.value as TargetUnit)}>
              <option value="minutes">{t("taskQueues.units.minutes")}</option>
              <option value="hours">{t("taskQueues.units.hours")}</option>
            </select>
          </div>
          <p id={`${id}-target-help`} className="muted small">{t("taskQueues.targetHelp")}</p>
          {errorsFor(error, "response_target_minutes")}
        </div>
        {error && (!(error instanceof ApiError) || error.errors.length === 0 || other.length > 0) && <ErrorMessage error={error} />}
        {saved && <p className="state notice" role="status">{t("taskQueues.saved", { queue: queue.name })}</p>}
        {editable && (
          <button type="submit" className="button" disabled={saving}>
            {saving ? t("taskQueues.saving") : t("taskQueues.save")}<span className="visually-hidden"> {queue.name}</span>
          </button>
        )}
      </form>
    </section>
  );
}

/** Give a queue its own settings (a queue tasks already use, or a new one). */
function NewQueue({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const add = async () => {
    setError(null);
    try {
      await api.post<TaskQueue>("task-queues/", { name: name.trim() });
      setName("");
      onCreated();
    } catch (e) {
      setError(e as Error);
    }
  };
  const named = errorsFor(error, "name");
  return (
    <section className="card" aria-labelledby="new-queue">
      <h2 id="new-queue">{t("taskQueues.addTitle")}</h2>
      <p className="muted">{t("taskQueues.addHelp")}</p>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void add(); }}>
        <label htmlFor="new-queue-name">{t("taskQueues.name")}</label>
        <input id="new-queue-name" value={name} className="mono" onChange={(e) => setName(e.target.value)} required />
        <button type="submit" className="button">{t("taskQueues.add")}</button>
      </form>
      {named}
      {error && !named?.length && <ErrorMessage error={error} />}
    </section>
  );
}

/** The weekly report: per queue, the share of tasks done within target per week (a chart
 * and the numbers in a table). */
function SlaReport() {
  const range = useMemo(() => reportRange(new Date(), WEEKS), []);
  const report = useApi((signal) => optional(api.get<SlaWeek[]>(`reports/task-sla${query(range)}`, signal)), [range]);
  const queues = report.data ? reportByQueue(report.data, range) : [];
  return (
    <section className="card sla-report" aria-labelledby="sla-report">
      <h2 id="sla-report">{t("taskQueues.reportTitle")}</h2>
      <p className="muted">{t("taskQueues.reportIntro", { count: WEEKS })}</p>
      {report.error ? (
        <ErrorMessage error={report.error} onRetry={report.reload} />
      ) : report.data === undefined ? (
        <Loading />
      ) : queues.length === 0 ? (
        <EmptyState title={t("taskQueues.reportEmpty", { count: WEEKS })} />
      ) : (
        queues.map((queue, index) => (
          <section key={queue.queue} aria-labelledby={`report-${index}`} className="sla-queue">
            <h3 id={`report-${index}`}>
              {queue.queue}{" "}
              <span className="muted">{queue.share === null
                ? t("taskQueues.undecided")
                : t("taskQueues.overall", { share: formatShare(queue.share), met: formatNumber(queue.met), count: queue.met + queue.missed, total: formatNumber(queue.met + queue.missed) })}</span>
            </h3>
            <SlaChart queue={queue} />
            <table className="list compact">
              <caption className="visually-hidden">{t("taskQueues.tableCaption", { queue: queue.queue })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("taskQueues.week")}</th>
                  <th scope="col" className="num">{t("taskQueues.met")}</th>
                  <th scope="col" className="num">{t("taskQueues.missed")}</th>
                  <th scope="col" className="num">{t("taskQueues.pending")}</th>
                  <th scope="col" className="num">{t("taskQueues.share")}</th>
                </tr>
              </thead>
              <tbody>
                {queue.weeks.filter((w) => w.met + w.missed + w.pending > 0).map((w) => (
                  <tr key={w.week}>
                    <td>{t("taskQueues.weekOf", { date: formatDate(w.week) })}</td>
                    <td className="num">{formatNumber(w.met)}</td>
                    <td className="num">{formatNumber(w.missed)}</td>
                    <td className="num">{formatNumber(w.pending)}</td>
                    <td className="num">{formatShare(w.share_met)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))
      )}
    </section>
  );
}
