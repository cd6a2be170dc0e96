// Version history: every published version, what changed (diff against the version before
// or against the draft), and a rollback that publishes an old version again.
import { useState } from "react";
import { useConfirm } from "../components/ConfirmDialog";
import { t } from "../i18n";
import { api } from "../api/client";
import type { Page, VersionDiff, WorkflowDetail, WorkflowVersion } from "../api/types";
import type { VersionDetail } from "./VersionView";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { formatDateTime } from "./dates";
import { useApi } from "../lib/useApi";
import { diffValueWords, settingValueWords } from "./diffWords";
import { portLabel } from "./ports";

type Props = {
  workflowId: number;
  canPublish: boolean;
  onClose: () => void;
  onRolledBack: (workflow: WorkflowDetail) => void;
  /** Show a version's graph on the canvas, read-only. */
  onView: (version: VersionDetail) => void;
  /** The version on the canvas now, if any. */
  viewing: number | null;
};

export function HistoryPanel({ workflowId, canPublish, onClose, onRolledBack, onView, viewing }: Props) {
  const versions = useApi((signal) => api.get<Page<WorkflowVersion>>(`workflows/${workflowId}/versions/?page_size=100`, signal), [workflowId]);
  const [diff, setDiff] = useState<{ number: number; against: string; data?: VersionDiff; error?: Error } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [confirm, confirmDialog] = useConfirm();

  const showDiff = (number: number, against: string) => {
    setDiff({ number, against });
    const query = against === "previous" ? "" : `?against=${against}`;
    api.get<VersionDiff>(`workflows/${workflowId}/versions/${number}/diff/${query}`).then(
      (data) => setDiff({ number, against, data }),
      (e: Error) => setDiff({ number, against, error: e }),
    );
  };

  const view = (number: number) => {
    setError(null);
    setBusy(true);
    api.get<VersionDetail>(`workflows/${workflowId}/versions/${number}/`).then(
      (data) => { setBusy(false); onView(data); },
      (e: Error) => { setBusy(false); setError(e); },
    );
  };

  const rollback = async (number: number) => {
    const answer = await confirm({
      title: t("confirm.rollbackTitle", { number }),
      body: t("confirm.rollbackBody"),
      confirmLabel: t("confirm.rollbackConfirm", { number }),
    });
    if (answer !== "confirm") return;
    setBusy(true);
    setError(null);
    try {
      const next = await api.post<WorkflowDetail>(`workflows/${workflowId}/versions/${number}/rollback/`, { note: t("canvas.history.rollbackNote", { number }) });
      onRolledBack(next);
      versions.reload();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="drawer" aria-label={t("canvas.history.title")}>
      {confirmDialog}
      <header>
        <h2>{t("canvas.history.title")}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t("canvas.history.close")}>×</button>
      </header>
      {error && <ErrorMessage error={error} />}
      {versions.error ? (
        <ErrorMessage error={versions.error} onRetry={versions.reload} />
      ) : !versions.data ? (
        <Loading />
      ) : versions.data.results.length === 0 ? (
        <EmptyState title={t("canvas.history.emptyTitle")}>{t("canvas.history.emptyBody")}</EmptyState>
      ) : (
        <div className="history">
          <table>
            <thead><tr><th scope="col">{t("canvas.history.version")}</th><th scope="col">{t("canvas.history.published")}</th><th scope="col">{t("canvas.history.note")}</th><th scope="col">{t("canvas.history.actions")}</th></tr></thead>
            <tbody>
              {versions.data.results.map((v) => (
                <tr key={v.number}>
                  <td>{t("canvas.versionShort", { number: v.number })}{v.is_published ? <span className="badge state-published">{t("canvas.history.live")}</span> : null}</td>
                  <td>{v.created_by ? t("canvas.history.by", { when: formatDateTime(v.created_at), who: v.created_by }) : formatDateTime(v.created_at)}</td>
                  <td>{v.note || <span className="muted">—</span>}</td>
                  <td className="actions">
                    <button type="button" className="link-button" onClick={() => view(v.number)} disabled={busy} aria-pressed={viewing === v.number}
                      aria-label={t("canvas.history.viewLabel", { number: v.number })}>{t("canvas.history.view")}</button>
                    <button type="button" className="link-button" onClick={() => showDiff(v.number, "previous")}>{t("canvas.history.changes")}</button>
                    <button type="button" className="link-button" onClick={() => showDiff(v.number, "draft")}>{t("canvas.history.compare")}</button>
                    {canPublish && !v.is_published && (
                      <button type="button" className="link-button" disabled={busy} onClick={() => void rollback(v.number)}>{t("canvas.history.rollback")}</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {diff && (
            <div className="diff" aria-live="polite">
              <h3>{diff.against === "draft" ? t("canvas.history.againstDraft", { number: diff.number }) : t("canvas.history.changesIn", { number: diff.number })}</h3>
              {diff.error ? (<ErrorMessage error={diff.error} />) : diff.data ? (<DiffView diff={diff.data} />) : <Loading />}
            </div>
          )}
        </div>
      )}
    </section>
  );
}

type DiffEdge = VersionDiff["edges_added"][number];

function portWords(edge: DiffEdge): string {
  return edge.source_port === "out" ? edge.source_title : `${edge.source_title} (${portLabel(edge.source_port)})`;
}

function OldNew({ label, old, next, words = diffValueWords }: { label: string; old: unknown; next: unknown; words?: (value: unknown) => string }) {
  return (
    <div className="diff-field">
      <span className="diff-label">{label}</span>{" "}
      <del aria-label={t("diff.oldValue")}>{words(old)}</del>
      <span aria-hidden="true"> → </span>
      <ins aria-label={t("diff.newValue")}>{words(next)}</ins>
    </div>
  );
}

/** What changed, by block title and field label, with old → new values. */
function DiffView({ diff }: { diff: VersionDiff }) {
  const edges = [...diff.edges_added.map((e) => ({ e, added: true })), ...diff.edges_removed.map((e) => ({ e, added: false }))];
  const nothing = !diff.nodes_added.length && !diff.nodes_removed.length && !diff.nodes_changed.length && !edges.length && !diff.settings_changed.length;
  if (nothing) return <p className="muted">{t("diff.nothing")}</p>;
  return (
    <dl className="diff-lists">
      {diff.nodes_added.length > 0 && <><dt>{t("diff.added")}</dt><dd className="added">{diff.nodes_added.map((n) => n.title).join(", ")}</dd></>}
      {diff.nodes_removed.length > 0 && <><dt>{t("diff.removed")}</dt><dd className="removed">{diff.nodes_removed.map((n) => n.title).join(", ")}</dd></>}
      {diff.nodes_changed.length > 0 && (
        <><dt>{t("diff.changed")}</dt>
          <dd>
            <ul className="diff-blocks">
              {diff.nodes_changed.map((n) => (
                <li key={n.id}>
                  <strong>{n.title}</strong>
                  {n.label_changed && <div className="muted">{t("diff.renamed", { old: n.title_before })}</div>}
                  {n.type_changed && <div className="muted">{t("diff.typeChanged")}</div>}
                  {n.template_changed && <div className="muted">{t("diff.templateChanged")}</div>}
                  {n.fields.map((f) => <OldNew key={f.key} label={f.label} old={f.old} next={f.new} />)}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {edges.length > 0 && (
        <><dt>{t("diff.connections")}</dt>
          <dd>
            <ul className="diff-blocks">
              {edges.map(({ e, added }) => (
                <li key={`${added}-${e.source}-${e.source_port}-${e.target}`} className={added ? "added" : "removed"}>
                  {t(added ? "diff.connected" : "diff.disconnected")}: {portWords(e)} → {e.target_title}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {diff.settings_changed.length > 0 && (
        <><dt>{t("diff.settings")}</dt>
          <dd>{diff.settings_changed.map((s) => <OldNew key={s.key} label={s.label} old={s.old} next={s.new} words={(value) => settingValueWords(s.key, value)} />)}</dd>
        </>
      )}
    </dl>
  );
}
