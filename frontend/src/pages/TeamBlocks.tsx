import { useState } from "react";
import { api } from "../api/client";
import type { BlockTemplate, CatalogEntry, Page } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

type Draft = { name: string; description: string; base_type: string; preset: string; locked: string };
const EMPTY: Draft = { name: "", description: "", base_type: "action.send_sms", preset: "{}", locked: "" };

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

  const act = async (run: () => Promise<unknown>) => {
    setError(null);
    try {
      await run();
      list.reload();
      return true;
    } catch (e) {
      setError(e instanceof SyntaxError ? new Error("Preset must be JSON, e.g. {\"category\": \"transactional\"}.") : (e as Error));
      return false;
    }
  };

  const create = async () => {
    if (!draft) return;
    const ok = await act(() => api.post("block-templates/", {
      name: draft.name,
      description: draft.description,
      base_type: draft.base_type,
      preset: JSON.parse(draft.preset || "{}"),
      locked_fields: draft.locked.split(",").map((s) => s.trim()).filter(Boolean),
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
            <select id="tb-base" value={draft.base_type} onChange={(e) => setDraft({ ...draft, base_type: e.target.value })}>
              {core.map((c) => <option key={c.key} value={c.type}>{c.group}: {c.label}</option>)}
            </select></div>
          <div className="form-row"><label htmlFor="tb-preset">Preset settings (JSON)</label>
            <textarea id="tb-preset" rows={4} value={draft.preset} spellCheck={false} onChange={(e) => setDraft({ ...draft, preset: e.target.value })} /></div>
          <div className="form-row"><label htmlFor="tb-locked">Locked fields (comma-separated; users cannot change them)</label>
            <input id="tb-locked" value={draft.locked} onChange={(e) => setDraft({ ...draft, locked: e.target.value })} placeholder="body, category" /></div>
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
                <td><code>{t.base_type}</code></td>
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
