import type { ExitReasonsReport } from "../api/types";
import { t } from "../i18n";
import { stackedBars } from "../lib/chart";
import { formatDate, formatNumber } from "../lib/format";

const WIDTH = 600;
const HEIGHT = 180;
const PLOT = WIDTH - 36; // the right margin holds the axis labels
export const SERIES = 8; // colours chart-series-0 … 7, by the reason's place in the list

/** Exit-survey answers per period as stacked bars (one colour per reason), with a table
 * fallback for screen readers. */
export function ExitReasonsChart({ report }: { report: ExitReasonsReport }) {
  const order = report.reasons.map((r) => r.code);
  const labels = Object.fromEntries(report.reasons.map((r) => [r.code, r.label]));
  const { stacks, max } = stackedBars(report.periods.map((p) => ({
    label: p.start,
    values: order.map((code) => ({ key: code, value: p.counts[code] ?? 0 })),
  })), PLOT, HEIGHT);
  const period = t(`exitReasons.${report.period}`);
  const first = report.periods[0]?.start;
  const last = report.periods[report.periods.length - 1]?.start;
  return (
    <figure className="chart">
      <svg viewBox={`0 -6 ${WIDTH} ${HEIGHT + 30}`} role="img"
        aria-label={t("exitReasons.chartLabel", { period, from: formatDate(report.from), to: formatDate(report.to), count: report.totals.answered })}>
        <line x1={0} x2={PLOT} y1={HEIGHT} y2={HEIGHT} className="chart-axis" />
        <line x1={0} x2={PLOT} y1={1} y2={1} className="chart-grid" />
        <line x1={0} x2={PLOT} y1={HEIGHT / 2} y2={HEIGHT / 2} className="chart-grid" />
        <text x={PLOT + 6} y={5} className="chart-label">{formatNumber(max)}</text>
        <text x={PLOT + 6} y={HEIGHT / 2 + 4} className="chart-label">{formatNumber(max / 2)}</text>
        <text x={PLOT + 6} y={HEIGHT + 4} className="chart-label">0</text>
        {stacks.map((stack) => (
          <g key={stack.label}>
            {stack.parts.map((part) => (
              <rect key={part.key} x={stack.x} y={part.y} width={stack.width} height={part.height}
                className={`chart-series-${order.indexOf(part.key) % SERIES}`}>
                <title>{`${t("exitReasons.periodStart", { period })} ${formatDate(stack.label)} · ${labels[part.key] ?? part.key}: ${t("exitReasons.answers", { count: part.value })}`}</title>
              </rect>
            ))}
          </g>
        ))}
        <text x={0} y={HEIGHT + 18} className="chart-label">{formatDate(first)}</text>
        <text x={PLOT} y={HEIGHT + 18} textAnchor="end" className="chart-label">{formatDate(last)}</text>
      </svg>
      <figcaption className="visually-hidden">
        <table>
          <thead><tr><th>{t("exitReasons.periodStart", { period })}</th>{order.map((code) => <th key={code}>{labels[code]}</th>)}</tr></thead>
          <tbody>
            {report.periods.map((p) => (
              <tr key={p.start}><td>{p.start}</td>{order.map((code) => <td key={code}>{p.counts[code] ?? 0}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
