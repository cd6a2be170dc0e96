import { useEffect, useState } from "react";
import { Trans } from "react-i18next";
import { Link } from "react-router";
import { api } from "../api/client";
import type { Page, Segment, SegmentPreview } from "../api/types";
import { ConditionBuilder, type Condition } from "../components/ConditionBuilder";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { formatNumber, relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

type Draft = { id?: number; name: string; description: string; condition: Condition };
const EMPTY: Draft = { name: "", description: "", condition: { all: [] } };

/** Segments: saved conditions over customers, with a live count while you edit. */
export function Segments() {
  const me = useMe();
  const list = useApi((signal) => api.get<Page<Segment>>("segments/?page_size=200", signal), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saveError, setSaveError] = useState<Error | null>(null);
  const writable = can(me, "segments.write");

  const save = async () => {
    if (!draft) return;
    setSaveError(null);
    try {
      const body = { name: draft.name, description: draft.description, condition: draft.condition };
      if (draft.id) await api.patch(`segments/${draft.id}/`, body);
      else await api.post("segments/", body);
      setDraft(null);
      list.reload();
    } catch (e) {
      setSaveError(e as Error);
    }
  };

  return (
    <>
      <div className="page-head">
        <h1>{t("shell.nav.segments")}</h1>
        {writable && !draft && <button type="button" className="button" onClick={() => setDraft(EMPTY)}>{t("segmentList.new")}</button>}
      </div>
      {draft && (
        <form className="card segment-form" onSubmit={(e) => { e.preventDefault(); void save(); }} aria-label={draft.id ? t("segmentList.edit") : t("segmentList.new")}>
          <div className="form-row">
            <label htmlFor="seg-name">{t("words.name")}</label>
            <input id="seg-name" value={draft.name} required maxLength={200} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          </div>
          <div className="form-row">
            <label htmlFor="seg-desc">{t("words.description")}</label>
            <input id="seg-desc" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
          </div>
          <ConditionBuilder label={t("segmentList.match")} value={draft.condition} onChange={(condition) => setDraft({ ...draft, condition })} idPrefix="seg" />
          <LiveCount condition={draft.condition} />
          {saveError && <ErrorMessage error={saveError} />}
          <div className="form-actions">
            <button type="submit" className="button" disabled={!draft.name.trim()}>{t("segmentList.save")}</button>
            <button type="button" className="button secondary" onClick={() => { setDraft(null); setSaveError(null); }}>{t("words.cancel")}</button>
          </div>
        </form>
      )}
      {list.error ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.results.length === 0 ? (
        <EmptyState title={t("segmentList.empty")}>{t("segmentList.emptyBody")}</EmptyState>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("words.name")}</th><th scope="col" className="num">{t("segmentList.members")}</th>
              <th scope="col">{t("segmentList.counted")}</th><th scope="col"><span className="visually-hidden">{t("words.actions")}</span></th>
            </tr>
          </thead>
          <tbody>
            {list.data.results.map((s) => (
              <tr key={s.id}>
                <td>{s.name}{s.description && <div className="muted">{s.description}</div>}</td>
                <td className="num">{formatNumber(s.member_count)}</td>
                <td>{relativeTime(s.refreshed_at)}</td>
                <td>{writable && <button type="button" className="link-button" onClick={() => setDraft({ id: s.id, name: s.name, description: s.description ?? "", condition: s.condition as Condition })}>{t("words.edit")} <span className="visually-hidden">{s.name}</span></button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const strong = <strong />;

function LiveCount({ condition }: { condition: Condition }) {
  const [state, setState] = useState<{ data?: SegmentPreview; error?: Error; loading: boolean }>({ loading: true });
  const key = JSON.stringify(condition);
  useEffect(() => {
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      api.post<SegmentPreview>("segments/preview/", { condition: JSON.parse(key) }).then(
        (data) => { if (!cancelled) setState({ data, loading: false }); },
        (error: Error) => { if (!cancelled) setState({ error, loading: false }); },
      );
    }, 400);
    return () => { cancelled = true; clearTimeout(timer); };
  }, [key]);
  return (
    <div className="live-count" aria-live="polite" data-testid="segment-count">
      {state.error ? (
        <p className="field-error">{t("segmentList.cannotCount", { error: state.error.message })}</p>
      ) : state.data ? (
        <p>
          <Trans i18nKey="segmentList.matches" count={state.data.count} components={{ strong }}
            values={{ total: formatNumber(state.data.count), updating: state.loading ? t("segmentList.updating") : "" }} />
          {state.data.sample.length !== 0 && (
            <>
              {" "}{t("segmentList.forExample")}{" "}
              {state.data.sample.slice(0, 5).map((id, i) => <span key={id}>{i ? ", " : ""}<Link to={`/customers/${encodeURIComponent(id)}`}>{id}</Link></span>)}
            </>
          )}
        </p>
      ) : (
        <p className="muted">{t("segmentList.counting")}</p>
      )}
    </div>
  );
}
