import { Link, useParams } from "react-router";
import { api } from "../api/client";
import { tierLabel } from "../lib/tiers";
import { CHANNELS, type CustomerDetail as Detail } from "../api/types";
import { ScoreHistoryChart } from "../components/ScoreHistoryChart";
import { ChurnBreakdownCard } from "../components/ChurnBreakdown";
import { EmptyState, ErrorMessage, Loading } from "../components/States";
import { t } from "../i18n";
import {
  customerName, daysUntil, describeEvent, formatDate, formatDateTime, formatDays, formatDecimal, formatMoney, formatTime, relativeTime,
} from "../lib/format";
import { dayLabel, groupByDay } from "../lib/timeline";
import { useApi } from "../lib/useApi";
import { useMe } from "../workflow/useMe";

const SHOWN_ELSEWHERE = new Set(["plan", "contract_end", "customer_since"]);

export function CustomerDetail() {
  const { externalId = "" } = useParams();
  const { data, error, loading, reload } = useApi((signal) => api.customer(externalId, signal), [externalId]);
  return (
    <>
      <p className="crumbs"><Link to="/customers">{t("customer.back")}</Link></p>
      {error ? (
        <>
          <h1>{externalId}</h1>
          <ErrorMessage error={error} onRetry={reload}
            notFound={t("customer.notFound", { id: externalId })} />
        </>
      ) : !data ? (
        loading && <Loading />
      ) : (
        <CustomerView customer={data} />
      )}
    </>
  );
}

function CustomerView({ customer }: { customer: Detail }) {
  const me = useMe();
  const attrs = customer.attributes;
  const contractEnd = typeof attrs.contract_end === "string" ? attrs.contract_end : null;
  const endsIn = contractEnd ? daysUntil(contractEnd) : null;
  const extra = Object.entries(attrs).filter(([key]) => !SHOWN_ELSEWHERE.has(key));
  return (
    <>
      <div className="page-head">
        <h1>{customerName(customer)}</h1>
        <p className="muted">
          <code>{customer.external_id}</code>
          {customer.tier && <span className={`badge tier-${customer.tier}`}>{tierLabel(customer.tier)}</span>}
          {customer.tags.map((tag) => <span className="badge tag" key={tag}>{tag}</span>)}
        </p>
      </div>
      <div className="columns detail">
        <div className="stack">
          <section className="card" aria-labelledby="profile">
            <h2 id="profile">{t("customer.profile")}</h2>
            <dl className="facts">
              <dt>{t("customer.email")}</dt><dd>{customer.email || "—"}</dd>
              <dt>{t("customer.phone")}</dt><dd>{customer.phone || "—"}</dd>
              <dt>{t("customer.timezone")}</dt><dd>{customer.timezone}</dd>
              <dt>{t("customer.locale")}</dt><dd>{customer.locale || "—"}</dd>
              <dt>{t("customer.plan")}</dt><dd>{String(attrs.plan ?? "—")}</dd>
              <dt>{t("customer.since")}</dt><dd>{formatDate(attrs.customer_since as string | undefined)}</dd>
              <dt>{t("customer.contractEnds")}</dt>
              <dd>
                {formatDate(contractEnd)}
                {endsIn !== null && endsIn >= 0 && endsIn <= 30 && (
                  <span className="badge warn">{formatDays(endsIn)}</span>
                )}
                {endsIn !== null && endsIn < 0 && <span className="badge danger">{t("customer.ended")}</span>}
              </dd>
              <dt>{t("customers.clv")}</dt><dd>{formatMoney(customer.clv, me?.currency)}</dd>
              <dt>{t("customers.churn")}</dt><dd>{customer.churn_score === null ? t("customers.notScored") : formatDecimal(customer.churn_score)}</dd>
              <dt>{t("customer.lastSeen")}</dt><dd title={formatDateTime(customer.last_seen_at)}>{relativeTime(customer.last_seen_at)}</dd>
            </dl>
            {extra.length > 0 && (
              <details>
                <summary>{t("customer.allAttributes", { count: extra.length })}</summary>
                <dl className="facts">
                  {extra.map(([key, value]) => (
                    <div key={key} className="fact-row"><dt>{key}</dt><dd>{JSON.stringify(value)}</dd></div>
                  ))}
                </dl>
              </details>
            )}
          </section>
          <section className="card" aria-labelledby="score-history">
            <h2 id="score-history">{t("scoreHistory.title")}</h2>
            <ScoreHistoryChart externalId={customer.external_id} />
          </section>
          <ChurnBreakdownCard score={customer.churn_score} reason={customer.churn_reason} breakdown={customer.churn_breakdown} />
          <section className="card" aria-labelledby="consent">
            <h2 id="consent">{t("customer.consent")}</h2>
            <table className="list compact">
              <thead>
                <tr><th scope="col">{t("customer.channel")}</th><th scope="col">{t("words.status")}</th><th scope="col">{t("words.source")}</th><th scope="col">{t("customer.consentSince")}</th></tr>
              </thead>
              <tbody>
                {CHANNELS.map((channel) => {
                  const entry = customer.consent[channel];
                  const status = entry?.status ?? "unknown";
                  return (
                    <tr key={channel}>
                      <th scope="row" className="nowrap">{t(`customer.channelName.${channel}`)}</th>
                      <td><span className={`badge consent-${status}`}>{t(`badge.consent.${status}`, { defaultValue: status })}</span></td>
                      <td>{entry?.source || "—"}</td>
                      <td className="nowrap">{formatDate(entry?.at)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
          <section className="card" aria-labelledby="segments">
            <h2 id="segments">{t("shell.nav.segments")}</h2>
            {customer.segments.length === 0 ? (
              <EmptyState title={t("customer.noSegment")} />
            ) : (
              <ul className="chips">
                {customer.segments.map((name) => <li key={name} className="badge segment">{name}</li>)}
              </ul>
            )}
          </section>
        </div>
        <section className="card" aria-labelledby="timeline">
          <h2 id="timeline">{t("customer.timeline")} <span className="muted">{t("customer.timelineNote", { count: customer.timeline.length, zone: customer.timezone })}</span></h2>
          <Timeline customer={customer} />
        </section>
      </div>
    </>
  );
}

function Timeline({ customer }: { customer: Detail }) {
  if (customer.timeline.length === 0) return <EmptyState title={t("customer.nothingYet")} />;
  const zone = customer.timezone || undefined;
  return (
    <ol className="timeline">
      {groupByDay(customer.timeline, zone).map((group) => (
        <li key={group.day}>
          <h3 className="timeline-day">{dayLabel(group.day, new Date(), zone)}</h3>
          <ul>
            {group.items.map((item, index) => (
              <li key={`${item.at}-${index}`} className={`timeline-item kind-${item.kind} type-${item.title.replace(/[^a-z0-9]+/gi, "-")}`}>
                <time dateTime={item.at}>{formatTime(item.at, undefined, zone)}</time>
                <span className="timeline-title">{item.title}</span>
                <span className="timeline-text">
                  {describeEvent(item.title, (item.data.properties as Record<string, unknown>) ?? {})}
                </span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
