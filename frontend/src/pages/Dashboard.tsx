import { Trans } from "react-i18next";
import { Link } from "react-router";
import { api, optional } from "../api/client";
import type { AgentTask, Page, SlaSummary, TaskQueue, WorkflowSummary } from "../api/types";
import { EventsChart } from "../components/EventsChart";
import { CohortCard, RetentionCard, useRetention } from "../components/RetentionChart";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import { describeEvent, formatDateTime, formatMoney, formatNumber, relativeTime } from "../lib/format";
import { useApi } from "../lib/useApi";
import { can, useMe } from "../workflow/useMe";

const code = <code />;
const docs = <a href="/api/docs/" />;
const workflowsLink = <Link to="/workflows" />;

export function Dashboard() {
  const me = useMe();
  const { data, error, loading, reload } = useApi((signal) => api.stats(signal), []);
  const retention = useRetention();
  const title = t("shell.nav.dashboard");
  if (error) return <><h1>{title}</h1><ErrorMessage error={error} onRetry={reload} /></>;
  if (!data) return <><h1>{title}</h1>{loading && <Loading />}</>;

  const risk = data.at_risk;
  const scored = risk.scored > 0;
  const cards = [
    { label: t("dashboard.atRisk"), value: formatNumber(risk.customers), hint: t("dashboard.atRiskHint", { threshold: risk.threshold }), to: `/customers?ordering=-churn_score&churn_score_min=${risk.threshold}`, risk: true },
    { label: t("dashboard.highValueAtRisk"), value: formatNumber(risk.high_value), to: `/customers?ordering=-clv&churn_score_min=${risk.threshold}`, risk: true },
    { label: t("dashboard.valueAtRisk"), value: formatMoney(risk.value, me?.currency), risk: true },
    { label: t("dashboard.customers"), value: formatNumber(data.customers), to: "/customers" },
  ];
  const recentTotal = data.events_per_day.reduce((sum, d) => sum + d.count, 0);
  const topCount = Math.max(1, ...data.event_types.map((row) => row.count));

  return (
    <>
      <div className="page-head">
        <h1>{title}</h1>
        <p className="muted">{t("home.updated", { when: formatDateTime(data.generated_at) })}</p>
      </div>
      <div className="dashboard-top">
        <FirstSteps />
        <RetentionCard retention={retention} />
      </div>
      <section className="cards" aria-label={t("home.keyFigures")}>
        {cards.map((card) => (
          <div className={card.risk && scored ? "card stat risk" : "card stat"} key={card.label}>
            <p className="stat-label">{card.label}</p>
            <p className="stat-value">
              {card.to ? <Link to={card.to}>{card.value}</Link> : card.value}
            </p>
            {card.hint && scored && <p className="stat-hint">{card.hint}</p>}
          </div>
        ))}
      </section>
      {!scored && <p className="muted">{t("dashboard.notScored")}</p>}
      <TaskTargets />
      <div className="columns">
        <section className="card" aria-labelledby="per-day">
          <h2 id="per-day">{t("home.perDay")} <span className="muted">{t("home.perDayNote")}</span></h2>
          <p className="muted">
            {t("home.recentCounts", {
              count: data.segments, total: formatNumber(data.segments),
              day: formatNumber(data.events_last_24h), week: formatNumber(data.events_last_7d),
            })}
          </p>
          {recentTotal === 0 ? (
            <EmptyState title={t("home.noEvents")}>
              <Trans i18nKey="home.noEventsBody" components={{ code, docs }} />
            </EmptyState>
          ) : (
            <EventsChart points={data.events_per_day} />
          )}
          <RecentEvents />
        </section>
        <section className="card" aria-labelledby="types">
          <h2 id="types">{t("home.types")} <span className="muted">{t("home.typesNote")}</span></h2>
          {data.event_types.length === 0 ? (
            <EmptyState title={t("home.noTypes")} />
          ) : (
            <table className="type-table">
              <thead>
                <tr><th scope="col">{t("words.type")}</th><th scope="col" className="num">{t("home.events")}</th></tr>
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
      <CohortCard retention={retention} />
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
      <h2 id="running">{t("home.running")}</h2>
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          {live.length === 0 ? (
            <EmptyState title={t("home.noneRunning")}>
              {drafts
                ? <Trans i18nKey="home.draftsWaiting" count={drafts} components={{ go: workflowsLink }} />
                : <Trans i18nKey="home.createOne" components={{ go: workflowsLink }} />}
            </EmptyState>
          ) : (
            <ul className="running-list">
              {live.map((w) => (
                <li key={w.id}>
                  <Link to={`/workflows/${w.id}`}>{w.name}</Link> <span className={`badge state-${w.state}`}>{t(`badge.workflow.${w.state}`)}</span>
                  <span className="muted"> {t("home.since", { version: w.version, when: formatDateTime(w.published_at) })}</span>
                </li>
              ))}
            </ul>
          )}
          {data[1] && <p className="card-foot"><Link to="/tasks">{t("home.openTasks", { count: data[1].count, total: formatNumber(data[1].count) })}</Link></p>}
        </>
      )}
    </section>
  );
}

