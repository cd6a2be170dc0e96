// Dry run (pick a customer and an event: the path lights up, each step's result is
// listed), live per-node counts on a published workflow, and a run inspector. The engine's
// endpoints may not be on this server yet: then each part says so instead of failing.
import { useEffect, useState } from "react";
import { api, optional, query } from "../api/client";
import type { CatalogEntry, DryRun, DryRunStep, Page, RunDetail, RunSummary, WorkflowCounts, WorkflowDetail } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { formatDateTime, formatTime } from "./dates";
import { entryFor } from "./graph";
import { PropertiesEditor } from "./PropertiesEditor";
import { stepSentence } from "./stepStory";
import { awaitedEventTypes, dryRunBody, triggerEventType, type LaterEventRow } from "./dryrun";
import { t } from "../i18n";
import { effectWords, stepMessageStatus, verdictWords, type Verdict } from "./outcomes";
import type { EditorStore } from "./store";

type Props = {
  workflow: WorkflowDetail;
  store: EditorStore;
  defaultCustomer: string;
  /** The live counts' state, polled by the editor: null before the first answer. */
  counts: WorkflowCounts | "missing" | null;
  onClose: () => void;
};

// Event types as examples in empty fields: names of data, the same in every language.
const EVENT_EXAMPLE = "feedback.submitted";
const LATER_EVENT_EXAMPLE = "message.replied";

/** A run's exit reason in words: the control group's is a code, the others are words. */
export function exitWords(reason: string): string {
  return reason === "held_out" ? t("runs.heldOut") : reason;
}

/** A run's state in words ("waiting"); a state this build does not know stays as sent. */
export function runStateWords(state: string): string {
  return t(`canvas.runState.${state}`, { defaultValue: state });
}

