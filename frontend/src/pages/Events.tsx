import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../api/client";
import { Pager } from "../components/Pager";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { describeEvent, formatDateTime } from "../lib/format";
import { useApi } from "../lib/useApi";

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
        <h1>Events</h1>
        <p className="muted">Newest first, by when they happened.</p>
      </div>
      <form className="toolbar" onSubmit={submit}>
        <label htmlFor="event-type">Event type</label>
        <input id="event-type" list="event-types" value={draft} onChange={(e) => setDraft(e.target.value)}
          placeholder="All types, or e.g. purchase" />
        <datalist id="event-types">
          {types.data?.event_types.map((t) => <option key={t.type} value={t.type} />)}
        </datalist>
        <button type="submit" className="button">Filter</button>
        {type && (
          <button type="button" className="button secondary" onClick={() => { setDraft(""); setParams({}); }}>
            Show all types
          </button>
        )}
      </form>
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        loading && <Loading />
      ) : data.count === 0 ? (
        <EmptyState title={type ? `No “${type}” events.` : "No events yet."}>
          Events arrive through <code>POST /api/v1/events</code> or the tracking API (<a href="/api/docs/">API docs</a>).
        </EmptyState>
      ) : (
        <section className="card flush" aria-busy={loading}>
          <table className="list">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Customer</th>
                <th scope="col">Details</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {data.results.map((event) => (
                <tr key={event.id}>
                  <td className="nowrap">{formatDateTime(event.occurred_at)}</td>
                  <td><code>{event.type}</code></td>
                  <td><Link to={`/customers/${encodeURIComponent(event.customer_id)}`}>{event.customer_id}</Link></td>
                  <td>{describeEvent(event.type, event.properties)}</td>
                  <td>{event.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} count={data.count} noun="events"
            onPage={(next) => setParams({ ...(type ? { type } : {}), page: String(next) })} />
        </section>
      )}
    </>
  );
}
