import { Link } from "react-router";
import { api, optional } from "../api/client";
import type { AgentTask, Page, WorkflowSummary } from "../api/types";
import { EventsChart } from "../components/EventsChart";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { describeEvent, formatDateTime, formatNumber, relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";

export function Dashboard() {
  const { data, error, loading, reload } = useApi((signal) => api.stats(signal), []);
  if (error) return <><h1>Dashboard</h1><ErrorMessage error={error} onRetry={reload} /></>;
  if (!data) return <><h1>Dashboard</h1>{loading && <Loading />}</>;

  const cards = [
    { label: "Customers", value: data.customers, to: "/customers" },
    { label: "Events, last 24 hours", value: data.events_last_24h, to: "/events" },
    { label: "Events, last 7 days", value: data.events_last_7d, to: "/events" },
    { label: "Segments", value: data.segments },
  ];
  const recentTotal = data.events_per_day.reduce((sum, d) => sum + d.count, 0);
  const topCount = Math.max(1, ...data.event_types.map((t) => t.count));

  return (
    <>
      <div className="page-head">
        <h1>Dashboard</h1>
        <p className="muted">Updated {formatDateTime(data.generated_at)}</p>
      </div>
      <section className="cards" aria-label="Key figures">
        {cards.map((card) => (
          <div className="card stat" key={card.label}>
            <p className="stat-label">{card.label}</p>
            <p className="stat-value">
              {card.to ? <Link to={card.to}>{formatNumber(card.value)}</Link> : formatNumber(card.value)}
            </p>
          </div>
        ))}
      </section>
      <div className="columns">
        <section className="card" aria-labelledby="per-day">
          <h2 id="per-day">Events per day <span className="muted">(last 30 days, UTC)</span></h2>
          {recentTotal === 0 ? (
            <EmptyState title="No events in the last 30 days.">
              Send one with <code>POST /api/v1/events</code> (see the <a href="/api/docs/">API docs</a>).
            </EmptyState>
          ) : (
            <EventsChart points={data.events_per_day} />
          )}
          <RecentEvents />
        </section>
        <section className="card" aria-labelledby="types">
          <h2 id="types">Event types <span className="muted">(last 30 days)</span></h2>
          {data.event_types.length === 0 ? (
            <EmptyState title="No event types yet." />
          ) : (
            <table className="type-table">
              <thead>
                <tr><th scope="col">Type</th><th scope="col" className="num">Events</th></tr>
              </thead>
              <tbody>
                {data.event_types.map((row) => (
                  <tr key={row.type}>
                    <td>
                      <Link to={`/events?type=${encodeURIComponent(row.type)}`}>{row.type}</Link>
                      <span className="meter" aria-hidden="true">
                        <span style={{ width: `${(row.count / topCount) * 100}%` }} />
                      </span>
                    </td>
                    <td className="num">{formatNumber(row.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <Running />
    </>
  );
}

/** What is running: published and paused workflows, with open agent tasks. */
function Running() {
  const { data, error, reload } = useApi(
    (signal) => Promise.all([
      api.get<Page<WorkflowSummary>>("workflows/?page_size=200", signal),
      optional(api.get<Page<AgentTask>>("tasks/?state=open&page_size=1", signal)).catch(() => null),
    ]),
    [],
  );
  const live = (data?.[0].results ?? []).filter((w) => w.state === "published" || w.state === "paused");
  const drafts = (data?.[0].results ?? []).filter((w) => w.state === "draft").length;
  return (
    <section className="card running" aria-labelledby="running">
      <h2 id="running">What is running</h2>
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          {live.length === 0 ? (
            <EmptyState title="No workflow is running.">
              {drafts ? <>{drafts} draft{drafts > 1 ? "s" : ""} waiting: <Link to="/workflows">open the workflows</Link> and publish one.</> : <>Create one under <Link to="/workflows">Workflows</Link>.</>}
            </EmptyState>
          ) : (
            <ul className="running-list">
              {live.map((w) => (
                <li key={w.id}>
                  <Link to={`/workflows/${w.id}`}>{w.name}</Link> <span className={`badge state-${w.state}`}>{w.state}</span>
                  <span className="muted"> v{w.version}, since {formatDateTime(w.published_at)}</span>
                </li>
              ))}
            </ul>
          )}
          {data[1] && <p className="card-foot"><Link to="/tasks">{formatNumber(data[1].count)} open agent task{data[1].count === 1 ? "" : "s"} →</Link></p>}
        </>
      )}
    </section>
  );
}

function RecentEvents() {
  const { data, error, reload } = useApi((signal) => api.events({ page_size: 8 }, signal), []);
  return (
    <section aria-labelledby="recent" className="recent-block">
      <h2 id="recent">Latest events</h2>
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        <Loading />
      ) : data.results.length === 0 ? (
        <EmptyState title="No events yet." />
      ) : (
        <>
          <ul className="recent">
            {data.results.map((event) => (
              <li key={event.id}>
                <time dateTime={event.occurred_at} title={formatDateTime(event.occurred_at)}>
                  {relativeTime(event.occurred_at)}
                </time>
                <Link to={`/customers/${encodeURIComponent(event.customer_id)}`}>{event.customer_id}</Link>
                <span className="what"><code>{event.type}</code> {describeEvent(event.type, event.properties)}</span>
              </li>
            ))}
          </ul>
          <p className="card-foot"><Link to="/events">All events →</Link></p>
        </>
      )}
    </section>
  );
}
