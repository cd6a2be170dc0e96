import { lazy, Suspense, useState } from "react";
import { api } from "../api/client";
import type { BlockTemplate, CatalogEntry, Page } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

// The block's own settings form (with the editor's widgets), loaded with the editor's code.
const BlockSettingsForm = lazy(() => import("../workflow/NodePanel").then((m) => ({ default: m.BlockSettingsForm })));

type Draft = { name: string; description: string; base_type: string; preset: Record<string, unknown>; locked: string[] };
const EMPTY: Draft = { name: "", description: "", base_type: "action.send_sms", preset: {}, locked: [] };

/** The settings of a block type a team block can preset and lock: key and form label. */
function settingsOf(entry: CatalogEntry | undefined): { key: string; label: string }[] {
  const properties = (entry?.config_schema as { properties?: Record<string, { title?: string }> } | undefined)?.properties ?? {};
  return Object.entries(properties).map(([key, p]) => ({ key, label: p.title ?? key.replace(/_/g, " ") }));
}

/** Team blocks: a core block with preset and locked settings that ops publish into
 * everyone's palette (e.g. "Apology SMS, approved wording"). */
export function TeamBlocks() {
  const me = useMe();
  const list = useApi((signal) => api.get<Page<BlockTemplate>>("block-templates/?page_size=200", signal), []);
  const catalog = useApi((signal) => api.get<CatalogEntry[]>("blocks", signal), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const writable = can(me, "workflows.write");
  const publisher = can(me, "blocks.publish");
  const core = (catalog.data ?? []).filter((e) => e.source === "core");
  const baseEntry = draft ? core.find((e) => e.type === draft.base_type) : undefined;
  const labelOf = (type: string) => core.find((e) => e.type === type)?.label ?? type;

  const act = async (run: () => Promise<unknown>) => {
    setError(null);
    try {
      await run();
      list.reload();
      return true;
    } catch (e) {
      setError(e as Error);
      return false;
    }
  };

  const create = async () => {
    if (!draft) return;
    const ok = await act(() => api.post("block-templates/", {
      name: draft.name,
      description: draft.description,
      base_type: draft.base_type,
      preset: draft.preset,
      locked_fields: draft.locked,
    }));
    if (ok) setDraft(null);
  };

  return (
    <>
      <div className="page-head">
        <h1>Team blocks</h1>
        {writable && !draft && <button type="button" className="button" onClick={() => setDraft(EMPTY)}>New team block</button>}
      </div>
      <p className="muted">Reusable blocks with settings your team fixed in advance. Published ones appear in every editor's palette under “Team blocks”.</p>
      {error && <ErrorMessage error={error} />}
      {draft && (
        <form className="card" onSubmit={(e) => { e.preventDefault(); void create(); }} aria-label="New team block">
          <div className="form-row"><label htmlFor="tb-name">Name</label>
            <input id="tb-name" value={draft.name} required onChange={(e) => setDraft({ ...draft, name: e.target.value })} /></div>
          <div className="form-row"><label htmlFor="tb-desc">Description</label>
            <input id="tb-desc" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} /></div>
          <div className="form-row"><label htmlFor="tb-base">Based on</label>
            <select id="tb-base" value={draft.base_type} onChange={(e) => setDraft({ ...draft, base_type: e.target.value, preset: {}, locked: [] })}>
              {core.map((c) => <option key={c.key} value={c.type}>{c.group}: {c.label}</option>)}
            </select></div>
          {baseEntry && (
            <fieldset className="team-preset">
              <legend>Preset settings</legend>
              <p className="muted">Set what this block should start with; everyone who adds it gets these settings.</p>
              <Suspense fallback={<Loading />}>
                <BlockSettingsForm key={draft.base_type} entry={baseEntry} value={draft.preset} idPrefix="tb-preset"
                  onChange={(preset) => setDraft((d) => (d ? { ...d, preset } : d))} />
              </Suspense>
            </fieldset>
          )}
          <fieldset className="team-locked">
            <legend>Locked settings</legend>
            <p className="muted">Users of this block cannot change these.</p>
            {settingsOf(baseEntry).map((s) => (
              <label key={s.key} className="checkbox">
                <input type="checkbox" checked={draft.locked.includes(s.key)}
                  onChange={(e) => setDraft({ ...draft, locked: e.target.checked ? [...draft.locked, s.key] : draft.locked.filter((k) => k !== s.key) })} />
                {s.label}
              </label>
            ))}
          </fieldset>
          <div className="form-actions">
            <button type="submit" className="button" disabled={!draft.name.trim()}>Create draft</button>
            <button type="button" className="button secondary" onClick={() => setDraft(null)}>Cancel</button>
          </div>
        </form>
      )}
      {list.error ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.results.length === 0 ? (
        <EmptyState title="No team blocks yet.">Create one to give everyone a block with approved settings.</EmptyState>
      ) : (
        <table className="data-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Based on</th><th scope="col">Newest version</th><th scope="col">In the palette</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {list.data.results.map((t) => (
              <tr key={t.id}>
                <td>{t.name}{t.description && <div className="muted">{t.description}</div>}</td>
                <td>{labelOf(t.base_type)}</td>
                <td>{t.latest ? <>v{t.latest.number} <span className={`badge state-${t.latest.state}`}>{t.latest.state}</span> <span className="muted">{relativeTime(t.latest.updated_at)}</span></> : "—"}</td>
                <td>{t.published ? `v${t.published.number}` : <span className="muted">no</span>}</td>
                <td className="actions">
                  {publisher && t.latest?.state === "draft" && <button type="button" className="link-button" onClick={() => void act(() => api.post(`block-templates/${t.id}/publish/`))}>Publish <span className="visually-hidden">{t.name}</span></button>}
                  {publisher && t.published && <button type="button" className="link-button" onClick={() => void act(() => api.post(`block-templates/${t.id}/deprecate/`))}>Deprecate <span className="visually-hidden">{t.name}</span></button>}
                  {writable && t.latest?.state !== "draft" && <button type="button" className="link-button" onClick={() => void act(() => api.post(`block-templates/${t.id}/versions/`))}>New version</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