export function RunsPanel({ workflow, store, defaultCustomer, counts, onClose }: Props) {
  const [customer, setCustomer] = useState(defaultCustomer);
  const [eventType, setEventType] = useState(() => triggerEventType(store.getState().nodes, store.getState().catalog));
  const [properties, setProperties] = useState("{}");
  const [later, setLater] = useState<LaterEventRow[]>([]);
  const [asOf, setAsOf] = useState("");
  const [awaited] = useState(() => awaitedEventTypes(store.getState().nodes, store.getState().catalog));
  const [dry, setDry] = useState<DryRun | null | "missing">(null);
  const [dryError, setDryError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [runs, setRuns] = useState<RunSummary[] | null | "missing">(null);
  const [runsError, setRunsError] = useState<Error | null>(null);
  const [run, setRun] = useState<RunDetail | null>(null);
  const live = workflow.state === "published" || workflow.state === "paused";
  // The catalog entry of a step's node (its own version), else of its block type.
  const entryOf = (node: string, type: string): CatalogEntry | undefined => {
    const { nodes, catalog } = store.getState();
    const found = nodes.find((n) => n.id === node);
    return entryFor(catalog, found?.data ?? { type });
  };
  const titleOf = (node: string, type: string): string => {
    const found = store.getState().nodes.find((n) => n.id === node);
    const entry = entryOf(node, type);
    return found?.data.label || entry?.label || node;  // a block since removed: its kind, else its id
  };

  const loadRuns = () => {
    setRunsError(null);
    optional(api.get<Page<RunSummary> | RunSummary[]>(`runs/${query({ workflow: workflow.id, page_size: 50 })}`)).then(
      (data) => setRuns(data === null ? "missing" : Array.isArray(data) ? data : data.results),
      (e: Error) => setRunsError(e),
    );
  };
  useEffect(loadRuns, [workflow.id]); // eslint-disable-line react-hooks/exhaustive-deps

  const dryRun = async () => {
    setBusy(true);
    setDryError(null);
    try {
      const body = dryRunBody({ customer, eventType, properties, later, asOf });
      const result = await optional(api.post<DryRun>(`workflows/${workflow.id}/dry-run`, body));
      setDry(result ?? "missing");
      if (result) {
        const failed = result.steps.find((s) => /fail|error/i.test(s.outcome))?.node ?? null;
        const notSent = result.steps.filter((s) => s.message?.action === "suppress").map((s) => s.node);
        store.getState().setOverlay(result.path.length ? result.path : result.steps.map((s) => s.node), failed, notSent);
      }
    } catch (e) {
      setDryError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  const inspect = (id: number) =>
    api.get<RunDetail>(`runs/${id}/`).then(
      (data) => {
        setRun(data);
        const notSent = data.steps.filter((s) => stepMessageStatus(entryOf(s.node, s.block_type), s.detail)?.tone === "not-sent").map((s) => s.node);
        store.getState().setOverlay(data.steps.map((s) => s.node), data.failed_node || null, notSent);
      },
      (e: Error) => setRunsError(e),
    );

  return (
    <section className="drawer runs" aria-label={t("canvas.runs.label")}>
      <header>
        <h2>{t("canvas.runs.title")}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t("canvas.runs.close")}>×</button>
      </header>
      <div className="runs-columns">
        <form className="dry-run" onSubmit={(e) => { e.preventDefault(); void dryRun(); }}>
          <h3>{t("canvas.runs.dryTitle")} <span className="muted">{t("canvas.runs.dryNote")}</span></h3>
          <div className="form-row">
            <label htmlFor="dry-customer">{t("canvas.runs.customer")}</label>
            <input id="dry-customer" value={customer} onChange={(e) => setCustomer(e.target.value.trim())} required />
          </div>
          <div className="form-row">
            <label htmlFor="dry-event">{t("canvas.runs.eventType")}</label>
            <input id="dry-event" value={eventType} onChange={(e) => setEventType(e.target.value.trim())} placeholder={EVENT_EXAMPLE} />
          </div>
          {eventType && <PropertiesEditor idPrefix="dry-props" label={t("canvas.runs.eventSays")} eventType={eventType} value={properties} onChange={setProperties} />}
          <fieldset className="later-events">
            <legend>{t("canvas.runs.later")} <span className="muted">{t("canvas.runs.laterNote")}</span></legend>
            {later.map((row, i) => (
              <div className="later-event" key={i}>
                <label htmlFor={`dry-later-${i}-type`}>{t("canvas.runs.laterType", { number: i + 1 })}</label>
                <input id={`dry-later-${i}-type`} list="dry-awaited" value={row.type} placeholder={LATER_EVENT_EXAMPLE}
                  onChange={(e) => setLater(later.map((r, j) => (j === i ? { ...r, type: e.target.value } : r)))} />
                {row.type && <PropertiesEditor idPrefix={`dry-later-${i}-props`} label={t("canvas.runs.laterSays", { number: i + 1 })} eventType={row.type} value={row.properties}
                  onChange={(json) => setLater(later.map((r, j) => (j === i ? { ...r, properties: json } : r)))} />}
                <button type="button" className="link-button" onClick={() => setLater(later.filter((_, j) => j !== i))} aria-label={t("canvas.runs.removeLater", { number: i + 1 })}>{t("canvas.runs.remove")}</button>
              </div>
            ))}
            <datalist id="dry-awaited">{awaited.map((type) => <option key={type} value={type} />)}</datalist>
            <button type="button" className="link-button" onClick={() => setLater([...later, { type: awaited[0] ?? "", properties: "{}" }])}>{t("canvas.runs.addLater")}</button>
          </fieldset>
          <div className="form-row">
            <label htmlFor="dry-now">{t("canvas.runs.asOf")}</label>
            <input id="dry-now" type="datetime-local" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
          </div>
          <button type="submit" className="button" disabled={busy || !customer}>{busy ? t("canvas.running") : t("canvas.runs.dryRun")}</button>
          {dryError && <ErrorMessage error={dryError} />}
          {dry === "missing" && <EmptyState title={t("canvas.runs.dryMissing")}>{t("canvas.runs.dryMissingBody")}</EmptyState>}
          {dry && dry !== "missing" && (
            <div className="dry-result" data-testid="dry-run-result">
              <p>{t("canvas.runs.outcome")} <strong>{t(`canvas.dryOutcome.${dry.outcome}`, { defaultValue: dry.outcome })}</strong>{dry.error ? <span className="field-error"> {dry.error}</span> : null}</p>
              <Steps steps={dry.steps} titleOf={titleOf} entryOf={entryOf} />
              {dry.effects?.length > 0 && (
                <>
                  <h4>{t("effect.title")}</h4>
                  <ul>{dry.effects.map((effect, i) => (
                    <li key={i}>
                      {effectWords(effect as Record<string, unknown>)}
                      {(() => {
                        // The same words as the step: a message the guardrails stop is no "would do".
                        const verdict = dry.steps.find((step) => step.node === (effect as { node?: string }).node)?.message;
                        return verdict && verdict.action !== "send" ? <span className={`step-status tone-${verdictWords(verdict, formatDateTime).tone}`}>{verdictWords(verdict, formatDateTime).text}</span> : null;
                      })()}
                      <details className="muted step-detail"><summary>{t("effect.details")}</summary><code>{JSON.stringify(effect)}</code></details>
                    </li>
                  ))}</ul>
                </>
              )}
            </div>
          )}
        </form>
        <div className="run-list">
          <h3>{t("canvas.runs.runs")} {live && counts && counts !== "missing" ? <span className="muted">{t("canvas.runs.liveNote")}</span> : null}</h3>
          {live && counts === "missing" && <p className="muted">{t("canvas.runs.liveMissing")}</p>}
          {live && counts && counts !== "missing" && Object.keys(counts.runs).length > 0 && (
            <p className="muted" data-testid="run-states">{Object.entries(counts.runs).map(([state, n]) => t("canvas.runs.stateCount", { count: n, state: runStateWords(state) })).join(" · ")}</p>
          )}
          {runsError && <ErrorMessage error={runsError} onRetry={loadRuns} />}
          {runs === null && !runsError ? (
            <Loading label={t("canvas.runs.loading")} />
          ) : runs === "missing" ? (
            <EmptyState title={t("canvas.runs.missing")}>{t("canvas.runs.missingBody")}</EmptyState>
          ) : runs && runs.length === 0 ? (
            <EmptyState title={t("canvas.runs.none")}>{live ? t("canvas.runs.noneLive") : t("canvas.runs.noneDraft")}</EmptyState>
          ) : runs ? (
            <>
              <button type="button" className="link-button" onClick={loadRuns}>{t("canvas.runs.refresh")}</button>
              <ul className="runs-list">
                {runs.map((r) => (
                  <li key={r.id}>
                    <button type="button" className="link-button" onClick={() => void inspect(r.id)}>
                      {t("canvas.runs.line", { id: r.id, customer: r.customer, version: t("canvas.versionShort", { number: r.version }), state: runStateWords(r.state) })}{r.exit_reason === "held_out" ? ` · ${exitWords(r.exit_reason)}` : ""}{r.messages.map((m) => ` · ${m.outcome}`).join("")} · {formatDateTime(r.created_at)}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {run && (
            <div className="inspector" data-testid="run-inspector">
              <h4>{run.exit_reason ? t("canvas.runs.inspectorReason", { id: run.id, state: runStateWords(run.state), reason: exitWords(run.exit_reason) }) : t("canvas.runs.inspector", { id: run.id, state: runStateWords(run.state) })}{run.holdout === "split" ? ` · ${t("runs.splitHoldout")}` : ""}</h4>
              {run.error && <p className="field-error">{t("canvas.runs.failedAt", { node: run.failed_node, error: run.error })}</p>}
              {run.messages.length > 0 && (
                <ul className="run-messages" data-testid="run-messages">
                  {run.messages.map((m) => (
                    <li key={m.id} className={m.status === "suppressed" || m.status === "failed" || m.status === "bounced" ? "field-error" : ""}>
                      {t("canvas.runs.message", { channel: t(m.channel === "sms" ? "canvas.runs.text" : "canvas.runs.email"), node: m.node, outcome: m.outcome })}
                    </li>
                  ))}
                </ul>
              )}
              <Steps steps={run.steps.map((s) => ({ node: s.node, type: s.block_type, outcome: s.outcome, port: s.port, detail: s.error || s.detail, at: s.started_at }))} titleOf={titleOf} entryOf={entryOf} />
              {run.steps_truncated && <p className="muted">{t("canvas.runs.truncated")}</p>}
            </div>
          )}
        </div>
      </div>
    </section>
  );
}

type StepRow = DryRunStep & { at?: string; message?: Verdict };

/** The steps as a story: local time, the block's title, what happened in words; the
 * node id, block type, raw outcome and details behind a toggle. */
function Steps({ steps, titleOf, entryOf }: { steps: StepRow[]; titleOf: (node: string, type: string) => string; entryOf: (node: string, type: string) => CatalogEntry | undefined }) {
  if (!steps.length) return <p className="muted">{t("canvas.runs.noSteps")}</p>;
  return (
    <ol className="steps">
      {steps.map((s, i) => {
        // A message step says whether the message really went (or would): leaving by
        // `out` alone would read as sent even when the guardrails stopped it.
        const verdict = s.message ? verdictWords(s.message, formatDateTime) : null;
        const status = verdict ?? stepMessageStatus(entryOf(s.node, s.type), s.detail);
        const failed = /fail|error/i.test(s.outcome);
        const raw = s.detail === undefined || s.detail === null || s.detail === "" ? "" : typeof s.detail === "string" ? s.detail : JSON.stringify(s.detail);
        return (
          <li key={i} className={failed ? "step-failed" : status?.tone === "not-sent" ? "step-not-sent" : ""}>
            {s.at && <time className="step-time muted" dateTime={s.at} title={formatDateTime(s.at)}>{formatTime(s.at)}</time>}{" "}
            <strong className="step-title">{titleOf(s.node, s.type)}</strong>{" "}
            {status ? <span className={`step-status tone-${status.tone}`} data-testid="step-status">{status.text}</span> : <span className="step-sentence">{stepSentence(s, formatDateTime)}</span>}
            {verdict && <div className="step-verdict" data-testid="step-verdict">{verdict.sentence}</div>}
            <details className="muted step-detail">
              <summary>{t("story.details")}</summary>
              <code>{[s.node, s.type, s.outcome, s.port].filter(Boolean).join(" · ")}</code>
              {raw && <div><code>{raw}</code></div>}
            </details>
          </li>
        );
      })}
    </ol>
  );
}
