import { lazy, Suspense, useState } from "react";
import { api } from "../api/client";
import type { BlockTemplate, CatalogEntry, Page } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";
import { isOlderVersion } from "../workflow/graph";

// The block's own settings form (with the editor's widgets), loaded with the editor's code.
const BlockSettingsForm = lazy(() => import("../workflow/NodePanel").then((m) => ({ default: m.BlockSettingsForm })));

type Draft = { name: string; description: string; base_type: string; preset: Record<string, unknown>; locked: string[] };
// A new team block starts from the first action of the catalog (base_type "" until it loads).
const EMPTY: Draft = { name: "", description: "", base_type: "", preset: {}, locked: [] };

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
  // Core and package blocks can be the base of a team block, on their newest version
  // (older ones are in the catalog only for the nodes that still use them).
  const core = (catalog.data ?? []).filter((e) => e.source !== "template" && !isOlderVersion(e));
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
        <h1>{t("shell.nav.teamBlocks")}</h1>
        {writable && !draft && <button type="button" className="button" onClick={() => setDraft({ ...EMPTY, base_type: core.find((e) => e.category === "action")?.type ?? "" })}>{t("teamBlocks.new")}</button>}
      </div>
      <p className="muted">{t("teamBlocks.intro")}</p>
      {error && <ErrorMessage error={error} />}
      {draft && (
        <form className="card" onSubmit={(e) => { e.preventDefault(); void create(); }} aria-label={t("teamBlocks.new")}>
          <div className="form-row"><label htmlFor="tb-name">{t("words.name")}</label>
            <input id="tb-name" value={draft.name} required onChange={(e) => setDraft({ ...draft, name: e.target.value })} /></div>
          <div className="form-row"><label htmlFor="tb-desc">{t("words.description")}</label>
            <input id="tb-desc" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} /></div>
          <div className="form-row"><label htmlFor="tb-base">{t("teamBlocks.basedOn")}</label>
            <select id="tb-base" value={draft.base_type} onChange={(e) => setDraft({ ...draft, base_type: e.target.value, preset: {}, locked: [] })}>
              {core.map((c) => <option key={c.key} value={c.type}>{t("teamBlocks.option", { group: c.group, label: c.label })}</option>)}
            </select></div>
          {baseEntry && (
            <fieldset className="team-preset">
              <legend>{t("teamBlocks.preset")}</legend>
              <p className="muted">{t("teamBlocks.presetHint")}</p>
              <Suspense fallback={<Loading />}>
                <BlockSettingsForm key={draft.base_type} entry={baseEntry} value={draft.preset} idPrefix="tb-preset"
                  onChange={(preset) => setDraft((d) => (d ? { ...d, preset } : d))} />
              </Suspense>
            </fieldset>
          )}
          <fieldset className="team-locked">
            <legend>{t("teamBlocks.locked")}</legend>
            <p className="muted">{t("teamBlocks.lockedHint")}</p>
            {settingsOf(baseEntry).map((s) => (
              <label key={s.key} className="checkbox">
                <input type="checkbox" checked={draft.locked.includes(s.key)}
                  onChange={(e) => setDraft({ ...draft, locked: e.target.checked ? [...draft.locked, s.key] : draft.locked.filter((k) => k !== s.key) })} />
                {s.label}
              </label>
            ))}
          </fieldset>
          <div className="form-actions">
            <button type="submit" className="button" disabled={!draft.name.trim()}>{t("teamBlocks.createDraft")}</button>
            <button type="button" className="button secondary" onClick={() => setDraft(null)}>{t("words.cancel")}</button>
          </div>
        </form>
      )}
      {list.error ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.results.length === 0 ? (
        <EmptyState title={t("teamBlocks.empty")}>{t("teamBlocks.emptyBody")}</EmptyState>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("words.name")}</th><th scope="col">{t("teamBlocks.basedOn")}</th><th scope="col">{t("teamBlocks.newest")}</th>
              <th scope="col">{t("teamBlocks.inPalette")}</th><th scope="col"><span className="visually-hidden">{t("words.actions")}</span></th>
            </tr>
          </thead>
          <tbody>
            {list.data.results.map((block) => (
              <tr key={block.id}>
                <td>{block.name}{block.description && <div className="muted">{block.description}</div>}</td>
                <td>{labelOf(block.base_type)}</td>
                <td>
                  {block.latest ? (
                    <>
                      {t("words.version", { number: block.latest.number })}{" "}
                      <span className={`badge state-${block.latest.state}`}>{t(`badge.template.${block.latest.state}`)}</span>{" "}
                      <span className="muted">{relativeTime(block.latest.updated_at)}</span>
                    </>
                  ) : "—"}
                </td>
                <td>{block.published ? t("words.version", { number: block.published.number }) : <span className="muted">{t("teamBlocks.notInPalette")}</span>}</td>
                <td className="actions">
                  {publisher && block.latest?.state === "draft" && (
                    <button type="button" className="link-button" onClick={() => void act(() => api.post(`block-templates/${block.id}/publish/`))}>
                      {t("teamBlocks.publish")} <span className="visually-hidden">{block.name}</span>
                    </button>
                  )}
                  {publisher && block.published && (
                    <button type="button" className="link-button" onClick={() => void act(() => api.post(`block-templates/${block.id}/deprecate/`))}>
                      {t("teamBlocks.deprecate")} <span className="visually-hidden">{block.name}</span>
                    </button>
                  )}
                  {writable && block.latest?.state !== "draft" && (
                    <button type="button" className="link-button" onClick={() => void act(() => api.post(`block-templates/${block.id}/versions/`))}>
                      {t("teamBlocks.newVersion")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
