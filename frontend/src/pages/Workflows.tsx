import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api, optional, query } from "../api/client";
import type { Page, WorkflowCounts, WorkflowSaved, WorkflowState, WorkflowSummary } from "../api/types";
import { StarterGallery } from "../components/StarterGallery";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { formatDateTime, formatNumber, relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

/** The status filter: "" is everything but archived (catalog key workflowList.filter.all). */
const STATES: ("" | WorkflowState)[] = ["", "draft", "published", "paused", "archived"];

/** Every workflow with its status, version and last change; create a new one. */
export function Workflows() {
  const me = useMe();
  const navigate = useNavigate();
  const [state, setState] = useState<"" | WorkflowState>("");
  const [name, setName] = useState("");
  const [creating, setCreating] = useState<Error | null | "busy">(null);
  const { data, error, loading, reload } = useApi(
    (signal) => api.get<Page<WorkflowSummary>>(`workflows/${query({ state, page_size: 200 })}`, signal),
    [state],
  );
  const rows = (data?.results ?? []).filter((w) => state || w.state !== "archived");

  const create = async () => {
    setCreating("busy");
    try {
      const created = await api.post<WorkflowSaved>("workflows/", { name: name.trim(), description: "" });
      navigate(`/workflows/${created.id}`);
    } catch (e) {
      setCreating(e as Error);
    }
  };

  return (
    <>
      <div className="page-head">
        <h1>{t("shell.nav.workflows")}</h1>
        <div className="filters">
          <label htmlFor="wf-state">{t("workflowList.show")}</label>
          <select id="wf-state" value={state} onChange={(e) => setState(e.target.value as "" | WorkflowState)}>
            {STATES.map((s) => <option key={s} value={s}>{t(`workflowList.filter.${s || "all"}`)}</option>)}
          </select>
        </div>
      </div>
      {can(me, "workflows.write") && (
        <form className="inline-form card" onSubmit={(e) => { e.preventDefault(); if (name.trim()) void create(); }}>
          <label htmlFor="new-workflow">{t("workflowList.new")}</label>
          <input id="new-workflow" value={name} onChange={(e) => setName(e.target.value)} placeholder={t("workflowList.newPlaceholder")} maxLength={200} />
          <button type="submit" className="button" disabled={!name.trim() || creating === "busy"}>{t("workflowList.create")}</button>
          {creating instanceof Error && <ErrorMessage error={creating} />}
        </form>
      )}
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        loading && <Loading />
      ) : rows.length === 0 ? (
        <EmptyState title={state ? t(`workflowList.emptyIn.${state}`) : t("workflowList.empty")}>
          {t("workflowList.emptyBody")}
        </EmptyState>
      ) : (
        <table className="data-table workflows-table">
          <thead>
            <tr>
              <th scope="col">{t("words.name")}</th>
              <th scope="col">{t("words.status")}</th>
              <th scope="col" className="num">{t("workflowList.version")}</th>
              <th scope="col">{t("workflowList.runs")}</th>
              <th scope="col">{t("workflowList.lastChange")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((w) => (
              <tr key={w.id}>
                <td>
                  <Link to={`/workflows/${w.id}`}>{w.name}</Link>
                  {w.description && <div className="muted clamp">{w.description}</div>}
                </td>
                <td>
                  <span className={`badge state-${w.state}`}>{t(`badge.workflow.${w.state}`)}</span>
                  {w.has_unpublished_changes && w.version ? <span className="muted"> · {t("workflowList.unpublished")}</span> : null}
                </td>
                <td className="num">{w.version ? t("words.version", { number: w.version }) : "—"}</td>
                <td>{w.state === "published" || w.state === "paused" ? <RunCounts id={w.id} /> : <span className="muted">—</span>}</td>
                <td title={formatDateTime(w.updated_at)}>
                  {w.updated_by ? t("workflowList.changedBy", { when: relativeTime(w.updated_at), who: w.updated_by }) : relativeTime(w.updated_at)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!state && <StarterGallery canWrite={can(me, "workflows.write")} />}
    </>
  );
}

/** Runs of one workflow per state, refreshed every 15 s (the engine's counts endpoint). */
function RunCounts({ id }: { id: number }) {
  const [runs, setRuns] = useState<Record<string, number> | null | "missing">(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      optional(api.get<WorkflowCounts>(`workflows/${id}/counts`)).then(
        (data) => { if (!stopped) setRuns(data ? data.runs : "missing"); },
        () => undefined,
      );
    void load();
    const timer = setInterval(load, 15_000);
    return () => { stopped = true; clearInterval(timer); };
  }, [id]);
  if (runs === null) return <span className="muted">…</span>;
  if (runs === "missing") return <span className="muted">{t("words.notApplicable")}</span>;
  const entries = Object.entries(runs).filter(([, n]) => n !== 0);
  if (!entries.length) return <span className="muted">{t("workflowList.noRuns")}</span>;
  const counts = entries.map(([state, n]) => t("workflowList.runCount", { count: n, total: formatNumber(n), state: t(`badge.run.${state}`, { defaultValue: state }) }));
  return <span>{counts.join(" · ")}</span>;
}
