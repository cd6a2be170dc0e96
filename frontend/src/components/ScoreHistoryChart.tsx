import { api } from "../api/client";
import type { ScoreHistory } from "../api/types";
import { t } from "../i18n";
import { scoreChart } from "../lib/scoreChart";
import { formatDate } from "../lib/format";
import { useApi } from "../lib/useApi";
import { EmptyState, ErrorMessage, Loading } from "./States";

// About the card's width, so the labels show at their size.
const WIDTH = 420;
const HEIGHT = 160;
const PLOT = WIDTH - 30; // the right margin holds the axis labels
const score = (value: number) => value.toFixed(2);

/** A customer's churn score and P(alive) over time, fetched from the score history. */
export function ScoreHistoryChart({ externalId }: { externalId: string }) {
  const { data, error, loading, reload } = useApi(
    (signal) => api.scoreHistory(externalId, {}, signal), [externalId]);
  if (error) return <ErrorMessage error={error} onRetry={reload} />;
  if (!data) return loading ? <Loading label={t("scoreHistory.loading")} /> : null;
  if (data.points.length === 0) {
    return <EmptyState title={t("scoreHistory.empty")}>{t("scoreHistory.emptyBody")}</EmptyState>;
  }
  return <Chart history={data} />;
}

function Chart({ history }: { history: ScoreHistory }) {
  const chart = scoreChart(history, PLOT, HEIGHT);
  const { churn_score: churnLimit, p_alive: aliveLimit } = history.thresholds;
  const tip = (p: (typeof chart.points)[number]) => t(p.tier ? "scoreHistory.pointTier" : "scoreHistory.point", {
    date: formatDate(p.at), churn: score(p.churn), alive: score(p.alive), tier: p.tier,
  });
  return (
    <figure className="chart score-chart" data-testid="score-history-chart">
      <ul className="chart-legend">
        <li className="legend-churn">{t("scoreHistory.churn")}</li>
        <li className="legend-alive">{t("scoreHistory.alive")}</li>
      </ul>
      <svg viewBox={`-6 -6 ${WIDTH + 6} ${HEIGHT + 30}`} role="img"
        aria-label={t("scoreHistory.summary", {
          start: formatDate(chart.start), end: formatDate(chart.end), count: chart.points.length,
        })}>
        <line x1={0} x2={PLOT} y1={HEIGHT} y2={HEIGHT} className="chart-axis" />
        <line x1={0} x2={PLOT} y1={0} y2={0} className="chart-grid" />
        <line x1={0} x2={PLOT} y1={HEIGHT / 2} y2={HEIGHT / 2} className="chart-grid" />
        <text x={PLOT + 6} y={4} className="chart-label">1</text>
        <text x={PLOT + 6} y={HEIGHT / 2 + 4} className="chart-label">0.5</text>
        <text x={PLOT + 6} y={HEIGHT + 4} className="chart-label">0</text>
        <line x1={0} x2={PLOT} y1={chart.churnThresholdY} y2={chart.churnThresholdY} className="threshold threshold-churn">
          <title>{t("scoreHistory.churnThreshold", { value: churnLimit })}</title>
        </line>
        <line x1={0} x2={PLOT} y1={chart.aliveThresholdY} y2={chart.aliveThresholdY} className="threshold threshold-alive">
          <title>{t("scoreHistory.aliveThreshold", { value: aliveLimit })}</title>
        </line>
        <text x={4} y={chart.churnThresholdY - 4} className="chart-label threshold-label">
          {t("scoreHistory.churnThreshold", { value: churnLimit })}
        </text>
        <text x={4} y={chart.aliveThresholdY - 4} className="chart-label threshold-label">
          {t("scoreHistory.aliveThreshold", { value: aliveLimit })}
        </text>
        <path d={chart.alivePath} className="score-line line-alive" />
        <path d={chart.churnPath} className="score-line line-churn" />
        {chart.points.map((p) => (
          <g key={p.at} className="score-point">
            <title>{tip(p)}</title>
            <circle cx={p.x} cy={p.aliveY} r={3.5} className="dot-alive" />
            <circle cx={p.x} cy={p.churnY} r={3.5} className="dot-churn" />
          </g>
        ))}
        <text x={0} y={HEIGHT + 18} className="chart-label">{formatDate(chart.start)}</text>
        <text x={PLOT} y={HEIGHT + 18} textAnchor="end" className="chart-label">{formatDate(chart.end)}</text>
      </svg>
      <figcaption className="visually-hidden">
        <table>
          <thead>
            <tr>
              <th>{t("scoreHistory.day")}</th><th>{t("scoreHistory.churn")}</th>
              <th>{t("scoreHistory.alive")}</th><th>{t("scoreHistory.tier")}</th>
            </tr>
          </thead>
          <tbody>
            {chart.points.map((p) => (
              <tr key={p.at}><td>{formatDate(p.at)}</td><td>{score(p.churn)}</td><td>{score(p.alive)}</td><td>{p.tier}</td></tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
