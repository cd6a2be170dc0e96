import { useState } from "react";
import { useConfirm } from "../components/ConfirmDialog";
import { t } from "../i18n";
import { api } from "../api/client";
import type { ApiKey, ApiKeyCreated, ApiScope, Page } from "../api/types";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { formatDateTime, relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

const SCOPES: ApiScope[] = ["read", "events:write", "runs:write", "workflows:write", "admin"];

/** "events:write: send customer events": the scope's code (what the API docs use), then words. */
function scopeLabel(scope: ApiScope): string {
  return t("apiKeys.scopeLabel", { scope, description: t(`apiKeys.scope.${scope.replace(":", "_")}`) });
}

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
    return <><h1>{t("shell.nav.apiKeys")}</h1><EmptyState title={t("apiKeys.adminsOnly")}>{t("apiKeys.askAdmin")}</EmptyState></>;
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
      <h1>{t("shell.nav.apiKeys")}</h1>
      <form className="card" onSubmit={(e) => { e.preventDefault(); void create(); }} aria-label={t("apiKeys.new")}>
        <div className="form-row">
          <label htmlFor="key-name">{t("apiKeys.name")}</label>
          <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} required placeholder={t("apiKeys.namePlaceholder")} />
        </div>
        <fieldset>
          <legend>{t("apiKeys.scopes")}</legend>
          {SCOPES.map((scope) => (
            <label key={scope} className="check">
              <input type="checkbox" checked={scopes.includes(scope)}
                onChange={(e) => setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((x) => x !== scope))} />
              {scopeLabel(scope)}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="button" disabled={!name.trim() || scopes.length === 0}>{t("apiKeys.create")}</button>
      </form>
      {created && (
        <div className="state notice" role="alert">
          <p className="state-title">{t("apiKeys.copyNow")}</p>
          <p><label htmlFor="new-key">{t("apiKeys.keyFor", { name: created.name })}</label></p>
          <input id="new-key" readOnly value={created.key} onFocus={(e) => e.target.select()} className="mono wide" />
          <button type="button" className="button secondary" onClick={() => setCreated(null)}>{t("words.done")}</button>
        </div>
      )}
      {error && <ErrorMessage error={error} />}
      {list.error ? (
        <ErrorMessage error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Loading />
      ) : list.data.results.length === 0 ? (
        <EmptyState title={t("apiKeys.empty")} />
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t("words.name")}</th><th scope="col">{t("apiKeys.prefix")}</th><th scope="col">{t("apiKeys.scopes")}</th>
              <th scope="col">{t("apiKeys.lastUsed")}</th><th scope="col">{t("words.status")}</th>
              <th scope="col"><span className="visually-hidden">{t("words.actions")}</span></th>
            </tr>
          </thead>
          <tbody>
            {list.data.results.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td><code>{k.prefix}…</code></td>
                <td>{k.scopes.join(", ")}</td>
                <td>{relativeTime(k.last_used_at)}</td>
                <td>
                  {k.revoked_at ? t("apiKeys.revoked", { when: formatDateTime(k.revoked_at) })
                    : k.expires_at ? t("apiKeys.expires", { when: formatDateTime(k.expires_at) }) : t("apiKeys.active")}
                </td>
                <td>{!k.revoked_at && <button type="button" className="link-button" onClick={() => void revoke(k)}>{t("apiKeys.revoke")} <span className="visually-hidden">{k.name}</span></button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
