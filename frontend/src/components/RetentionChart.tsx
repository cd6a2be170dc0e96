import { useId, useState } from "react";
import { api } from "../api/client";
import type { Page, RetentionDashboard, Segment } from "../api/types";
import { t } from "../i18n";
import { formatDate, formatDateTime, formatMonth, formatNumber, formatPercent, formatTime } from "../lib/format";
import { cohortShade, hasHistory, isPartial, retentionChart } from "../lib/retention";
import { useApi } from "../lib/useApi";
import { EmptyState, ErrorMessage, Loading } from "./States";

export const DEFINITIONS = ["purchase", "contract", "p_alive"] as const;
export type Definition = (typeof DEFINITIONS)[number];

const WIDTH = 600;
const HEIGHT = 160;
const PLOT = WIDTH - 40; // the right margin holds the axis labels

/** The dashboard's retention, fetched once for the chart and the cohort table: who
 * counts as a customer and which customers are the user's choice. */
export function useRetention() {
  const [definition, setDefinition] = useState<Definition>("purchase");
  const [segment, setSegment] = useState("");
  const query = `reports/retention/dashboard?definition=${definition}${segment ? `&segment=${segment}` : ""}`;
  const result = useApi((signal) => api.get<RetentionDashboard>(query, signal), [query]);
  return { definition, setDefinition, segment, setSegment, ...result };
}

type Retention = ReturnType<typeof useRetention>;

/** "10:05" today, else the date and time. */
function asOf(iso: string): string {
  const sameDay = new Date(iso).toDateString() === new Date().toDateString();
  return sameDay ? formatTime(iso) : formatDateTime(iso);
}

function monthLabel(month: { from: string; to: string }): string {
  return isPartial(month) ? t("retention.soFar", { month: formatMonth(month.from) }) : formatMonth(month.from);
}

/** Retention and churn per month with the definition and segment pickers, the latest
 * whole month's figures, and the numbers behind a toggle. */
export function RetentionCard({ retention }: { retention: Retention }) {
  const { data, error, loading, reload, definition } = retention;
  return (
    <section className="card retention" aria-labelledby="retention-title" data-testid="retention">
      <div className="card-head">
        <h2 id="retention-title">{t("retention.title")}</h2>
        {data && <p className="muted">{t("retention.asOf", { when: asOf(data.as_of) })}</p>}
      </div>
      <Pickers retention={retention} />
      {error ? (
        <ErrorMessage error={error} onRetry={reload} />
      ) : !data ? (
        loading && <Loading label={t("retention.loading")} />
      ) : !hasHistory(data) ? (
        <EmptyState title={t(`retention.empty.${definition}`)}>{t(`retention.emptyBody.${definition}`)}</EmptyState>
      ) : (
        <Figures report={data} />
      )}
    </section>
  );
}

function Pickers({ retention }: { retention: Retention }) {
  const { data } = useApi((signal) => api.get<Page<Segment>>("segments/?page_size=200", signal).catch(() => null), []);
  const id = useId();
  return (
    <div className="retention-pickers">
      <label htmlFor={`${id}-definition`}>{t("retention.definition")}</label>
      <select id={`${id}-definition`} value={retention.definition}
        onChange={(event) => retention.setDefinition(event.target.value as Definition)}>
        {DEFINITIONS.map((d) => <option key={d} value={d}>{t(`retention.definitions.${d}`)}</option>)}
      </select>
      <label htmlFor={`${id}-segment`}>{t("retention.segment")}</label>
      <select id={`${id}-segment`} value={retention.segment} onChange={(event) => retention.setSegment(event.target.value)}>
        <option value="">{t("retention.allCustomers")}</option>
        {(data?.results ?? []).map((s) => <option key={s.id} value={String(s.id)}>{s.name}</option>)}
      </select>
    </div>
  );
}

