import { useState } from "react";
import { Link } from "react-router";
import { api, optional, query } from "../api/client";
import type { AgentTask, Page } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { formatDateTime, relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

const OUTCOMES = [
  { value: "reached", label: "Reached" },
  { value: "not_reached", label: "Not reached" },
  { value: "saved", label: "Saved (stays a customer)" },
  { value: "lost", label: "Lost" },
];

/** The agent task inbox: call-backs and follow-ups; claim one, then complete it with an outcome. */
export function Tasks() {
  const me = useMe();
  const [view, setView] = useState<"open" | "mine" | "done">("open");
  const params = view === "done" ? { state: "done" } : view === "mine" ? { assignee: "me", state: "in_progress" } : { state: "open" };
  const list = useApi((signal) => optional(api.get<Page<AgentTask>>(`tasks/${query({ ...params, page_size: 100 })}`, signal)), [view]);
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
        <h1>Tasks</h1>
        <div className="segmented" role="group" aria-label="Which tasks">
          {(["open", "mine", "done"] as const).map((v) => (
            <button key={v} type="button" className={view === v ? "button" : "button secondary"} aria-pressed={view === v} onClick={() => setView(v)}>
              {{ open: "Open", mine: "Mine in progress", done: "Done" }[v]}
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
        <EmptyState title="The task inbox is not available on this server yet.">Workflows create call-back and follow-up tasks for agents here.</EmptyState>
      ) : list.data.results.length === 0 ? (
        <EmptyState title={view === "done" ? "No finished tasks yet." : view === "mine" ? "You have no task in progress." : "No open tasks: the inbox is empty."}>
          Tasks come from workflow blocks such as “Create task”.
        </EmptyState>
      ) : (
        <ul className="task-list">
          {list.data.results.map((t) => (
            <li key={t.id} className={`card task priority-${t.priority}`}>
              <div className="task-head">
                <strong>{t.title}</strong>
                <span className={`badge priority-${t.priority}`}>{t.priority}</span>
                <span className="badge">{t.state.replace("_", " ")}</span>
              </div>
              <p className="muted">
                <Link to={`/customers/${encodeURIComponent(t.customer)}`}>{t.customer}</Link> · {t.kind.replace("_", " ")} · queue {t.queue}
                {t.due_at && <> · due <span title={formatDateTime(t.due_at)}>{relativeTime(t.due_at)}</span></>}
                {t.assignee && <> · {t.assignee}</>}
                {t.outcome && <> · outcome: {t.outcome}</>}
              </p>
              {t.notes && <p className="task-notes">{t.notes}</p>}
              {canWork && t.state === "open" && (
                <button type="button" className="button" onClick={() => void act(`tasks/${t.id}/claim/`)}>Claim <span className="visually-hidden">{t.title}</span></button>
              )}
              {canWork && t.state === "in_progress" && completing !== t.id && (
                <button type="button" className="button" onClick={() => setCompleting(t.id)}>Complete…</button>
              )}
              {completing === t.id && (
                <form className="inline-form" onSubmit={(e) => { e.preventDefault(); void act(`tasks/${t.id}/complete/`, { outcome, notes }); }}>
                  <label htmlFor={`outcome-${t.id}`}>Outcome</label>
                  <select id={`outcome-${t.id}`} value={outcome} onChange={(e) => setOutcome(e.target.value)}>
                    {OUTCOMES.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                  </select>
                  <label htmlFor={`notes-${t.id}`}>Notes</label>
                  <input id={`notes-${t.id}`} value={notes} onChange={(e) => setNotes(e.target.value)} />
                  <button type="submit" className="button">Complete task</button>
                  <button type="button" className="button secondary" onClick={() => setCompleting(null)}>Cancel</button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
