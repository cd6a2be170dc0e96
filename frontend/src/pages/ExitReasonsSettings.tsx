import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { api } from "../api/client";
import type { ExitReason } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

type Draft = { code: string; label_en: string; label_de: string; label_ru: string };
const EMPTY: Draft = { code: "", label_en: "", label_de: "", label_ru: "" };

function ReasonForm({ initial, isNew, onSave, onCancel }: { initial: Draft; isNew: boolean; onSave: (draft: Draft) => Promise<void>; onCancel?: () => void }) {
  const [draft, setDraft] = useState(initial);
  const [busy, setBusy] = useState(false);
  const prefix = isNew ? "new-reason" : `reason-${initial.code}`;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await onSave(draft);
      if (isNew) setDraft(EMPTY);
    } finally {
      setBusy(false);
    }
  };
  const field = (key: keyof Draft, label: string, required = false) => (
    <div className="form-row">
      <label htmlFor={`${prefix}-${key}`}>{label}</label>
      <input id={`${prefix}-${key}`} value={draft[key]} required={required} maxLength={key === "code" ? 40 : 120}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
    </div>
  );
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label={isNew ? t("reasonsAdmin.addTitle") : initial.label_en}>
      {isNew && <h2>{t("reasonsAdmin.addTitle")}</h2>}
      {isNew && <>{field("code", t("reasonsAdmin.code"), true)}<p className="muted">{t("reasonsAdmin.codeHint")}</p></>}
      {field("label_en", t("reasonsAdmin.labelEn"), true)}
      {field("label_de", t("reasonsAdmin.labelDe"))}
      {field("label_ru", t("reasonsAdmin.labelRu"))}
      <button type="submit" className="button" disabled={busy}>{isNew ? t("reasonsAdmin.add") : t("reasonsAdmin.save")}</button>
      {onCancel && <button type="button" className="button secondary" onClick={onCancel}>{t("reasonsAdmin.cancel")}</button>}
    </form>
  );
}

/** The exit survey's reasons: every role reads them, admins add, edit, reorder and stop
 * offering them (a reason is never deleted: answers keep naming its code). */
export function ExitReasonsSettings() {
  const me = useMe();
  const admin = can(me, "surveys.manage");
  const list = useApi((signal) => api.get<ExitReason[]>("exit-reasons", signal), []);
  const [editing, setEditing] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      list.reload();
    } catch (e) {
      setError(e as Error);
      throw e;
    }
  };
  const move = (reasons: ExitReason[], index: number, by: number) => {
    const codes = reasons.map((r) => r.code);
    [codes[index], codes[index + by]] = [codes[index + by], codes[index]];
    return act(() => api.post("exit-reasons/reorder", { codes })).catch(() => undefined);
  };

  return (
    <>
      <div className="page-head">
        <h1>{t("reasonsAdmin.title")}</h1>
        <p className="muted">{t("reasonsAdmin.intro")}</p>
        <p><Link to="/exit-reasons">{t("reasonsAdmin.back")}</Link></p>
      </div>
      {me && !admin && <p className="muted">{t("reasonsAdmin.adminOnly")}</p>}
      {error && <ErrorMessage error={error} />}
      {list.error ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.length === 0 ? (
        <EmptyState title={t("reasonsAdmin.empty")} />
      ) : (
        <table className="data-table" data-testid="exit-reasons-list">
          <thead><tr>
            <th scope="col">{t("reasonsAdmin.labelEn")}</th><th scope="col">{t("reasonsAdmin.labelDe")}</th><th scope="col">{t("reasonsAdmin.labelRu")}</th>
            <th scope="col">{t("reasonsAdmin.code")}</th><th scope="col">{t("reasonsAdmin.status")}</th>
            {admin && <th scope="col"><span className="visually-hidden">{t("reasonsAdmin.edit")}</span></th>}
          </tr></thead>
          <tbody>
            {list.data.map((reason, index, all) => editing === reason.id ? (
              <tr key={reason.id}><td colSpan={admin ? 6 : 5}>
                <ReasonForm isNew={false} initial={{ code: reason.code, label_en: reason.label_en, label_de: reason.label_de ?? "", label_ru: reason.label_ru ?? "" }}
                  onSave={(d) => act(() => api.patch(`exit-reasons/${reason.id}`, { label_en: d.label_en, label_de: d.label_de, label_ru: d.label_ru })).then(() => setEditing(null))}
                  onCancel={() => setEditing(null)} />
              </td></tr>
            ) : (
              <tr key={reason.id} data-reason={reason.code}>
                <td>{reason.label_en}</td>
                <td>{reason.label_de || <span className="muted">{reason.label_en}</span>}</td>
                <td>{reason.label_ru || <span className="muted">{reason.label_en}</span>}</td>
                <td><code>{reason.code}</code></td>
                <td>{reason.active ? t("reasonsAdmin.active") : <span className="badge warn">{t("reasonsAdmin.inactive")}</span>}</td>
                {admin && (
                  <td><span className="actions">
                    <button type="button" className="link-button" onClick={() => setEditing(reason.id)}>{t("reasonsAdmin.edit")}<span className="visually-hidden"> {reason.label_en}</span></button>
                    <button type="button" className="link-button" disabled={index === 0} onClick={() => void move(all, index, -1)}>{t("reasonsAdmin.up")}<span className="visually-hidden"> {reason.label_en}</span></button>
                    <button type="button" className="link-button" disabled={index === all.length - 1} onClick={() => void move(all, index, 1)}>{t("reasonsAdmin.down")}<span className="visually-hidden"> {reason.label_en}</span></button>
                    <button type="button" className="link-button" onClick={() => void act(() => api.patch(`exit-reasons/${reason.id}`, { active: !reason.active })).catch(() => undefined)}>
                      {reason.active ? t("reasonsAdmin.deactivate") : t("reasonsAdmin.activate")}<span className="visually-hidden"> {reason.label_en}</span>
                    </button>
                  </span></td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {admin && <ReasonForm isNew initial={EMPTY} onSave={(d) => act(() => api.post("exit-reasons", d)).catch(() => undefined)} />}
    </>
  );
}