/** Open tasks at risk of missing their queue's response target, and past it, each count
 * linking to the inbox filtered so. Shown once a queue has a target (or the server's
 * default gives tasks one); nothing otherwise. */
function TaskTargets() {
  const { data } = useApi(
    (signal) => Promise.all([
      optional(api.get<SlaSummary>("tasks/sla", signal)),
      optional(api.get<TaskQueue[]>("task-queues/", signal)),
    ]).catch(() => null),
    [],
  );
  if (!data || !data[0]) return null;
  const [summary, queues] = data;
  const targeted = (queues ?? []).some((queue) => queue.response_target_minutes) || summary.at_risk + summary.overdue > 0;
  if (!targeted) return null;
  const cards = [
    { key: "overdue", count: summary.overdue, label: t("home.tasksOverdue"), hint: t("home.overdueHint"), to: "/tasks?view=overdue",
      show: t("home.showOverdue", { count: summary.overdue, total: formatNumber(summary.overdue) }) },
    { key: "at_risk", count: summary.at_risk, label: t("home.tasksAtRisk"), hint: t("home.atRiskHint"), to: "/tasks?view=at_risk",
      show: t("home.showAtRisk", { count: summary.at_risk, total: formatNumber(summary.at_risk) }) },
  ];
  return (
    <section className="cards task-targets" aria-label={t("home.taskTargets")}>
      {cards.map((card) => (
        <div key={card.key} className={card.count > 0 ? `card stat ${card.key === "overdue" ? "risk" : "warn"}` : "card stat"}>
          <p className="stat-label">{card.label}</p>
          <p className="stat-value"><Link to={card.to} aria-label={card.show}>{formatNumber(card.count)}</Link></p>
          <p className="stat-hint">{card.hint}</p>
        </div>
      ))}
    </section>
  );
}

function RecentEvents() {
  const { data, error, reload } = useApi((signal) => api.events({ page_size: 8 }, signal), []);
  return (
    <section aria-labelledby="recent" className="recent-block">
      <h2 id="recent">{t("home.latest")}</h2>
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        <Loading />
      ) : data.results.length === 0 ? (
        <EmptyState title={t("home.noEventsYet")} />
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
          <p className="card-foot"><Link to="/events">{t("home.allEvents")}</Link></p>
        </>
      )}
    </section>
  );
}

/** Until a workflow is published: the three steps to the first one. The first is ticked
 * off once a draft exists; publishing ends the guide. */
function FirstSteps() {
  const me = useMe();
  const { data } = useApi((signal) => api.get<Page<WorkflowSummary>>("workflows/?page_size=200", signal), []);
  if (!data || !can(me, "workflows.write")) return null;
  const workflows = data.results.filter((w) => w.state !== "archived");
  if (workflows.some((w) => w.state === "published" || w.state === "paused")) return null;
  const draft = workflows[0];  // the most recently changed
  const steps = [
    { title: t("dashboard.step1"), body: t("dashboard.step1Body"), done: workflows.length !== 0, action: <Link to="/workflows#starters">{t("dashboard.step1Action")}</Link> },
    { title: t("dashboard.step2"), body: t("dashboard.step2Body"), done: false, action: draft ? <Link to={`/workflows/${draft.id}`}>{t("dashboard.step2Action")}</Link> : null },
    { title: t("dashboard.step3"), body: t("dashboard.step3Body"), done: false, action: null },
  ];
  return (
    <section className="card first-steps" aria-labelledby="first-steps">
      <h2 id="first-steps">{t("dashboard.firstSteps")}</h2>
      <ol>
        {steps.map((step, index) => (
          <li key={step.title} className={step.done ? "done" : undefined}>
            <span className="step-number" aria-hidden="true">{step.done ? "✓" : index + 1}</span>
            <div>
              <h3>{step.title}{step.done && <span className="visually-hidden"> ({t("dashboard.done")})</span>}</h3>
              <p>{step.body}</p>
              {step.action}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