function Figures({ report }: { report: RetentionDashboard }) {
  const [table, setTable] = useState(false);
  const tableId = useId();
  const chart = retentionChart(report.series, PLOT, HEIGHT);
  const latest = [...report.series].reverse().find((m) => !isPartial(m) && m.retention !== null);
  const first = report.series[0];
  const last = report.series[report.series.length - 1];
  return (
    <>
      {latest && (
        <div className="cards retention-figures">
          <div className="card stat">
            <p className="stat-label">{t("retention.keptIn", { month: formatMonth(latest.from) })}</p>
            <p className="stat-value">{formatPercent(latest.retention)}</p>
          </div>
          <div className="card stat">
            <p className="stat-label">{t("retention.lostIn", { month: formatMonth(latest.from) })}</p>
            <p className="stat-value">{formatPercent(latest.churn)}</p>
          </div>
        </div>
      )}
      {report.retention !== null && (
        <p className="muted">
          {t("retention.overall", {
            count: report.start, total: formatNumber(report.start), date: formatDate(report.from),
            kept: formatPercent(report.retention), lost: formatPercent(report.churn),
          })}
        </p>
      )}
      <figure className="chart retention-chart" data-testid="retention-chart">
        <ul className="chart-legend">
          <li className="legend-alive">{t("retention.kept")}</li>
          <li className="legend-churn">{t("retention.lost")}</li>
        </ul>
        <svg viewBox={`-6 -6 ${WIDTH + 6} ${HEIGHT + 30}`} role="img"
          aria-label={t("retention.chartLabel", { from: formatMonth(first.from), to: monthLabel(last) })}>
          <line x1={0} x2={PLOT} y1={HEIGHT} y2={HEIGHT} className="chart-axis" />
          <line x1={0} x2={PLOT} y1={0} y2={0} className="chart-grid" />
          <line x1={0} x2={PLOT} y1={HEIGHT / 2} y2={HEIGHT / 2} className="chart-grid" />
          <text x={PLOT + 6} y={4} className="chart-label">{formatPercent(1)}</text>
          <text x={PLOT + 6} y={HEIGHT / 2 + 4} className="chart-label">{formatPercent(0.5)}</text>
          <text x={PLOT + 6} y={HEIGHT + 4} className="chart-label">{formatPercent(0)}</text>
          <path d={chart.retentionPath} className="score-line line-alive" />
          <path d={chart.churnPath} className="score-line line-churn" />
          {chart.points.map((p) => (
            <g key={p.from} className="score-point">
              <title>
                {p.retention === null
                  ? t("retention.noRate", { month: monthLabel(p) })
                  : t("retention.point", { month: monthLabel(p), kept: formatPercent(p.retention), lost: formatPercent(p.churn) })}
              </title>
              {p.retentionY !== null && <circle cx={p.x} cy={p.retentionY} r={3.5} className="dot-alive" />}
              {p.churnY !== null && <circle cx={p.x} cy={p.churnY} r={3.5} className="dot-churn" />}
            </g>
          ))}
          <text x={0} y={HEIGHT + 18} className="chart-label">{formatMonth(first.from)}</text>
          <text x={PLOT} y={HEIGHT + 18} textAnchor="end" className="chart-label">{monthLabel(last)}</text>
        </svg>
      </figure>
      <button type="button" className="button secondary small" aria-expanded={table} aria-controls={tableId}
        onClick={() => setTable(!table)}>
        {table ? t("retention.hideTable") : t("retention.showTable")}
      </button>
      <div id={tableId} hidden={!table}>
        <table className="list retention-table">
          <caption className="visually-hidden">{t("retention.title")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("retention.month")}</th>
              <th scope="col" className="num">{t("retention.atStart")}</th>
              <th scope="col" className="num">{t("retention.atEnd")}</th>
              <th scope="col" className="num">{t("retention.new")}</th>
              <th scope="col" className="num">{t("retention.kept")}</th>
              <th scope="col" className="num">{t("retention.lost")}</th>
            </tr>
          </thead>
          <tbody>
            {report.series.map((m) => (
              <tr key={m.from}>
                <th scope="row">{monthLabel(m)}</th>
                <td className="num">{formatNumber(m.start)}</td>
                <td className="num">{formatNumber(m.end)}</td>
                <td className="num">{formatNumber(m.new)}</td>
                <td className="num">{formatPercent(m.retention)}</td>
                <td className="num">{formatPercent(m.churn)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="card-foot"><a href="#cohorts-title">{t("retention.toCohorts")}</a></p>
    </>
  );
}

/** New customers by month of first purchase (rows) and the share of them still
 * customers after 1, 2, … months (columns), cells shaded by that share. */
export function CohortCard({ retention }: { retention: Retention }) {
  const { data } = retention;
  if (!data || !hasHistory(data)) return null;
  const width = Math.max(0, ...data.cohorts.map((c) => c.retained.length));
  const after = Array.from({ length: width }, (_, index) => index + 1);
  return (
    <section className="card cohorts" aria-labelledby="cohorts-title" data-testid="cohorts">
      <h2 id="cohorts-title">{t("cohorts.title")}</h2>
      <p className="muted">{t("cohorts.intro")}</p>
      {data.cohorts.length === 0 ? (
        <EmptyState title={t("cohorts.empty")} />
      ) : (
        <div className="table-scroll">
          <table className="list cohort-table">
            <thead>
              <tr>
                <th scope="col">{t(data.definition === "contract" ? "cohorts.monthContract" : "cohorts.month")}</th>
                <th scope="col" className="num">{t("cohorts.customers")}</th>
                {after.map((n) => <th key={n} scope="col" className="num">{t("cohorts.after", { count: n })}</th>)}
              </tr>
            </thead>
            <tbody>
              {data.cohorts.map((cohort) => (
                <tr key={cohort.month}>
                  <th scope="row">{formatMonth(cohort.month)}</th>
                  <td className="num">{formatNumber(cohort.customers)}</td>
                  {after.map((n) => {
                    const share = cohort.retained[n - 1];
                    return share === undefined
                      ? <td key={n} />
                      : <td key={n} className="num cohort-cell" style={{ background: cohortShade(share) }}>{formatPercent(share)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
