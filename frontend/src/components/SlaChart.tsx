import { t } from "../i18n";
import { shareBars } from "../lib/chart";
import { formatDate } from "../lib/format";
import { formatShare as format, type QueueWeeks } from "../lib/sla";

const WIDTH = 600;
const HEIGHT = 120;
const PLOT = WIDTH - 44; // the right margin holds the axis labels

/** One queue's share of tasks done within target per week, as bars on a 0–100 % axis;
 * the table beside it (on the page) holds the numbers. */
export function SlaChart({ queue }: { queue: QueueWeeks }) {
  const columns = shareBars(queue.weeks.map((w) => ({ label: w.week, share: w.share_met })), PLOT, HEIGHT);
  const first = queue.weeks[0]?.week;
  const last = queue.weeks[queue.weeks.length - 1]?.week;
  return (
    <figure className="chart">
      <svg viewBox={`0 -6 ${WIDTH} ${HEIGHT + 30}`} role="img"
        aria-label={t("taskQueues.chartLabel", { queue: queue.queue, from: formatDate(first), to: formatDate(last), share: format(queue.share) })}>
        <line x1={0} x2={PLOT} y1={HEIGHT} y2={HEIGHT} className="chart-axis" />
        <line x1={0} x2={PLOT} y1={1} y2={1} className="chart-grid" />
        <line x1={0} x2={PLOT} y1={HEIGHT / 2} y2={HEIGHT / 2} className="chart-grid" />
        <text x={PLOT + 6} y={5} className="chart-label">{format(1)}</text>
        <text x={PLOT + 6} y={HEIGHT / 2 + 4} className="chart-label">{format(0.5)}</text>
        <text x={PLOT + 6} y={HEIGHT + 4} className="chart-label">{format(0)}</text>
        {columns.map((bar) => (
          <rect key={bar.label} x={bar.x} y={bar.y} width={bar.width} height={bar.height} className="chart-bar" rx={2}>
            <title>{t("taskQueues.barTitle", { week: formatDate(bar.label), share: format(bar.share) })}</title>
          </rect>
        ))}
        <text x={0} y={HEIGHT + 18} className="chart-label">{formatDate(first)}</text>
        <text x={PLOT} y={HEIGHT + 18} textAnchor="end" className="chart-label">{formatDate(last)}</text>
      </svg>
    </figure>
  );
}
