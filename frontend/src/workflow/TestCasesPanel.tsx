// Saved test cases of a workflow (given a customer and an event, expect a path, effects
// and an outcome): list, create / edit as JSON, delete, and run them all against the draft
// (POST /workflows/{id}/test) with each failure's differences. Publishing runs them too.
import { useState } from "react";
import { useConfirm } from "../components/ConfirmDialog";
import { t } from "../i18n";
import { ApiError, api } from "../api/client";
import type { ApiFieldError, Page, Schemas } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { formatDateTime } from "./dates";
import { useApi } from "../lib/useApi";
import { caseDraft, caseFieldErrors, parseCaseDraft, type CaseDraft } from "./testcases";

type TestCase = Schemas["WorkflowTestCase"];
type CaseRun = Schemas["CaseRun"];
type CaseResult = Schemas["CaseResult"];

type Props = {
  workflowId: number;
  canWrite: boolean;
  defaultCustomer: string;
  /** Saves unsaved changes first (the cases run against the saved draft); false: don't run. */
  beforeRun: () => Promise<boolean>;
  onClose: () => void;
};

export function TestCasesPanel({ workflowId, canWrite, defaultCustomer, beforeRun, onClose }: Props) {
  const cases = useApi((signal) => api.get<Page<TestCase> | TestCase[]>(`workflows/${workflowId}/test-cases/?page_size=200`, signal), [workflowId]);
  const list = cases.data ? (Array.isArray(cases.data) ? cases.data : cases.data.results) : null;
  const [editing, setEditing] = useState<{ id: number | null; draft: CaseDraft } | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [run, setRun] = useState<CaseRun | null>(null);
  const [busy, setBusy] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const [confirm, confirmDialog] = useConfirm();

  const startNew = () => { setFieldErrors({}); setEditing({ id: null, draft: caseDraft(null, defaultCustomer) }); };
  const startEdit = (c: TestCase) => { setFieldErrors({}); setEditing({ id: c.id, draft: caseDraft(c, defaultCustomer) }); };

  const saveCase = async () => {
    if (!editing) return;
    setError(null);
    let body;
    try {
      body = parseCaseDraft(editing.draft);
    } catch (e) {
      setFieldErrors((e as { fields?: Record<string, string[]> }).fields ?? {});
      return;
    }
    setBusy("save");
    try {
      if (editing.id === null) await api.post<TestCase>(`workflows/${workflowId}/test-cases/`, body);
      else await api.put<TestCase>(`workflows/${workflowId}/test-cases/${editing.id}/`, body);
      setEditing(null);
      setFieldErrors({});
      cases.reload();
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) setFieldErrors(caseFieldErrors(e.errors as ApiFieldError[]));
      setError(e as Error);
    } finally {
      setBusy("");
    }
  };

  const remove = async (c: TestCase) => {
    const answer = await confirm({ title: t("confirm.deleteCaseTitle", { name: c.name }), confirmLabel: t("confirm.deleteCase"), danger: true });
    if (answer !== "confirm") return;
    setError(null);
    try {
      await api.del(`workflows/${workflowId}/test-cases/${c.id}/`);
      cases.reload();
    } catch (e) {
      setError(e as Error);
    }
  };

  const runAll = async () => {
    setBusy("run");
    setError(null);
    try {
      if (!(await beforeRun())) return;
      setRun(await api.post<CaseRun>(`workflows/${workflowId}/test/`));
      cases.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy("");
    }
  };

  const field = (key: keyof CaseDraft, label: string, rows: number, hint?: string) => (
    <div className="form-row">
      <label htmlFor={`case-${key}`}>{label}</label>
      {rows === 1 ? (
        <input id={`case-${key}`} type="text" value={editing!.draft[key]} aria-invalid={!!fieldErrors[key]?.length}
          onChange={(e) => setEditing({ ...editing!, draft: { ...editing!.draft, [key]: e.target.value } })} />
      ) : (
        <textarea id={`case-${key}`} rows={rows} spellCheck={false} value={editing!.draft[key]} aria-invalid={!!fieldErrors[key]?.length}
          onChange={(e) => setEditing({ ...editing!, draft: { ...editing!.draft, [key]: e.target.value } })} />
      )}
      {hint && <p className="field-description">{hint}</p>}
      {(fieldErrors[key] ?? []).map((m, i) => <p key={i} className="field-error" role="alert">{m}</p>)}
    </div>
  );

  const results = new Map((run?.results ?? []).map((r) => [r.id, r]));

  return (
    <section className="drawer test-cases" aria-label={t("canvas.tests.title")}>
      {confirmDialog}
      <header>
        <h2>{t("canvas.tests.title")}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t("canvas.tests.close")}>×</button>
      </header>
      <p className="muted">{t("canvas.tests.intro")}</p>
      <div className="test-actions">
        {canWrite && <button type="button" className="button secondary" onClick={startNew} disabled={!!editing}>{t("canvas.tests.new")}</button>}
        {canWrite && (
          <button type="button" className="button" onClick={() => void runAll()} disabled={!!busy || !list?.length}>
            {busy === "run" ? t("canvas.running") : t("canvas.tests.runAll")}
          </button>
        )}
      </div>
      {error && <ErrorMessage error={error} />}
      {run && (
        <p className={run.passed ? "run-summary passed" : "run-summary failed"} role="status" data-testid="test-run-summary">
          {run.passed ? t("canvas.tests.allPassed", { count: run.total }) : t("canvas.tests.someFailed", { failed: run.failed, count: run.total })}
        </p>
      )}
      {editing && (
        <form className="case-form" aria-label={editing.id === null ? t("canvas.tests.new") : t("canvas.tests.editTitle")} onSubmit={(e) => { e.preventDefault(); void saveCase(); }}>
          {field("name", t("canvas.tests.name"), 1)}
          {field("given", t("canvas.tests.given"), 7, t("canvas.tests.givenHint"))}
          {field("expect", t("canvas.tests.expect"), 5, t("canvas.tests.expectHint"))}
          <button type="submit" className="button" disabled={busy === "save"}>{busy === "save" ? t("canvas.saving") : t("canvas.tests.save")}</button>{" "}
          <button type="button" className="button secondary" onClick={() => { setEditing(null); setFieldErrors({}); }}>{t("canvas.cancel")}</button>
        </form>
      )}
      {cases.error ? (
        <ErrorMessage error={cases.error} onRetry={cases.reload} />
      ) : !list ? (
        <Loading label={t("canvas.tests.loading")} />
      ) : list.length === 0 ? (
        <EmptyState title={t("canvas.tests.none")}>{canWrite ? t("canvas.tests.noneWriter") : t("canvas.tests.noneReader")}</EmptyState>
      ) : (
        <ul className="case-list" data-testid="test-cases">
          {list.map((c) => {
            const result = results.get(c.id) ?? lastResult(c);
            return (
              <li key={c.id} className={result ? (result.passed ? "case-passed" : "case-failed") : ""}>
                <div className="case-head">
                  <strong>{c.name}</strong>{" "}
                  {result ? <span className={`badge ${result.passed ? "state-published" : "state-failed"}`}>{result.passed ? t("canvas.tests.passed") : t("canvas.tests.failed")}</span> : <span className="muted">{t("canvas.tests.notRun")}</span>}
                  {c.last_run_at && <span className="muted"> · {formatDateTime(c.last_run_at)}</span>}
                  {canWrite && (
                    <>
                      {" "}<button type="button" className="link-button" onClick={() => startEdit(c)} disabled={!!editing}>{t("canvas.edit")}</button>
                      {" "}<button type="button" className="link-button" onClick={() => void remove(c)}>{t("canvas.delete")}</button>
                    </>
                  )}
                </div>
                {result && !result.passed && <CaseDiffs result={result} />}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** The result stored with the case by its last run, if it has the shape of one. */
function lastResult(c: TestCase): CaseResult | null {
  const r = c.last_result as Partial<CaseResult> | null | undefined;
  return r && typeof r.passed === "boolean" ? ({ id: c.id, name: c.name, diff: [], actual: { path: [], effects: [], outcome: "", error: null, steps: [] }, ...r } as CaseResult) : null;
}

function CaseDiffs({ result }: { result: CaseResult }) {
  return (
    <div className="case-diffs">
      <ul>
        {result.diff.map((d, i) => (
          <li key={i}>
            <strong>{d.what}</strong>: {d.message}
            <div className="diff-pair">
              <span className="removed">{t("canvas.tests.expected")} <code>{JSON.stringify(d.expected)}</code></span>
              <span className="added">{t("canvas.tests.actual")} <code>{JSON.stringify(d.actual)}</code></span>
            </div>
          </li>
        ))}
      </ul>
      {result.actual.path.length > 0 && <p className="muted">{t(result.actual.error ? "canvas.tests.actualPathError" : "canvas.tests.actualPath", { path: result.actual.path.join(" → "), outcome: t(`canvas.dryOutcome.${result.actual.outcome}`, { defaultValue: result.actual.outcome }), error: result.actual.error })}</p>}
    </div>
  );
}
