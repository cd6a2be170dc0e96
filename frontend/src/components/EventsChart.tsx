import type { DayCount } from "../api/types";
import { t } from "../i18n";
import { bars } from "../lib/chart";
import { formatDate, formatNumber } from "../lib/format";

const WIDTH = 600;
const HEIGHT = 160;
const PLOT = WIDTH - 36; // the right margin holds the axis labels

/** Events per day as an SVG bar chart, with a table fallback for screen readers. */
export function EventsChart({ points }: { points: DayCount[] }) {
  const { bars: columns, max } = bars(points, PLOT, HEIGHT);
  const total = points.reduce((sum, p) => sum + p.count, 0);
  const first = points[0]?.date;
  const last = points[points.length - 1]?.date;
  return (
    <figure className="chart">
      <svg viewBox={`0 -6 ${WIDTH} ${HEIGHT + 30}`} role="img"
        aria-label={t("eventsChart.label", { from: formatDate(first), to: formatDate(last), count: total, total: formatNumber(total) })}>
        <line x1={0} x2={PLOT} y1={HEIGHT} y2={HEIGHT} className="chart-axis" />
        <line x1={0} x2={PLOT} y1={1} y2={1} className="chart-grid" />
        <line x1={0} x2={PLOT} y1={HEIGHT / 2} y2={HEIGHT / 2} className="chart-grid" />
        <text x={PLOT + 6} y={5} className="chart-label">{formatNumber(max)}</text>
        <text x={PLOT + 6} y={HEIGHT / 2 + 4} className="chart-label">{formatNumber(max / 2)}</text>
        <text x={PLOT + 6} y={HEIGHT + 4} className="chart-label">0</text>
        {columns.map((bar) => (
          <rect key={bar.date} x={bar.x} y={bar.y} width={bar.width} height={bar.height} className="chart-bar" rx={2}>
            <title>{t("eventsChart.bar", { date: formatDate(bar.date), count: bar.count, total: formatNumber(bar.count) })}</title>
          </rect>
        ))}
        <text x={0} y={HEIGHT + 18} className="chart-label">{formatDate(first)}</text>
        <text x={PLOT} y={HEIGHT + 18} textAnchor="end" className="chart-label">{formatDate(last)}</text>
      </svg>
      <figcaption className="visually-hidden">
        <table>
          <thead><tr><th>{t("eventsChart.day")}</th><th>{t("eventsChart.events")}</th></tr></thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.date}><td>{formatDate(p.date)}</td><td>{formatNumber(p.count)}</td></tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
