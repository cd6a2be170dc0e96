import { useState } from "react";
import { useConfirm } from "../components/ConfirmDialog";
import { t } from "../i18n";
import { api } from "../api/client";
import type { ApiKey, ApiKeyCreated, ApiScope, Page } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { formatDateTime, relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

const SCOPES: { value: ApiScope; label: string }[] = [
  { value: "read", label: "read: read customers, events, workflows" },
  { value: "events:write", label: "events:write: send customer events" },
  { value: "runs:write", label: "runs:write: start and cancel runs" },
  { value: "workflows:write", label: "workflows:write: change workflows" },
  { value: "admin", label: "admin: everything" },
];

/** API keys for other systems (admins only): create one (its secret is shown once), revoke. */
export function ApiKeys() {
  const me = useMe();
  const allowed = can(me, "api_keys.manage");
  const list = useApi((signal) => (allowed ? api.get<Page<ApiKey>>("api-keys/?page_size=200", signal) : Promise.resolve(null)), [allowed]);
  const [name, setName] = useState("");
  const [confirm, confirmDialog] = useConfirm();
  const [scopes, setScopes] = useState<ApiScope[]>(["events:write"]);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [error, setError] = useState<Error | null>(null);

  if (me && !allowed) {
    return <><h1>API keys</h1><EmptyState title="Only admins manage API keys.">Ask an admin for a key with the scopes you need.</EmptyState></>;
  }

  const create = async () => {
    setError(null);
    try {
      setCreated(await api.post<ApiKeyCreated>("api-keys/", { name, scopes }));
      setName("");
      list.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  const revoke = async (key: ApiKey) => {
    const answer = await confirm({
      title: t("confirm.revokeTitle", { name: key.name }),
      body: t("confirm.revokeBody"),
      confirmLabel: t("confirm.revokeConfirm"),
      danger: true,
    });
    if (answer !== "confirm") return;
    try {
      await api.post(`api-keys/${key.id}/revoke/`);
      list.reload();
    } catch (e) {
      setError(e as Error);
    }
  };

  return (
    <>
      {confirmDialog}
      <h1>API keys</h1>
      <form className="card" onSubmit={(e) => { e.preventDefault(); void create(); }} aria-label="New API key">
        <div className="form-row">
          <label htmlFor="key-name">Name (what uses it)</label>
          <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} required placeholder="e.g. Shop backend" />
        </div>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.value} className="check">
              <input type="checkbox" checked={scopes.includes(s.value)}
                onChange={(e) => setScopes(e.target.checked ? [...scopes, s.value] : scopes.filter((x) => x !== s.value))} />
              {s.label}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="button" disabled={!name.trim() || scopes.length === 0}>Create key</button>
      </form>
      {created && (
        <div className="state notice" role="alert">
          <p className="state-title">Copy the key now: it is shown only once.</p>
          <p><label htmlFor="new-key">Key for {created.name}</label></p>
          <input id="new-key" readOnly value={created.key} onFocus={(e) => e.target.select()} className="mono wide" />
          <button type="button" className="button secondary" onClick={() => setCreated(null)}>Done</button>
        </div>
      )}
      {error && <ErrorMessage error={error} />}
      {list.error ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.results.length === 0 ? (
        <EmptyState title="No API keys yet." />
      ) : (
        <table className="data-table">
          <thead><tr><th scope="col">Name</th><th scope="col">Key starts</th><th scope="col">Scopes</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {list.data.results.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td><code>{k.prefix}…</code></td>
                <td>{k.scopes.join(", ")}</td>
                <td>{relativeTime(k.last_used_at)}</td>
                <td>{k.revoked_at ? `revoked ${formatDateTime(k.revoked_at)}` : k.expires_at ? `expires ${formatDateTime(k.expires_at)}` : "active"}</td>
                <td>{!k.revoked_at && <button type="button" className="link-button" onClick={() => void revoke(k)}>Revoke <span className="visually-hidden">{k.name}</span></button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
