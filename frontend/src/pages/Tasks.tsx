import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, optional } from "../api/client";
import type { AgentTask, Page } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { formatDateTime, relativeTime } from "../lib/format";
import { slaBadge } from "../lib/sla";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

const OUTCOMES = ["reached", "not_reached", "saved", "lost"] as const;
const VIEWS = ["open", "mine", "at_risk", "overdue", "done"] as const;
type View = (typeof VIEWS)[number];

/** The inbox's query per view: at risk and overdue are the unfinished tasks (anyone's)
 * with that standing against their queue's response target, as the dashboard counts them. */
const QUERIES: Record<View, string> = {
  open: "state=open",
  mine: "assignee=me&state=in_progress",
  at_risk: "state=open&state=in_progress&sla=at_risk",
  overdue: "state=open&state=in_progress&sla=overdue",
  done: "state=done",
};

/** The agent task inbox: call-backs and follow-ups; claim one, then complete it with an
 * outcome. The view is in the address (?view=overdue), so the dashboard links to it. */
export function Tasks() {
  const me = useMe();
  const [search, setSearch] = useSearchParams();
  const asked = search.get("view") as View | null;
  const view: View = asked && VIEWS.includes(asked) ? asked : "open";
  const setView = (next: View) => setSearch(next === "open" ? {} : { view: next });
  const list = useApi((signal) => optional(api.get<Page<AgentTask>>(`tasks/?${QUERIES[view]}&page_size=100`, signal)), [view]);
  const [error, setError] = useState<Error | null>(null);
  const [completing, setCompleting] = useState<number | null>(null);
  const [outcome, setOutcome] = useState("reached");
  const [notes, setNotes] = useState("");
  const canWork = can(me, "tasks.work");

  const act = async (path: string, body?: unknown) => {
    setError(null);
    try {
      await api.post(path, body);
      setCompleting(null);
      setNotes("");
      list.reload();
    } catch (e) {
      setError(e as Error);
    }
  };

  return (
    <>
      <div className="page-head">
        <h1>{t("shell.nav.tasks")}</h1>
        <div className="segmented" role="group" aria-label={t("taskList.which")}>
          {VIEWS.map((v) => (
            <button key={v} type="button" className={view === v ? "button" : "button secondary"} aria-pressed={view === v} onClick={() => setView(v)}>
              {t(`taskList.view.${v}`)}
            </button>
          ))}
        </div>
      </div>
      {error && <ErrorMessage error={error} />}
      {list.error ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : list.data === undefined ? (
        <Loading />
      ) : list.data === null ? (
        <EmptyState title={t("taskList.unavailable")}>{t("taskList.unavailableBody")}</EmptyState>
      ) : list.data.results.length === 0 ? (
        <EmptyState title={t(`taskList.empty.${view}`)}>
          {t("taskList.emptyBody")}
        </EmptyState>
      ) : (
        <ul className="task-list">
          {list.data.results.map((task) => {
            const sla = slaBadge(task);
            return (
            <li key={task.id} className={`card task priority-${task.priority}`}>
              <div className="task-head">
                <strong>{task.title}</strong>
                <span className={`badge priority-${task.priority}`}>{t(`badge.priority.${task.priority}`, { defaultValue: task.priority })}</span>
                <span className="badge">{t(`badge.task.${task.state}`, { defaultValue: task.state })}</span>
                {sla && sla.state !== "on_track" && <span className={`badge sla ${sla.tone}`}>{sla.label}</span>}
              </div>
              <p className="muted">
                <Link to={`/customers/${encodeURIComponent(task.customer)}`}>{task.customer}</Link>
                {" · "}{t(`badge.taskKind.${task.kind}`, { defaultValue: task.kind })}
                {" · "}{t("taskList.queue", { queue: task.queue })}
                {task.due_at && <>{" · "}<span title={formatDateTime(task.due_at)}>{t("taskList.due", { when: relativeTime(task.due_at) })}</span></>}
                {sla && <>{" · "}<span className={`sla-when ${sla.tone}`} title={sla.title}>{sla.when}</span></>}
                {task.assignee && <>{" · "}{task.assignee}</>}
                {task.outcome && <>{" · "}{t("taskList.outcomeIs", { outcome: t(`badge.taskOutcome.${task.outcome}`, { defaultValue: task.outcome }) })}</>}
              </p>
              {task.notes && <p className="task-notes">{task.notes}</p>}
              {canWork && task.state === "open" && (
                <button type="button" className="button" onClick={() => void act(`tasks/${task.id}/claim/`)}>
                  {t("taskList.claim")} <span className="visually-hidden">{task.title}</span>
                </button>
              )}
              {canWork && task.state === "in_progress" && completing !== task.id && (
                <button type="button" className="button" onClick={() => setCompleting(task.id)}>{t("taskList.complete")}</button>
              )}
              {completing === task.id && (
                <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void act(`tasks/${task.id}/complete/`, { outcome, notes }); }}>
                  <label htmlFor={`outcome-${task.id}`}>{t("taskList.outcome")}</label>
                  <select id={`outcome-${task.id}`} value={outcome} onChange={(e) => setOutcome(e.target.value)}>
                    {OUTCOMES.map((o) => <option key={o} value={o}>{t(`taskList.outcomes.${o}`)}</option>)}
                  </select>
                  <label htmlFor={`notes-${task.id}`}>{t("taskList.notes")}</label>
                  <input id={`notes-${task.id}`} value={notes} onChange={(e) => setNotes(e.target.value)} />
                  <button type="submit" className="button">{t("taskList.completeTask")}</button>
                  <button type="button" className="button secondary" onClick={() => setCompleting(null)}>{t("words.cancel")}</button>
                </form>
              )}
            </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
