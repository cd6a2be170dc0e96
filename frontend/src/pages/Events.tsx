import { type FormEvent, useState } from "react";
import { Trans } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { api } from "../api/client";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { describeEvent, formatDateTime } from "../lib/format";
import { useApi } from "../lib/useApi";

const docs = <a href="/api/docs/" />;
const code = <code />;

export function Events() {
  const [params, setParams] = useSearchParams();
  const type = params.get("type") ?? "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const [draft, setDraft] = useState(type);
  const { data, error, loading, reload } = useApi((signal) => api.events({ type, page }, signal), [type, page]);
  const types = useApi((signal) => api.stats(signal), []);

  function submit(event: FormEvent) {
    event.preventDefault();
    setParams(draft.trim() ? { type: draft.trim() } : {});
  }

  return (
    <>
      <div className="page-head">
        <h1>{t("shell.nav.events")}</h1>
        <p className="muted">{t("eventList.intro")}</p>
      </div>
      <form className="toolbar" onSubmit={submit}>
        <label htmlFor="event-type">{t("eventList.type")}</label>
        <input id="event-type" list="event-types" value={draft} onChange={(e) => setDraft(e.target.value)}
          placeholder={t("eventList.typePlaceholder")} />
        <datalist id="event-types">
          {types.data?.event_types.map((row) => <option key={row.type} value={row.type} />)}
        </datalist>
        <button type="submit" className="button">{t("customers.filter")}</button>
        {type && (
          <button type="button" className="button secondary" onClick={() => { setDraft(""); setParams({}); }}>
            {t("eventList.showAll")}
          </button>
        )}
      </form>
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        loading && <Loading />
      ) : data.count === 0 ? (
        <EmptyState title={type ? t("eventList.noneOfType", { type }) : t("home.noEventsYet")}>
          <Trans i18nKey="eventList.emptyBody" components={{ code, docs }} />
        </EmptyState>
      ) : (
        <section className="card flush" aria-busy={loading}>
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t("eventList.when")}</th>
                <th scope="col">{t("words.type")}</th>
                <th scope="col">{t("eventList.customer")}</th>
                <th scope="col">{t("eventList.details")}</th>
                <th scope="col">{t("words.source")}</th>
              </tr>
            </thead>
            <tbody>
              {data.results.map((event) => (
                <tr key={event.id}>
                  <td className="nowrap">{formatDateTime(event.occurred_at)}</td>
                  <td><code>{event.type}</code></td>
                  <td><Link to={`/customers/${encodeURIComponent(event.customer_id)}`}>{event.customer_id}</Link></td>
                  <td>{describeEvent(event.type, event.properties)}</td>
                  <td>{t(`badge.eventSource.${event.source}`, { defaultValue: event.source })}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} count={data.count} items="events"
            onPage={(next) => setParams({ ...(type ? { type } : {}), page: String(next) })} />
        </section>
      )}
    </>
  );
}
